"""Events API over signed HTTP: mentions answered in thread, exactly once, never to bots."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

import pytest

from bot.adapters.slack.listeners import SHED_UNPROMPTED_AT
from tests.adapters.slack.conftest import MICROCHIPS, STAGED, make_settings
from tests.fakes.fake_slack import channel_message, event_body, mention


async def test_mention_is_answered_in_its_thread_with_blocks_and_fallback(slack, fake_slack):
    sent = await slack.send.event(event_body(mention(f"<@UBOT1> is it true that {STAGED.lower()}?", ts="1.000100")))
    assert sent.status == 200
    [post] = await fake_slack.wait_calls("chat.postMessage")
    assert post.params["channel"] == "C1"
    assert post.params["thread_ts"] == "1.000100", "a new thread under the mention"
    assert post.token == "xoxb-team1"
    blocks = post.params["blocks"]
    assert "moon-landing-staged" in json.dumps(blocks)
    assert "False" in post.params["text"] and "Moon landing" in post.params["text"]
    assert post.params["unfurl_links"] is False and post.params["unfurl_media"] is False


async def test_mention_inside_a_thread_replies_in_that_thread(slack, fake_slack):
    event = mention(f"<@UBOT1> {STAGED}", ts="2.000200", thread_ts="2.000100")
    await slack.send.event(event_body(event))
    [post] = await fake_slack.wait_calls("chat.postMessage")
    assert post.params["thread_ts"] == "2.000100"


async def test_bare_mention_in_a_thread_checks_the_thread_parent(slack, fake_slack):
    fake_slack.thread_parents[("C1", "3.000100")] = MICROCHIPS
    await slack.send.event(event_body(mention("<@UBOT1> check this", ts="3.000200", thread_ts="3.000100")))
    [post] = await fake_slack.wait_calls("chat.postMessage")
    [replies] = fake_slack.calls_to("conversations.replies")
    assert replies.params["ts"] == "3.000100" and replies.params["channel"] == "C1"
    assert "vaccines-contain-microchips" in json.dumps(post.params["blocks"])
    assert post.params["thread_ts"] == "3.000100"


async def test_mention_with_a_full_claim_does_not_read_the_thread(slack, fake_slack):
    text = "<@UBOT1> is it really true that the 1969 moon landing was staged in a film studio somewhere?"
    await slack.send.event(event_body(mention(text, ts="4.000200", thread_ts="4.000100")))
    await fake_slack.wait_calls("chat.postMessage")
    assert fake_slack.calls_to("conversations.replies") == []


async def test_event_delivered_four_times_is_answered_once(slack, fake_slack):
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="5.000100"), event_id="Ev-retried")
    statuses = [(await slack.send.event(body, retry=attempt)).status for attempt in range(4)]
    await slack.settle()
    assert statuses == [200, 200, 200, 200], "every delivery is acknowledged, so Slack stops retrying"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_concurrent_redeliveries_are_answered_once(slack, fake_slack):
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="6.000100"), event_id="Ev-concurrent")
    results = await asyncio.gather(*(slack.send.event(body, retry=n) for n in range(4)))
    await slack.settle()
    assert {r.status for r in results} == {200}
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_same_message_as_app_mention_and_message_is_answered_once(fake_slack, start_bot, tmp_path):
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, watch_channels=True))
    text = f"<@UBOT1> {STAGED}"
    await harness.send.event(event_body(channel_message(text, ts="7.000100"), event_id="EvMessage"))
    await harness.send.event(event_body(mention(text, ts="7.000100"), event_id="EvMention"))
    await harness.send.event(event_body(channel_message(text, ts="7.000100"), event_id="EvMessage"), retry=1)
    await harness.settle()
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].params["thread_ts"] == "7.000100"


async def test_watched_channel_message_gets_an_unprompted_reply(fake_slack, start_bot, tmp_path):
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, watch_channels=True))
    await harness.send.event(event_body(channel_message(STAGED, ts="8.000100")))
    [post] = await fake_slack.wait_calls("chat.postMessage")
    assert post.params["thread_ts"] == "8.000100"
    assert "automatically" in json.dumps(post.params["blocks"])


async def test_channel_messages_are_acknowledged_but_ignored_when_not_watching(slack, fake_slack):
    sent = await slack.send.event(event_body(channel_message(STAGED, ts="9.000100")))
    await slack.settle()
    assert sent.status == 200, "acknowledged, so Slack neither retries nor disables the subscription"
    assert fake_slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    "event",
    [
        mention(f"<@UBOT1> {STAGED}", bot_id="B999"),
        mention(f"<@UBOT1> {STAGED}", subtype="bot_message", bot_id="B999"),
        mention(f"<@UBOT1> {STAGED}", user="UBOT1"),
    ],
    ids=["another-bot", "bot-message", "itself"],
)
async def test_bots_and_itself_are_never_answered(fake_slack, start_bot, tmp_path, event):
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, watch_channels=True))
    await harness.send.event(event_body(event))
    await harness.send.event(event_body({**event, "type": "message", "channel_type": "channel"}))
    await harness.settle()
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.calls_to("chat.postEphemeral") == []


async def test_url_verification_challenge_is_echoed(slack):
    sent = await slack.send.event({"type": "url_verification", "challenge": "abc123", "token": "x"})
    assert sent.status == 200 and sent.json() == {"challenge": "abc123"}


async def test_slack_dropping_events_is_logged_as_an_error_and_acknowledged(slack, fake_slack, caplog):
    notice = {"token": "x", "type": "app_rate_limited", "team_id": "T111", "minute_rate_limited": 1518467820}
    sent = await slack.send.event(notice)
    assert sent.status == 200
    assert any("app_rate_limited" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


async def test_under_a_flood_channel_messages_are_shed_and_mentions_still_answered(fake_slack, start_bot, tmp_path):
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, watch_channels=True))
    async with AsyncExitStack() as backlog:
        for number in range(SHED_UNPROMPTED_AT):  # acknowledged work piled up and still running
            await backlog.enter_async_context(harness.bot.work.run("backlog", number=number))
        await harness.send.event(event_body(channel_message(STAGED, ts="20.000100"), event_id="EvShed"))
        await harness.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="21.000100"), event_id="EvAsked"))
        [post] = await fake_slack.wait_calls("chat.postMessage")
        assert post.params["thread_ts"] == "21.000100", "the mention is answered, the channel message is not"
        assert harness.services.dispatcher.metrics.snapshot()["unprompted_shed"] == 1
    await harness.send.event(event_body(channel_message(STAGED, ts="22.000100"), event_id="EvCalm"))
    await fake_slack.wait_calls("chat.postMessage", 2)
    await harness.settle()
    assert [p.params["thread_ts"] for p in fake_slack.calls_to("chat.postMessage")] == ["21.000100", "22.000100"]
