"""Outgoing calls answered 429 are retried after Retry-After, a bounded number of times (SL-6)."""

from __future__ import annotations

import logging

from tests.adapters.slack.conftest import STAGED
from tests.fakes.fake_slack import event_body, mention


async def test_a_rate_limited_reply_is_retried_after_retry_after(slack, fake_slack):
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    await slack.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="30.000100")))
    first, second = await fake_slack.wait_calls("chat.postMessage", 2)
    await slack.settle()
    assert second.at - first.at >= 1.0, "not before Retry-After"
    assert second.params == first.params
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert slack.bot.work.failures == 0


async def test_retries_are_bounded_and_the_lost_reply_is_logged(slack, fake_slack, caplog):
    fake_slack.rate_limit("chat.postMessage", times=10, retry_after=0)
    with caplog.at_level(logging.ERROR, logger="bot.adapters.slack"):
        await slack.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="31.000100"), event_id="Ev31"))
        await slack.settle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 3, "the first try and two retries"
    assert slack.bot.work.failures == 1
    [record] = [r for r in caplog.records if "failed after it was acknowledged" in r.getMessage()]
    assert record.event_id == "Ev31" and record.channel == "C1"


async def test_a_wait_longer_than_the_cap_is_not_attempted(slack, fake_slack):
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=120)
    await slack.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="32.000100")))
    await slack.settle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert slack.bot.work.failures == 1
