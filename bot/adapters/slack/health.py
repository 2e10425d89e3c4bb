"""Database reachability for /healthz: a cheap SELECT 1 on a connection of its own, with a short timeout."""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.db import Database

log = logging.getLogger(__name__)

# However often /healthz is requested (it is public), each worker asks the database at most once a second.
CACHE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class DatabaseHealth:
    """The outcome of one check; `reason` says what is wrong without internal addresses or credentials."""

    ok: bool
    milliseconds: float
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        """The `database` part of the /healthz body."""
        if self.ok:
            return {"database": "ok", "database_ms": round(self.milliseconds, 1)}
        return {"database": "unreachable", "reason": self.reason}


def _reason(exc: BaseException, timeout: float) -> str:
    """A short, public description of why the check failed; the full error goes to the log only."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return f"no answer within {timeout:g} s"
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror.lower()
        seen = seen.__cause__ or seen.__context__
    return f"database error ({type(exc).__name__})"


class DatabaseProbe:
    """Checks the database on a one-connection pool of its own, so a busy main pool cannot make a healthy
    database look down; one check at a time, its result reused for CACHE_SECONDS."""

    def __init__(self, database: Database, timeout: float) -> None:
        self.timeout = timeout
        self.is_sqlite = database.is_sqlite
        kwargs: dict[str, Any] = {"pool_size": 1, "max_overflow": 0, "pool_pre_ping": True, "pool_timeout": timeout}
        if not database.is_sqlite:
            kwargs["connect_args"] = {"timeout": timeout, "command_timeout": timeout}
        self.engine: AsyncEngine = create_async_engine(database.url, **kwargs)
        self._last: tuple[float, DatabaseHealth] | None = None
        self._running: asyncio.Task[DatabaseHealth] | None = None
        self._was_ok = True

    async def check(self) -> DatabaseHealth:
        """The database's health, asking it at most once per CACHE_SECONDS however many requests come in."""
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < CACHE_SECONDS:
            return self._last[1]
        if self._running is None:
            self._running = asyncio.create_task(self._probe(), name="factbot-health-probe")
            self._running.add_done_callback(self._finished)
        return await asyncio.shield(self._running)

    def _finished(self, task: asyncio.Task[DatabaseHealth]) -> None:
        self._running = None
        if not task.cancelled() and task.exception() is None:
            self._last = (time.monotonic(), task.result())

    async def _probe(self) -> DatabaseHealth:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as exc:
            health = DatabaseHealth(False, (time.perf_counter() - started) * 1000, _reason(exc, self.timeout))
            if self._was_ok:
                log.warning(
                    "database unreachable from the health check",
                    extra={"reason": health.reason, "error": str(exc).splitlines()[0][:300] if str(exc) else ""},
                )
            self._was_ok = False
            return health
        if not self._was_ok:
            log.info("database reachable again")
        self._was_ok = True
        return DatabaseHealth(True, (time.perf_counter() - started) * 1000)

    async def close(self) -> None:
        """Stop any check in progress and close the probe's connection."""
        if self._running is not None:
            self._running.cancel()
            await asyncio.gather(self._running, return_exceptions=True)
        await self.engine.dispose()
