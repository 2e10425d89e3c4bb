"""Per-user limits per community, counted in the shared database: requests, reports, report size, open reports."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.core.limits import SLOW_DOWN, LimitConfig, Limits
from bot.core.memory import MemoryKeyStore
from bot.domain.models import ReplyKind
from bot.storage.keys import SqlKeyStore
from tests.fakes.fake_adapter import make_actor

ALICE = make_actor("alice")


async def test_one_person_gets_twenty_answers_a_minute_then_a_polite_private_note(db_fake):
    answers = [await db_fake.command("factcheck the moon landing was staged", actor=ALICE) for _ in range(20)]
    assert all(a[0].kind is not ReplyKind.ERROR for a in answers)
    limited = await db_fake.command("factcheck the moon landing was staged", actor=ALICE)
    assert limited[0].text == SLOW_DOWN and limited[0].ephemeral
    assert (await db_fake.command("help", actor=ALICE))[0].text == SLOW_DOWN, "commands always get an answer"
    assert await db_fake.mention("the moon landing was staged", actor=ALICE) == [], "a mention flood is ignored"
    # Others, and the same person in another community, are not affected.
    assert (await db_fake.command("factcheck the moon landing was staged", actor=make_actor("bob")))[0].claim
    elsewhere = make_actor("alice", workspace="w2")
    assert (await db_fake.command("factcheck the moon landing was staged", actor=elsewhere))[0].claim
    # Nothing past the limit reached the reply log or the matcher's counters.
    assert db_fake.dispatcher.metrics.snapshot()["requests_limited"] == 3


async def test_the_first_mention_over_the_limit_is_told_why(db_fake):
    for _ in range(20):
        await db_fake.mention("the moon landing was staged", actor=ALICE)
    [note] = await db_fake.mention("the moon landing was staged", actor=ALICE)
    assert note.text == SLOW_DOWN


async def test_reports_are_bounded_in_size_frequency_and_open_count(services, db_fake):
    services.dispatcher.limits = Limits(services.keys, LimitConfig(reports_per_hour=3, max_open_reports=2))
    too_long = await db_fake.command("report " + "x" * 2001, actor=ALICE)
    assert too_long[0].kind is ReplyKind.ERROR and "at most 2,000 characters" in too_long[0].text
    assert "report #1" in (await db_fake.command("report first", actor=ALICE))[0].text
    assert "report #2" in (await db_fake.command("report second", actor=ALICE))[0].text
    third = await db_fake.command("report third", actor=ALICE)
    assert "You have 2 reports waiting" in third[0].text
    mod = make_actor("mia", moderator=True)
    await db_fake.command("queue dismiss 1 | not a claim", actor=mod)
    assert "report #3" in (await db_fake.command("report third", actor=ALICE))[0].text
    await db_fake.command("queue dismiss 2", actor=mod)
    await db_fake.command("queue dismiss 3", actor=mod)
    fourth = await db_fake.command("report fourth", actor=ALICE)
    assert "a lot of reports in one hour" in fourth[0].text
    assert len(await services.stores.reports.list(include_handled=True)) == 3


async def test_a_new_window_starts_the_count_again(clock):
    keys = MemoryKeyStore(clock=clock)
    assert [await keys.count("k", dt.timedelta(minutes=1)) for _ in range(3)] == [1, 2, 3]
    clock.advance(minutes=1)
    assert await keys.count("k", dt.timedelta(minutes=1)) == 1


async def test_counts_are_shared_and_atomic_across_connections(database):
    keys = [SqlKeyStore(database) for _ in range(4)]
    counts = await asyncio.gather(*(keys[i % 4].count("limit:x", dt.timedelta(minutes=5)) for i in range(40)))
    assert sorted(counts) == list(range(1, 41)), "every use counted once, none lost to a race"
    assert await SqlKeyStore(database).count("limit:y", dt.timedelta(minutes=5)) == 1


@pytest.mark.parametrize("limit", [0])
async def test_a_zero_limit_turns_it_off(db_fake, services, limit):
    services.dispatcher.limits = Limits(services.keys, LimitConfig(requests_per_minute=limit))
    for _ in range(30):
        assert (await db_fake.command("factcheck the moon landing was staged", actor=ALICE))[0].claim
