"""IDENTIFY turns: one per max_concurrency bucket per window, in one process and (PostgreSQL) across processes."""

from __future__ import annotations

import asyncio
import logging
import random
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters.discord.identify import MARGIN, IdentifyGate, ProcessOnly, namespace_of
from bot.storage.db import normalise_url
from bot.storage.locks import AdvisoryLock
from tests.conftest import PG_URL
from tests.fakes.tcp import PausingProxy, SilentServer

WINDOW = 0.2
HOLD = WINDOW * (1 + MARGIN)


def gate_for(lock, *, max_concurrency: int, bot: int) -> IdentifyGate:
    gate = IdentifyGate(lock, window=WINDOW)
    gate.configure(max_concurrency=max_concurrency, application_id=bot)
    return gate


async def turn_times(gate: IdentifyGate, shard_ids: list[int]) -> dict[int, float]:
    """When each shard's turn began, all asking at once."""
    times: dict[int, float] = {}

    async def take(shard_id: int) -> None:
        await gate.wait_turn(shard_id)
        times[shard_id] = time.monotonic()

    await asyncio.gather(*(take(s) for s in shard_ids))
    return times


@pytest.fixture
def bot_id() -> int:
    """A bot of its own per test: lock namespaces never collide with another test run on the same server."""
    return random.getrandbits(62)


@pytest.fixture
def pg_url() -> str:
    if not PG_URL:
        pytest.skip("FACTBOT_TEST_DATABASE_URL is not set")
    return normalise_url(PG_URL)


async def advisory_locks(url: str, bot_id: int, *, granted: bool) -> int:
    """Advisory locks of this bot's namespace in PostgreSQL's lock table, granted or waiting."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 "
                    "AND classid = :namespace AND granted = :granted"
                ),
                {"namespace": namespace_of(bot_id) & 0xFFFFFFFF, "granted": granted},
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


def test_buckets_and_namespaces():
    gate = IdentifyGate(ProcessOnly(), window=WINDOW)
    gate.configure(max_concurrency=16, application_id=1)
    assert [gate.bucket(s) for s in (0, 15, 16, 33)] == [0, 15, 0, 1]
    assert gate.bucket(None) == 0  # an unsharded session counts as shard 0
    assert namespace_of(1) != namespace_of(2)
    assert all(-(2**31) <= namespace_of(b) < 2**31 for b in (0, 1, 2**63 - 1))  # fits pg_advisory_lock(int4, int4)


async def test_in_one_process_a_bucket_waits_a_window_and_other_buckets_do_not(bot_id):
    gate = gate_for(ProcessOnly(), max_concurrency=2, bot=bot_id)
    started = time.monotonic()
    times = await turn_times(gate, [0, 1, 2, 3])
    assert times[1] - started < WINDOW and times[0] - started < WINDOW  # buckets 0 and 1 together
    assert times[2] - times[0] >= HOLD and times[3] - times[1] >= HOLD  # then each bucket's next, a window on
    await gate.aclose()


@pytest.mark.postgres
async def test_across_processes_a_bucket_waits_for_the_other_processs_turn(pg_url, bot_id):
    """Two gates with locks of their own are two processes to PostgreSQL (separate sessions)."""
    first = gate_for(AdvisoryLock(pg_url), max_concurrency=2, bot=bot_id)
    second = gate_for(AdvisoryLock(pg_url), max_concurrency=2, bot=bot_id)
    try:
        await first.wait_turn(0)
        began = time.monotonic()
        assert await advisory_locks(pg_url, bot_id, granted=True) == 1
        await second.wait_turn(1)  # bucket 1 is free
        other_bucket = time.monotonic()
        await second.wait_turn(2)  # bucket 0, held by the first process
        same_bucket = time.monotonic()
        assert other_bucket - began < WINDOW / 2
        assert same_bucket - began >= HOLD * 0.95  # the first turn began just before `began`
    finally:
        await first.aclose()
        await second.aclose()
    assert await advisory_locks(pg_url, bot_id, granted=True) == 0


@pytest.mark.postgres
async def test_lock_connections_ask_postgresql_to_probe_for_a_vanished_holder(pg_url, bot_id):
    """A crashed holder's connection closes at once; a holder cut off the network is found by TCP keepalives."""
    lock = AdvisoryLock(pg_url)
    key = (namespace_of(bot_id), 0)
    await lock.acquire(key)
    try:
        result = await lock._held[key].execute(text("SELECT current_setting('tcp_keepalives_idle')"))
        assert result.scalar_one() == "10"  # seconds idle before the first probe (TCP connections only)
    finally:
        await lock.aclose()


@pytest.mark.postgres
async def test_a_cancelled_wait_leaves_postgresqls_queue(pg_url, bot_id):
    holder, quitter, next_in_line = (AdvisoryLock(pg_url) for _ in range(3))
    key = (namespace_of(bot_id), 0)
    try:
        await holder.acquire(key)
        waiting = asyncio.create_task(quitter.acquire(key))
        for _ in range(100):
            if await advisory_locks(pg_url, bot_id, granted=False) == 1:
                break
            await asyncio.sleep(0.02)
        assert await advisory_locks(pg_url, bot_id, granted=False) == 1  # queued in PostgreSQL
        waiting.cancel()  # as when the client closes while a shard waits for its turn
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await holder.release(key)
        await asyncio.wait_for(next_in_line.acquire(key), 2)  # not stuck behind the one that left
        await next_in_line.release(key)
    finally:
        for lock in (holder, quitter, next_in_line):
            await lock.aclose()
    assert await advisory_locks(pg_url, bot_id, granted=False) == 0
    assert await advisory_locks(pg_url, bot_id, granted=True) == 0


async def test_without_the_database_turns_are_paced_in_this_process(bot_id, caplog):
    unreachable = AdvisoryLock(normalise_url("postgresql://factbot@127.0.0.1:9/nowhere"))  # port 9: refused
    gate = gate_for(unreachable, max_concurrency=1, bot=bot_id)
    times = await turn_times(gate, [0, 1])
    assert abs(times[1] - times[0]) >= HOLD
    assert any("identify lock unavailable" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    await gate.aclose()


async def test_a_database_that_never_answers_costs_a_shard_at_most_the_bound(bot_id, caplog):
    """discord.py cancels a reconnect's hook after 60 s; the turn must come (paced locally) well before that."""
    async with SilentServer() as server:
        silent = AdvisoryLock(normalise_url(f"postgresql://factbot@127.0.0.1:{server.port}/factbot"))
        gate = IdentifyGate(silent, window=WINDOW, shared_timeout=0.3, first_shared_timeout=0.3)
        gate.configure(max_concurrency=1, application_id=bot_id)
        try:
            started = time.monotonic()
            await asyncio.wait_for(gate.wait_turn(0), 5)
            assert time.monotonic() - started < 0.6
            assert server.connections == 1, "it did try the database"
            assert any(
                "identify lock unavailable" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
            )
            # The next shard of the bucket still waits out the first one's turn: local pacing holds.
            await asyncio.wait_for(gate.wait_turn(1), 5)
            assert time.monotonic() - started >= HOLD
        finally:
            await gate.aclose()


class NeverGranted:
    """A shared lock whose turn never comes: PostgreSQL's queue, as long as the wait lasts."""

    async def acquire(self, key: tuple[int, int]) -> None:
        await asyncio.Event().wait()

    async def release(self, key: tuple[int, int]) -> None:
        raise AssertionError("never acquired")

    async def aclose(self) -> None:
        pass


async def test_a_shards_first_turn_may_queue_longer_than_its_reconnects(bot_id):
    """discord.py gives a shard's first connection 180 s and a reconnect 60 s, the hook included."""
    gate = IdentifyGate(NeverGranted(), window=WINDOW, shared_timeout=0.1, first_shared_timeout=0.5)
    gate.configure(max_concurrency=1, application_id=bot_id)
    try:
        started = time.monotonic()
        await asyncio.wait_for(gate.wait_turn(0), 5)
        assert 0.5 <= time.monotonic() - started < 0.8
        await asyncio.sleep(HOLD)  # the first turn ends
        started = time.monotonic()
        await asyncio.wait_for(gate.wait_turn(0), 5)  # the same shard identifying again: a reconnect
        assert 0.1 <= time.monotonic() - started < 0.4
    finally:
        await gate.aclose()


@pytest.mark.postgres
async def test_a_turn_ends_on_time_when_the_database_stops_answering_while_it_is_held(pg_url, bot_id):
    """The unlock is bounded, so the bucket's local lock is not held while a half-open connection hangs."""
    target = make_url(pg_url)
    async with PausingProxy(target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        lock = AdvisoryLock(url, release_timeout=0.3)
        gate = IdentifyGate(lock, window=WINDOW, shared_timeout=0.3, first_shared_timeout=0.3)
        gate.configure(max_concurrency=1, application_id=bot_id)
        try:
            await gate.wait_turn(0)
            began = time.monotonic()
            assert await advisory_locks(pg_url, bot_id, granted=True) == 1
            proxy.paused = True
            await asyncio.wait_for(gate.wait_turn(1), 5)  # the same bucket: after the first turn ends
            # The turn's hold, then at most 0.3 s for the unlock and 0.3 s for the (silent) next lock.
            assert time.monotonic() - began < HOLD + 0.9
        finally:
            await gate.aclose()
    for _ in range(100):  # the proxy closed the session that held the lock
        if await advisory_locks(pg_url, bot_id, granted=True) == 0:
            break
        await asyncio.sleep(0.02)
    assert await advisory_locks(pg_url, bot_id, granted=True) == 0


async def test_closing_stops_a_shard_waiting_for_its_turn_and_waits_out_the_running_turn(bot_id):
    gate = gate_for(ProcessOnly(), max_concurrency=1, bot=bot_id)
    await gate.wait_turn(0)
    began = time.monotonic()
    waiting = asyncio.create_task(gate.wait_turn(1))
    await asyncio.sleep(0.01)
    await gate.aclose()
    assert waiting.cancelled()
    assert time.monotonic() - began >= HOLD * 0.9  # the turn that ran was not cut short
