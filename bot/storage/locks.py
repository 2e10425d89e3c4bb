"""Locks that every process sharing the PostgreSQL database respects: session-level advisory locks.

Each lock lives on a connection of its own outside the application's pool, so a waiting `pg_advisory_lock`
occupies only its own connection and a dropped connection (or a killed process) gives its lock back at once.
`pg_advisory_lock` waits in PostgreSQL's lock queue, first come first served. Discord's IDENTIFY turns use it
(bot/adapters/discord/identify.py) through the core's SharedLock port.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import TextClause, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.core.errors import StorageError
from bot.core.ports import LockKey

log = logging.getLogger(__name__)

# TCP keepalives on the lock connections, so that PostgreSQL notices a holder whose host vanished from the
# network within about 25 s (10 idle + 3 probes 5 s apart) and frees its turn, instead of after the OS
# default of two hours. A holder that crashes or exits frees it at once: its connection closes.
KEEPALIVES = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}
# The lock connection's handshake, and the unlock when a turn ends: each a few round trips on a healthy database.
CONNECT_TIMEOUT_SECONDS = 5.0
RELEASE_TIMEOUT_SECONDS = 5.0
# A backstop on every statement of a lock connection: no wait outlives the longest a caller allows (Discord's
# first IDENTIFY of a shard may queue 150 s).
LONGEST_WAIT_SECONDS = 150.0


class AdvisoryLock:
    """PostgreSQL session-level advisory locks, each on its own connection outside the application's pool.

    Own connections because a waiting `pg_advisory_lock` occupies its connection, and so that a dropped
    connection (or a killed process) gives its lock back at once. They exist only while a turn is waited
    for or held: at most one per bucket this process is identifying in.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        release_timeout: float = RELEASE_TIMEOUT_SECONDS,
        longest_wait: float = LONGEST_WAIT_SECONDS,
    ) -> None:
        self.url = url
        self.longest_wait = longest_wait
        self.connect_timeout = connect_timeout
        self.release_timeout = release_timeout
        self._engine: AsyncEngine | None = None
        self._held: dict[LockKey, AsyncConnection] = {}

    def _engine_for_locks(self) -> AsyncEngine:
        if self._engine is None:
            # The keepalives are PostgreSQL's side; asyncpg's timeouts cover a server that stops answering us.
            connect_args = {
                "server_settings": KEEPALIVES,
                "timeout": self.connect_timeout,
                "command_timeout": self.longest_wait,  # a backstop: no statement outlives the longest wait
            }
            self._engine = create_async_engine(self.url, poolclass=NullPool, connect_args=connect_args)
        return self._engine

    async def acquire(self, key: LockKey) -> None:
        """Queue for the lock in PostgreSQL; cancelling the wait closes the connection, which leaves the queue."""
        try:
            connection = await self._engine_for_locks().connect()
        except (OSError, SQLAlchemyError, TimeoutError) as exc:
            raise StorageError(f"shared lock: cannot connect: {_reason(exc)}") from exc
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("SELECT pg_advisory_lock(:namespace, :bucket)"), _params(key))
        except BaseException as exc:
            await _discard(connection)
            if isinstance(exc, OSError | SQLAlchemyError | TimeoutError):
                raise StorageError(f"shared lock: {_reason(exc)}") from exc
            raise
        self._held[key] = connection

    async def release(self, key: LockKey) -> None:
        """Unlock and close the connection (closing alone would release it too), never waiting on a silent server."""
        connection = self._held.pop(key, None)
        if connection is None:
            return
        try:
            unlock = text("SELECT pg_advisory_unlock(:namespace, :bucket)")
            await _execute_within(connection, self.release_timeout, unlock, _params(key))
        except (OSError, SQLAlchemyError, TimeoutError) as exc:
            log.warning("shared lock: unlock failed; closing its connection releases it", extra={"error": _reason(exc)})
        finally:
            await _discard(connection)

    async def aclose(self) -> None:
        """Release whatever is still held and close the lock engine."""
        for key in list(self._held):
            await self.release(key)
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def _params(key: LockKey) -> dict[str, int]:
    return {"namespace": key[0], "bucket": key[1]}


def _reason(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


async def _execute_within(
    connection: AsyncConnection, seconds: float, statement: TextClause, params: dict[str, int]
) -> None:
    """Run `statement`, cutting the connection at the deadline (a cancel would wait 2 s more on a silent server)."""
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        async with asyncio.timeout(seconds):
            await connection.execute(statement, params)
        return
    timer = asyncio.get_running_loop().call_later(seconds, driver.terminate)
    try:
        await connection.execute(statement, params)
    finally:
        timer.cancel()


async def _discard(connection: AsyncConnection) -> None:
    """Close a lock connection for good (its session, and so its locks, end with it)."""
    try:
        await connection.invalidate()
        await connection.close()
    except (OSError, SQLAlchemyError) as exc:
        log.debug("shared lock: closing the connection failed", extra={"error": _reason(exc)})
