"""Expiring keys: one winner per key until it expires, on both backends, whatever each process's clock says."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.storage.db import Database
from bot.storage.keys import SqlKeyStore
from bot.storage.tables import expiring_keys
from bot.storage.time import utc_now
from tests.conftest import Clock

SKEWS = pytest.mark.parametrize("skew", [dt.timedelta(hours=1), -dt.timedelta(hours=1)], ids=["ahead", "behind"])


def short_ttl(database: Database) -> dt.timedelta:
    """A TTL a test can outlive: the fake clock jumps it on SQLite; on PostgreSQL real time must pass (3 s: long
    enough that a loaded machine still makes the next statement inside it)."""
    return dt.timedelta(minutes=1) if database.is_sqlite else dt.timedelta(seconds=3)


async def outlive(database: Database, clock: Clock, ttl: dt.timedelta) -> None:
    """Let `ttl` pass on the clock keys expire by: the injected one on SQLite, the server's on PostgreSQL."""
    if database.is_sqlite:
        clock.now += ttl
    else:
        await asyncio.sleep(ttl.total_seconds() + 0.05)


async def count_keys(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(expiring_keys)) or 0)


async def test_only_one_acquire_wins_until_expiry(database: Database, clock: Clock) -> None:
    keys = SqlKeyStore(database, clock=clock)
    ttl = short_ttl(database)
    assert await keys.acquire("cooldown:a", ttl)
    assert not await keys.acquire("cooldown:a", ttl)
    assert await keys.acquire("cooldown:b", ttl)
    await outlive(database, clock, ttl)
    assert await keys.acquire("cooldown:a", ttl)
    assert not await keys.acquire("cooldown:a", ttl)


async def test_concurrent_acquires_have_exactly_one_winner(database: Database) -> None:
    keys = SqlKeyStore(database)
    results = await asyncio.gather(*(keys.acquire("dedupe:msg-1", dt.timedelta(hours=1)) for _ in range(20)))
    assert results.count(True) == 1


async def test_prune_removes_only_expired_keys(database: Database, clock: Clock) -> None:
    keys = SqlKeyStore(database, clock=clock)
    ttl = short_ttl(database)
    await keys.acquire("old", ttl)
    await keys.acquire("new", dt.timedelta(hours=1))
    await outlive(database, clock, ttl)
    assert await keys.prune() == 1
    assert await count_keys(database) == 1


@pytest.fixture
async def two_processes(postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on one PostgreSQL database, as two bot processes would have."""
    first, second = Database(postgres_url), Database(postgres_url)
    await first.upgrade()
    try:
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.postgres
@SKEWS
async def test_a_process_with_a_skewed_clock_cannot_take_a_live_key(
    two_processes: tuple[Database, Database], skew: dt.timedelta
) -> None:
    first, second = two_processes
    honest = SqlKeyStore(first)
    skewed = SqlKeyStore(second, clock=lambda: utc_now() + skew)
    ttl = dt.timedelta(minutes=1)
    assert await honest.acquire("cooldown:c1:moon", ttl)
    assert not await skewed.acquire("cooldown:c1:moon", ttl), "the skewed process answered inside the cooldown"
    assert await skewed.acquire("seen:message-1", ttl)
    assert not await honest.acquire("seen:message-1", ttl), "the skewed process's key expired early for others"


@pytest.mark.postgres
@SKEWS
async def test_prune_by_a_process_with_a_skewed_clock_deletes_expired_keys_only(
    two_processes: tuple[Database, Database], skew: dt.timedelta
) -> None:
    first, second = two_processes
    honest = SqlKeyStore(first)
    skewed = SqlKeyStore(second, clock=lambda: utc_now() + skew)
    assert await honest.acquire("seen:expired", dt.timedelta(milliseconds=100))
    assert await honest.acquire("cooldown:c1:moon", dt.timedelta(minutes=1))
    await asyncio.sleep(0.2)
    assert await skewed.prune() == 1
    assert await count_keys(first) == 1
    assert not await honest.acquire("cooldown:c1:moon", dt.timedelta(minutes=1))
