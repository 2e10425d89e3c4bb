"""Held replies in storage: each community reads and decides only its own, and a decision is taken exactly once,
however many processes (separate OS processes, separate engines) race for it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from sqlalchemy import select

from bot.domain.models import Actor, Candidate, Decision, HeldState, MatchResult, Origin
from bot.storage.db import Database
from bot.storage.tables import audit_log
from bot.storage.trial import SqlTrialStore
from tests.conftest import PROJECT_ROOT

ONE = Origin(platform="discord", channel_id="10", workspace_id="100", message_id="555")
TWO = Origin(platform="discord", channel_id="20", workspace_id="200", message_id="666")
MATCH = MatchResult(
    Decision.REPLY,
    (Candidate("moon-landing-staged", 0.91, "the moon landing was staged", "x" * 2000), Candidate("other", 0.4)),
)
MOD = Actor(platform="discord", user_id="7", display_name="mia", workspace_id="100")

# One racer: open its own engine, wait for the common start, try to approve, say whether it won.
RACER = """
import asyncio, sys, time
from bot.domain.models import Actor, HeldState, Origin
from bot.storage.db import Database
from bot.storage.trial import SqlTrialStore

async def main(url, held_id, start, name):
    database = Database(url)
    store = SqlTrialStore(database)
    community = Origin(platform="discord", channel_id="10", workspace_id="100")
    actor = Actor(platform="discord", user_id=name, display_name=name, workspace_id="100")
    await store.get(held_id, community)  # connect before the start, so the race is on the UPDATE
    await asyncio.sleep(max(0.0, start - time.time()))
    decided = await store.decide(held_id, HeldState.APPROVED, actor=actor, community=community)
    print("won" if decided is not None else "lost")
    await database.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]))
"""


async def test_a_held_reply_is_its_communitys_only_and_keeps_bounded_text(database: Database):
    store = SqlTrialStore(database)
    held = await store.hold(ONE, MATCH)
    assert held.state is HeldState.HELD and len(held.window) == 500
    assert held.candidates == (("moon-landing-staged", 0.91), ("other", 0.4))
    assert (await store.get(held.id, ONE)) == held and await store.get(held.id, TWO) is None
    assert [h.id for h in await store.waiting(ONE)] == [held.id] and await store.waiting(TWO) == []
    stranger = Actor(platform="discord", user_id="9", workspace_id="200")
    assert await store.decide(held.id, HeldState.APPROVED, actor=stranger, community=TWO) is None
    assert (await store.get(held.id, ONE)).state is HeldState.HELD


async def test_a_decision_is_recorded_with_who_and_when_and_audited_in_the_community(database: Database):
    store = SqlTrialStore(database)
    held = await store.hold(ONE, MATCH)
    decided = await store.decide(held.id, HeldState.REJECTED, actor=MOD, community=ONE, note="not here")
    assert decided is not None and decided.decided_by is not None and "mia" in decided.decided_by
    assert decided.decided_at is not None and decided.note == "not here" and await store.waiting(ONE) == []
    assert await store.decide(held.id, HeldState.APPROVED, actor=MOD, community=ONE) is None
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log.c.action, audit_log.c.actor_id, audit_log.c.community))).all()
    assert [tuple(r) for r in rows] == [("trial rejected", "7", "discord:100")]


async def test_engines_racing_to_approve_decide_once(database_url, database: Database):
    held = await SqlTrialStore(database).hold(ONE, MATCH)
    others = [Database(database_url) for _ in range(4)]
    try:
        outcomes = await asyncio.gather(
            *(SqlTrialStore(d).decide(held.id, HeldState.APPROVED, actor=MOD, community=ONE) for d in others)
        )
    finally:
        for other in others:
            await other.dispose()
    assert sum(o is not None for o in outcomes) == 1


async def test_processes_racing_to_approve_decide_once(database_url, database: Database):
    held = await SqlTrialStore(database).hold(ONE, MATCH)
    start = time.time() + 3.0  # every process has started and connected by then
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, database_url, str(held.id), str(start), f"racer{n}"],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [racer.communicate(timeout=60) for racer in racers]
    assert [racer.returncode for racer in racers] == [0] * 4, [err[-500:] for _, err in results]
    assert sorted(out.strip() for out, _ in results) == ["lost", "lost", "lost", "won"]
    decided = await SqlTrialStore(database).get(held.id, ONE)
    assert decided is not None and decided.state is HeldState.APPROVED and decided.decided_by is not None
