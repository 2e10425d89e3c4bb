"""Cross-process change notices on PostgreSQL (LISTEN/NOTIFY), so an edit in one bot process reaches the others
at once; the periodic version check stays as the safety net for notices missed while disconnected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database

log = logging.getLogger(__name__)

CATALOGUE_CHANNEL = "factbot_catalogue"
CHANNELS_CHANNEL = "factbot_channels"
MAX_BACKOFF = 30.0


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
                connection = await asyncpg.connect(asyncpg_dsn(self.database))
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
                await lost.wait()
                log.warning("change listener lost its connection; reconnecting")
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning(
                    "change listener cannot connect; retrying", extra={"error": str(exc)[:200], "retry_in": backoff}
                )
            finally:
                self.connected.clear()
                if connection is not None and not connection.is_closed():
                    await connection.close()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
