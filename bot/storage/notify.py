"""Cross-process change notices on PostgreSQL (LISTEN/NOTIFY), so an edit in one bot process reaches the others
at once; the periodic version check stays as the safety net for notices missed while disconnected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

CATALOGUE_CHANNEL = "factbot_catalogue"
CHANNELS_CHANNEL = "factbot_channels"
COMMUNITIES_CHANNEL = "factbot_communities"
MAX_BACKOFF = 30.0
CONNECT_SECONDS = 10.0
# Every so often the listening connection must answer a query, or it is replaced.
LIVENESS_SECONDS = 30.0
LIVENESS_TIMEOUT_SECONDS = 10.0


async def notify(connection: AsyncConnection, database: Database, channel: str, payload: str = "") -> None:
    """Queue a notice inside the caller's transaction; PostgreSQL delivers it only if the transaction commits."""
    if not database.is_sqlite:
        await connection.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload[:7000]}
        )


def asyncpg_dsn(database: Database) -> str:
    """The database URL in the form asyncpg itself accepts."""
    return make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    """Holds one LISTEN connection and calls the handlers on notices; reconnects with backoff when it drops."""

    def __init__(self, database: Database, handlers: dict[str, Callable[[], None]]) -> None:
        self.database = database
        self.handlers = handlers
        self.connected = asyncio.Event()

    @staticmethod
    async def _until_lost(connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the connection ends, or when it stops answering: a server that vanished without closing
        the connection (a failover, a cut network) would otherwise leave us listening to nothing."""
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), LIVENESS_SECONDS)
            except TimeoutError:
                await connection.fetchval("SELECT 1", timeout=LIVENESS_TIMEOUT_SECONDS)

    def _on_notice(self, _connection: Any, _pid: int, channel: str, _payload: str) -> None:
        handler = self.handlers.get(channel)
        if handler is not None:
            handler()

    async def run(self) -> None:
        """Listen until cancelled; SQLite has one process, so there is nothing to listen for."""
        if self.database.is_sqlite:
            return
        backoff = 0.5
        while True:
            connection: asyncpg.Connection | None = None
            try:
                import asyncpg  # PostgreSQL only: the `postgres` extra, checked when the database is opened

                connection = await asyncpg.connect(asyncpg_dsn(self.database), timeout=CONNECT_SECONDS)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _c, event=lost: event.set())
                for channel in self.handlers:
                    await connection.add_listener(channel, self._on_notice)
                # Anything may have changed while we were not listening.
                for handler in self.handlers.values():
                    handler()
                self.connected.set()
                log.info("listening for catalogue changes", extra={"channels": ",".join(self.handlers)})
                backoff = 0.5
                await self._until_lost(connection, lost)
                log.warning("change listener lost its connection; reconnecting")
            except Exception as exc:  # whatever broke the connection, listen again: notices are all we wait for
                log.warning(
                    "change listener cannot listen; retrying",
                    extra={"error": f"{type(exc).__name__}: {str(exc)[:200]}", "retry_in": backoff},
                )
            finally:
                self.connected.clear()
                if connection is not None and not connection.is_closed():
                    connection.terminate()  # no goodbye: the server may be gone without a word
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
