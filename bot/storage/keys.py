"""Expiring keys in the database: cooldowns and de-duplication that every bot process agrees on."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.db import Database
from bot.storage.tables import expiring_keys
from bot.storage.time import Clock, utc_now


class SqlKeyStore:
    """`acquire` is one atomic statement, so two processes can never both win the same key."""

    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    async def acquire(self, key: str, ttl: dt.timedelta) -> bool:
        """Take `key` for `ttl` unless someone holds it already; True if this call took it."""
        dialect_insert = sqlite.insert if self.database.is_sqlite else postgresql.insert
        async with self.database.transaction() as connection:
            # Read the clock only once the write lock is held, so a statement that waited in a queue cannot carry
            # an earlier time than one that committed before it.
            now = self.clock()
            statement = dialect_insert(expiring_keys).values(key=key[:300], expires_at=now + ttl)
            statement = statement.on_conflict_do_update(
                index_elements=[expiring_keys.c.key],
                set_={"expires_at": statement.excluded.expires_at},
                where=expiring_keys.c.expires_at <= now,
            )
            result = await connection.execute(statement)
        return result.rowcount == 1

    async def prune(self) -> int:
        """Delete expired keys so the table stays small; returns how many went."""
        async with self.database.transaction() as connection:
            result = await connection.execute(delete(expiring_keys).where(expiring_keys.c.expires_at <= self.clock()))
        return result.rowcount
