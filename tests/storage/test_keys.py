"""Expiring keys: one winner per key until it expires, on both backends."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from bot.storage.keys import SqlKeyStore
from bot.storage.tables import expiring_keys


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)

    def __call__(self):
        return self.now


async def test_only_one_acquire_wins_until_expiry(database):
    clock = Clock()
    keys = SqlKeyStore(database, clock=clock)
    assert await keys.acquire("cooldown:a", dt.timedelta(minutes=1))
    assert not await keys.acquire("cooldown:a", dt.timedelta(minutes=1))
    assert await keys.acquire("cooldown:b", dt.timedelta(minutes=1))
    clock.now += dt.timedelta(minutes=1)
    assert await keys.acquire("cooldown:a", dt.timedelta(minutes=1))


async def test_concurrent_acquires_have_exactly_one_winner(database):
    keys = SqlKeyStore(database)
    results = await asyncio.gather(*(keys.acquire("dedupe:msg-1", dt.timedelta(hours=1)) for _ in range(20)))
    assert results.count(True) == 1


async def test_prune_removes_only_expired_keys(database):
    clock = Clock()
    keys = SqlKeyStore(database, clock=clock)
    await keys.acquire("old", dt.timedelta(seconds=1))
    await keys.acquire("new", dt.timedelta(hours=1))
    clock.now += dt.timedelta(seconds=2)
    assert await keys.prune() == 1
    async with database.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(expiring_keys)) == 1
