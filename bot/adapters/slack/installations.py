"""Multi-workspace installs: Bolt's SQLAlchemy installation and OAuth state stores in factbot's own database."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import MetaData, and_, text

from bot.adapters.slack.manifest import INSTALL_PATH, REDIRECT_PATH
from bot.adapters.slack.settings import SlackSettings
from bot.storage.db import Database

log = logging.getLogger(__name__)

STATE_SECONDS = 600
# Any constant works, as long as every factbot process uses the same one (see bot/storage/db.py for the other).
TABLES_LOCK_ID = 0x736C6B74


async def create_tables(database: Database, *metadatas: MetaData) -> None:
    """Create the stores' tables if missing; safe when several workers start at once."""
    async with database.transaction() as connection:
        # SQLite: a write transaction begins IMMEDIATE, so each worker's check-then-create runs alone.
        # PostgreSQL: CREATE TABLE's existence check races between processes, so take a transaction lock first.
        if not database.is_sqlite:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": TABLES_LOCK_ID})
        for metadata in metadatas:
            await connection.run_sync(metadata.create_all)


class OneTimeStates(AsyncSQLAlchemyOAuthStateStore):
    """Bolt's state store, with a state consumed by one DELETE in a write transaction.

    The library's own consume reads, then deletes: on SQLite a read transaction that must become a write one
    fails at once ("database is locked") when another connection wrote meanwhile, and it turns any error into
    "invalid state", so a busy moment refused a real install. One write statement waits for the lock (busy
    timeout), a state still counts once across processes, and a database failure is raised, not hidden.
    """

    def __init__(self, database: Database, expiration_seconds: int) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=database.engine)
        self._database = database

    async def async_consume(self, state: str) -> bool:
        now = normalize_datetime_for_db(datetime.now(tz=UTC))
        column = self.oauth_states.c
        async with self._database.transaction() as connection:
            deleted = await connection.execute(
                self.oauth_states.delete().where(and_(column.state == state, column.expire_at > now))
            )
        return deleted.rowcount == 1


async def installation_stores(
    client_id: str, database: Database
) -> tuple[AsyncSQLAlchemyInstallationStore, AsyncSQLAlchemyOAuthStateStore]:
    """The installation and state stores on factbot's engine, with their tables in place."""
    installations = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=database.engine)
    states = OneTimeStates(database, STATE_SECONDS)
    await create_tables(database, installations.metadata, states.metadata)
    return installations, states


def oauth_settings(
    settings: SlackSettings,
    client_secret: str,
    scopes: list[str],
    installations: AsyncSQLAlchemyInstallationStore,
    states: AsyncSQLAlchemyOAuthStateStore,
) -> AsyncOAuthSettings:
    """OAuth for `/slack/install` and `/slack/oauth_redirect`, every value passed in (nothing read from os.environ)."""
    return AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=client_secret,
        scopes=scopes,
        user_scopes=[],
        redirect_uri=settings.redirect_uri or None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
        state_expiration_seconds=STATE_SECONDS,
        logger=log,
    )


def authorize(settings: AsyncOAuthSettings, client: AsyncWebClient) -> AsyncInstallationStoreAuthorize:
    """Look up each workspace's bot token in the store, caching auth.test per token in this process.

    The store is read on every request, so an uninstalled workspace is refused at once in every worker;
    only the auth.test answer for a token that is still installed is cached.
    """
    return AsyncInstallationStoreAuthorize(
        logger=log,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        installation_store=settings.installation_store,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
