"""Expiring keys in the database: cooldowns and de-duplication that every bot process agrees on."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, case, cast, delete, func
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.db import Database
from bot.storage.tables import expiring_keys, rate_counters
from bot.storage.time import Clock, utc_now


class SqlKeyStore:
    """`acquire` is one atomic statement, so two processes can never both win the same key.

    Expiry follows one clock for everyone sharing the keys: on PostgreSQL the server's, never a process's own
    (processes' clocks disagree); the injected `clock` is used only on SQLite, where one process owns the file.
    """

    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    def _now(self) -> dt.datetime | ColumnElement[dt.datetime]:
        """The time keys expire by, read once per statement on SQLite and by the server itself on PostgreSQL."""
        if self.database.is_sqlite:
            return self.clock()
        # clock_timestamp() is read where PostgreSQL evaluates it (in the conflict branch, after the existing row is
        # locked), unlike now(), which is fixed when the transaction starts.
        return func.clock_timestamp(type_=DateTime(timezone=True))

    async def acquire(self, key: str, ttl: dt.timedelta) -> bool:
        """Take `key` for `ttl` unless someone holds it already; True if this call took it."""
        async with self.database.transaction() as connection:
            # On SQLite the transaction began with BEGIN IMMEDIATE, so the clock is read with the write lock held.
            now = self._now()
            expires_at = now + ttl
            statement = self.database.upsert(expiring_keys).values(key=key[:300], expires_at=expires_at)
            statement = statement.on_conflict_do_update(
                index_elements=[expiring_keys.c.key],
                set_={"expires_at": expires_at},
                where=expiring_keys.c.expires_at <= now,
            )
            result = await connection.execute(statement)
        return result.rowcount == 1

    async def count(self, key: str, window: dt.timedelta) -> int:
        """Count one more use of `key` in the current window of length `window`; returns the count so far.

        One atomic statement: a new window starts the count again at 1. Windows follow the same clock as `acquire`.
        """
        seconds = max(1, int(window.total_seconds()))
        async with self.database.transaction() as connection:
            now = self._now()
            if isinstance(now, dt.datetime):
                period: int | ColumnElement[int] = int(now.timestamp()) // seconds
            else:
                period = cast(func.floor(func.extract("epoch", now) / seconds), BigInteger)
            statement = self.database.upsert(rate_counters).values(
                key=key[:300], period=period, count=1, expires_at=now + window
            )
            counting = statement.on_conflict_do_update(
                index_elements=[rate_counters.c.key],
                set_={
                    "count": case(
                        (rate_counters.c.period == statement.excluded.period, rate_counters.c.count + 1), else_=1
                    ),
                    "period": statement.excluded.period,
                    "expires_at": statement.excluded.expires_at,
                },
            ).returning(rate_counters.c.count)
            return int((await connection.execute(counting)).scalar_one())

    async def prune(self) -> int:
        """Delete expired keys and counters so the tables stay small; returns how many went."""
        async with self.database.transaction() as connection:
            now = self._now()
            result = await connection.execute(delete(expiring_keys).where(expiring_keys.c.expires_at <= now))
            counters = await connection.execute(delete(rate_counters).where(rate_counters.c.expires_at <= now))
        return result.rowcount + counters.rowcount
