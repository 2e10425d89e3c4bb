"""Socket Mode end to end through `run(settings)`: envelopes acknowledged, answers sent, SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import pytest

from bot.adapters.slack.runner import run
from bot.app import open_services
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.fakes.fake_slack import APP_TOKEN, event_body, mention, slash_command


@pytest.fixture
async def socket_bot(fake_slack, tmp_path):
    """factbot running in Socket Mode as `factbot run slack` would, stopped with SIGTERM at the end."""
    settings = make_settings(
        f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, mode="socket", app_token=APP_TOKEN, signing_secret=None
    )
    task = asyncio.create_task(run(settings, open_services))
    await fake_slack.wait_socket()
    yield task
    if not task.done():
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(task, 15) == 0


async def test_socket_mode_connects_with_the_app_token(socket_bot, fake_slack):
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN
    [signed_in] = fake_slack.calls_to("auth.test")
    assert signed_in.token == "xoxb-team1"


async def test_mention_over_socket_mode_is_acknowledged_and_answered_in_thread(socket_bot, fake_slack):
    ack = await fake_slack.push("events_api", event_body(mention(f"<@UBOT1> {STAGED}", ts="50.000100")))
    assert set(ack) == {"envelope_id"}
    [post] = await fake_slack.wait_calls("chat.postMessage")
    assert post.params["thread_ts"] == "50.000100"
    assert "moon-landing-staged" in json.dumps(post.params["blocks"])


async def test_envelope_redelivered_on_socket_mode_is_answered_once(socket_bot, fake_slack):
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="51.000100"), event_id="EvSocket")
    for _ in range(3):
        await fake_slack.push("events_api", body)
    await fake_slack.wait_calls("chat.postMessage")
    await fake_slack.push("events_api", event_body(mention(f"<@UBOT1> {STAGED}", ts="51.000200")))
    await fake_slack.wait_calls("chat.postMessage", 2)
    assert [c.params["thread_ts"] for c in fake_slack.calls_to("chat.postMessage")] == ["51.000100", "51.000200"]


async def test_slash_command_over_socket_mode(socket_bot, fake_slack):
    command = slash_command("/factcheck", STAGED, fake_slack.hook_url("socket-cmd"))
    ack = await fake_slack.push("slash_commands", command, accepts_response_payload=True)
    assert ack.get("payload") in (None, {}), "an empty acknowledgement; the answer goes to response_url"
    [answer] = await fake_slack.wait_hooks("socket-cmd")
    assert answer.params["response_type"] == "ephemeral"
    assert "moon-landing-staged" in json.dumps(answer.params["blocks"])


async def test_sigterm_stops_socket_mode_cleanly(socket_bot, fake_slack):
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(socket_bot, 15) == 0
    await fake_slack.wait_for(lambda: fake_slack.connected == 0)
