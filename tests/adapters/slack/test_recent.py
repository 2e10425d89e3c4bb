"""Repeat deliveries to the same process are dropped without a database round trip; the database still decides
between processes."""

from __future__ import annotations

from sqlalchemy import event

from bot.adapters.slack.recent import RecentKeys
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.fakes.fake_slack import event_body, mention


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_claimed_once_until_it_expires():
    clock = Clock()
    recent = RecentKeys(ttl=60, clock=clock)
    assert recent.claim(["event:1", "msg:C1:1"])
    assert not recent.claim(["event:1"])
    assert not recent.claim(["event:2", "msg:C1:1"]), "any key seen before makes it a repeat"
    assert recent.claim(["event:3"])
    clock.now += 60
    assert recent.claim(["event:1", "msg:C1:1"]) and len(recent) == 2


def test_forgotten_keys_and_the_oldest_beyond_capacity_can_be_claimed_again():
    recent = RecentKeys(ttl=60, capacity=2, clock=Clock())
    assert recent.claim(["a"]) and recent.claim(["b"]) and recent.claim(["c"])
    assert len(recent) == 2 and recent.claim(["a"]), "the oldest was forgotten"
    recent.forget(["a"])
    assert recent.claim(["a"])


def key_statements(engine) -> list[str]:
    """Every statement touching expiring_keys on this engine from now on."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if "expiring_keys" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_repeats_to_one_process_skip_the_database_and_another_process_asks_it(
    fake_slack, start_bot, database_url
):
    settings = make_settings(database_url, fake_slack)
    first, second = await start_bot(settings), await start_bot(settings)
    on_first = key_statements(first.services.database.engine)
    on_second = key_statements(second.services.database.engine)
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="97.000100"), event_id="EvRecent")
    for retry in range(3):
        assert (await first.send.event(body, retry=retry)).status == 200
    await first.settle()
    assert len(on_first) == 2, "the event key and the message key, once"
    assert first.services.dispatcher.metrics.snapshot()["duplicates_dropped"] == 2
    assert (await second.send.event(body, retry=3)).status == 200
    await second.settle()
    assert len(on_second) == 1 and second.services.dispatcher.metrics.snapshot()["duplicates_dropped"] == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
