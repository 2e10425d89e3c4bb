"""Open the database (SQLite by default, PostgreSQL by URL) and keep its schema current."""

from __future__ import annotations

import importlib.util
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.core.errors import DatabaseUnavailable, StorageError
from bot.storage.migrations import HEAD_REVISION

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every factbot process sharing a PostgreSQL database.
MIGRATION_LOCK_ID = 0x66616374
CATALOGUE_IMPORT_LOCK_ID = 0x66616375
WRITE_OPTION = "factbot_write"


def normalise_url(url: str) -> str:
    """Accept the URL forms hosts hand out (postgres://, sqlite:///path) and pick factbot's async drivers."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")
    return parsed.render_as_string(hide_password=False)


def redacted(url: str) -> str:
    """The URL with its password hidden, for logs and error messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook decide how transactions start (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The busy timeout first, so every later statement waits for a lock instead of failing at once. WAL is a
    # property of the file, and every connection asks for it; switching a new file needs a lock that SQLite does
    # not wait for, so a connection that finds another one holding it (processes racing to start on a new file)
    # leaves the switch to that one and uses the file's mode, WAL from the next transaction on.
    cursor.execute("PRAGMA busy_timeout=10000")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
    for pragma in ("synchronous=FULL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _begin(connection: Connection) -> None:
    # Write transactions take the lock up front (BEGIN IMMEDIATE), so a transaction that read first cannot fail
    # with SQLITE_BUSY when it then writes; reads start deferred and never block each other or writers (WAL).
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """An async engine plus the knowledge of which backend it is."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        # A new SQLite file is worth a word: the first `factbot check` creates one in the user's data folder.
        self.new_file: Path | None = None
        if self.is_sqlite:
            database = make_url(self.url).database
            if database and database != ":memory:":
                path = Path(database).expanduser()
                path.parent.mkdir(parents=True, exist_ok=True)
                self.new_file = None if path.exists() else path
        else:
            if importlib.util.find_spec("asyncpg") is None:
                raise DatabaseUnavailable(
                    "PostgreSQL needs the postgres extra: pip install 'factbot[postgres]' (or use sqlite:///PATH)"
                )
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _begin)

    def __repr__(self) -> str:
        return f"Database({redacted(self.url)!r})"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed on success, rolled back on any error."""
        try:
            async with self.engine.connect() as connection:
                await connection.execution_options(**{WRITE_OPTION: True})
                async with connection.begin():
                    yield connection
        except (OSError, SQLAlchemyError) as exc:
            raise StorageError(f"database error: {_reason(exc)}") from exc

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; database failures surface as StorageError."""
        try:
            async with self.engine.connect() as connection:
                yield connection
        except (OSError, SQLAlchemyError) as exc:
            raise StorageError(f"database error: {_reason(exc)}") from exc

    def upsert(self, table: Table) -> SqliteInsert | PostgresInsert:
        """An INSERT that takes ON CONFLICT clauses, in this backend's dialect: importing only the one in use keeps
        PostgreSQL's dialect (some 20 ms of imports) out of SQLite runs."""
        if self.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert

            return insert(table)
        from sqlalchemy.dialects.postgresql import insert as postgres_insert

        return postgres_insert(table)

    async def lock_for_transaction(self, connection: AsyncConnection, lock_id: int) -> None:
        """Serialise this transaction with others taking the same lock, across processes (PostgreSQL); SQLite's
        write transactions are serialised already."""
        if not self.is_sqlite:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration; safe when several processes start at once."""
        try:
            if await self._current():
                return
            async with self.transaction() as connection:
                await self.lock_for_transaction(connection, MIGRATION_LOCK_ID)
                await connection.run_sync(_run_migrations)
        except (OSError, SQLAlchemyError, StorageError) as exc:
            cause = exc.__cause__ if isinstance(exc, StorageError) and exc.__cause__ else exc
            raise DatabaseUnavailable(f"cannot use the database {redacted(self.url)}: {_reason(cause)}") from exc
        log.info("database schema is current", extra={"database": redacted(self.url)})

    async def _current(self) -> bool:
        """Whether the schema is already at HEAD_REVISION: one query, so a short command never loads Alembic."""
        async with self.engine.connect() as connection:
            try:
                version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            except SQLAlchemyError:
                return False  # a new database: no version table yet
        return bool(version == HEAD_REVISION)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _reason(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def _run_migrations(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
