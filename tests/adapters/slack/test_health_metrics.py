"""/healthz checks the database (refused, hung, cached, one check at a time) and /metrics shows the dispatcher's and
the adapter's figures as JSON or Prometheus text."""

from __future__ import annotations

import asyncio
import os
import re
import time

import pytest
from sqlalchemy.engine import make_url

from bot.adapters.slack.health import CACHE_SECONDS, DatabaseProbe
from bot.adapters.slack.web import prometheus_text
from bot.storage.db import Database, normalise_url
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.adapters.slack.processes import free_port
from tests.conftest import PG_URL
from tests.fakes.fake_slack import event_body, mention
from tests.fakes.tcp import PausingProxy, SilentServer


async def test_a_database_that_refuses_connections_is_reported_at_once():
    probe = DatabaseProbe(Database(f"postgresql://factbot:CANARY-pw@127.0.0.1:{free_port()}/factbot"), timeout=2.0)
    try:
        started = time.monotonic()
        health = await probe.check()
        assert time.monotonic() - started < 1.5
        assert not health.ok and health.reason == "connection refused"
        assert health.as_json() == {"database": "unreachable", "reason": "connection refused"}
    finally:
        await probe.close()


async def test_a_database_that_hangs_is_reported_after_the_timeout_with_one_connection_for_many_requests():
    async with SilentServer() as server:
        probe = DatabaseProbe(Database(f"postgresql://factbot@127.0.0.1:{server.port}/factbot"), timeout=0.3)
        try:
            started = time.monotonic()
            results = await asyncio.gather(*(probe.check() for _ in range(20)))
            assert time.monotonic() - started < 0.3 * 1.3, "the whole check, cleanup included, fits the timeout"
            assert {r.reason for r in results} == {"no answer within 0.3 s"}
            assert server.connections == 1, "concurrent health requests share one check"
            await probe.check()
            assert server.connections == 1, f"the result is reused for {CACHE_SECONDS} s"
        finally:
            await probe.close()


@pytest.mark.postgres
async def test_a_database_that_stops_answering_mid_query_is_reported_within_the_timeout():
    """SQLAlchemy's clean-up after a cancelled query waits for the server; the check must not wait with it."""
    if not PG_URL:
        pytest.skip("FACTBOT_TEST_DATABASE_URL is not set")
    target = make_url(normalise_url(PG_URL))
    async with PausingProxy(target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        probe = DatabaseProbe(Database(url), timeout=0.5)
        try:
            assert (await probe.check()).ok
            await asyncio.sleep(CACHE_SECONDS)
            proxy.paused = True  # the pooled connection is open: the check's ping or SELECT 1 hangs
            started = time.monotonic()
            health = await probe.check()
            assert time.monotonic() - started < 0.5 * 1.3
            assert health.reason == "no answer within 0.5 s"
            proxy.paused = False
            await asyncio.sleep(CACHE_SECONDS)
            assert (await probe.check()).ok, "healthy again once the database answers"
        finally:
            await probe.close()


async def test_a_reachable_database_is_ok(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    probe = DatabaseProbe(database, timeout=1.0)
    try:
        health = await probe.check()
        assert health.ok and health.as_json()["database"] == "ok"
    finally:
        await probe.close()
        await database.dispose()


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
        assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        text = await response.text()
    assert f'factbot_replies_fact_check_total{{pid="{os.getpid()}"}} 1\n' in text


async def test_metrics_can_be_turned_off(fake_slack, start_bot, tmp_path):
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack), metrics=False)
    async with harness.send.session.get(f"{harness.base_url}/metrics") as response:
        assert response.status == 404
    async with harness.send.session.get(f"{harness.base_url}/healthz") as response:
        assert response.status == 200


def test_prometheus_text_has_one_family_per_name_counters_and_quantiles():
    figures = {
        "replies_fact-check": 3,
        "duplicates_dropped": 9,
        "match_ms_p50": 2.5,
        "match_ms_p99": 8.0,
        "matches": 3,
        "slack_work_seconds_total": 1.25,
        "slack_work_db_share": 0.4,
    }
    text = prometheus_text(figures, 42)
    assert text.endswith("\n")
    lines = text.splitlines()
    types = [line for line in lines if line.startswith("# TYPE")]
    assert len(types) == len({t.split()[2] for t in types}) == 6
    assert "# TYPE factbot_replies_fact_check_total counter" in lines
    assert 'factbot_replies_fact_check_total{pid="42"} 3' in lines
    assert 'factbot_slack_work_seconds_total{pid="42"} 1.25' in lines
    assert "# TYPE factbot_match_ms gauge" in lines
    assert 'factbot_match_ms{pid="42",quantile="0.5"} 2.5' in lines
    assert 'factbot_match_ms{pid="42",quantile="0.99"} 8' in lines
    assert 'factbot_slack_work_db_share{pid="42"} 0.4' in lines
    sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*\{pid="42"(,quantile="[0-9.]+")?\} [0-9.e+-]+$')
    assert all(sample.match(line) for line in lines if not line.startswith("#"))


@pytest.mark.parametrize("accept", ["*/*", "text/html,application/xhtml+xml", ""])
async def test_browsers_and_curl_get_json(slack, accept):
    async with slack.send.session.get(f"{slack.base_url}/metrics", headers={"Accept": accept}) as response:
        assert response.content_type == "application/json"
