"""Slack HTTP mode serves the ops routes on its own port: /healthz with the database, /metrics as Prometheus text
for scrapers and JSON for people."""

from __future__ import annotations

import os
import re

import pytest

from tests.adapters.slack.conftest import STAGED, make_settings
from tests.fakes.fake_slack import event_body, mention


async def test_healthz_and_metrics_over_http(slack, fake_slack):
    session = slack.send.session
    async with session.get(f"{slack.base_url}/healthz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["pid"] == os.getpid()

    await slack.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="95.000100")))
    await fake_slack.wait_calls("chat.postMessage")
    await slack.settle()

    async with session.get(f"{slack.base_url}/metrics") as response:
        assert response.status == 200 and response.content_type == "application/json"
        figures = (await response.json())["metrics"]
    assert figures["replies_fact-check"] == 1 and figures["matches"] == 1
    assert figures["slack_work_count"] == 1 and figures["slack_in_flight"] == 0
    assert 0 < figures["slack_work_db_seconds_total"] < figures["slack_work_seconds_total"]
    assert 0 < figures["slack_work_db_share"] < 1

    scraper = {"Accept": "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4"}
    async with session.get(f"{slack.base_url}/metrics", headers=scraper) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    # prometheus_client's registry lives as long as the process, so other tests' figures are in it too.
    assert re.search(r'^factbot_events_total\{event="replies_fact-check"\} [1-9][0-9]*\.0$', text, re.MULTILINE)
    assert re.search(r"^factbot_match_seconds_count [1-9]", text, re.MULTILINE)
    assert 'factbot_work_in_flight{platform="slack"} 0.0' in text


async def test_metrics_can_be_turned_off(fake_slack, start_bot, tmp_path):
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack), metrics=False)
    async with harness.send.session.get(f"{harness.base_url}/metrics") as response:
        assert response.status == 404
    async with harness.send.session.get(f"{harness.base_url}/healthz") as response:
        assert response.status == 200


@pytest.mark.parametrize("accept", ["*/*", "text/html,application/xhtml+xml", ""])
async def test_browsers_and_curl_get_json(slack, accept):
    async with slack.send.session.get(f"{slack.base_url}/metrics", headers={"Accept": accept}) as response:
        assert response.content_type == "application/json"
