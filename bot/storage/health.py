"""Database reachability for /healthz: a cheap SELECT 1 on a connection of its own, with a short timeout.

Storage owns every database connection; the ops server asks this probe, it never builds an engine itself.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.db import Database

log = logging.getLogger(__name__)

# However often /healthz is requested (it is public), each worker asks the database at most once a second.
CACHE_SECONDS = 1.0
# Part of the timeout a check may run over while its connection is cut and cleaned up: /healthz answers within
# OPS_HEALTH_TIMEOUT_SECONDS and this tenth.
GRACE = 0.1


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


def _terminate(dbapi_connection: Any) -> None:
    """Close a connection at once: cancelling its query makes SQLAlchemy wait up to 2 s for a graceful close."""
    terminate = getattr(getattr(dbapi_connection, "driver_connection", None), "terminate", None)
    if terminate is not None:  # asyncpg; SQLite's connections are local files, they do not hang like this
        terminate()


class DatabaseProbe:
    """Checks the database on a one-connection pool of its own, so a busy main pool cannot make a healthy
    database look down; one check at a time, its result reused for CACHE_SECONDS."""

    def __init__(self, database: Database, timeout: float) -> None:
        self.timeout = timeout
        self.is_sqlite = database.is_sqlite
        kwargs: dict[str, Any] = {"pool_size": 1, "max_overflow": 0, "pool_pre_ping": True, "pool_timeout": timeout}
        if not database.is_sqlite:
            kwargs["connect_args"] = {"timeout": timeout}
        self.engine: AsyncEngine = create_async_engine(database.url, **kwargs)
        # The pool's one connection, so that a check past its deadline can cut it (see _probe).
        self._connection: Any = None
        self._cutting = False
        event.listen(self.engine.sync_engine, "connect", self._connected)
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

    def _connected(self, dbapi_connection: Any, _record: Any) -> None:
        """Remember the pool's newest connection, and cut one opened after the deadline: it could only delay."""
        self._connection = dbapi_connection
        if self._cutting:
            _terminate(dbapi_connection)

    def _cut(self) -> None:
        """The check's deadline: cut its connection, and any it opens from now on."""
        self._cutting = True
        _terminate(self._connection)

    async def _probe(self) -> DatabaseHealth:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        # At the deadline the connection is cut, so a pending query fails at once and its cleanup has nothing to
        # wait for; the cancellation a little later ends a connection still being opened (at once, too).
        self._cutting = False
        cut = loop.call_at(deadline, self._cut)
        try:
            async with asyncio.timeout_at(deadline + self.timeout * GRACE):
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as exc:
            # Past the deadline, whatever the error says (the connection was cut), the database did not answer.
            why = _reason(TimeoutError() if loop.time() >= deadline else exc, self.timeout)
            health = DatabaseHealth(False, (time.perf_counter() - started) * 1000, why)
            if self._was_ok:
                log.warning(
                    "database unreachable from the health check",
                    extra={"reason": health.reason, "error": str(exc).splitlines()[0][:300] if str(exc) else ""},
                )
            self._was_ok = False
            return health
        finally:
            cut.cancel()
            self._cutting = False
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
