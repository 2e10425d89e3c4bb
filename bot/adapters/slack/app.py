"""Build factbot's Bolt app: one workspace by bot token, or many through OAuth with installations in the database."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

import aiohttp
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from bot.adapters.slack.clients import web_client
from bot.adapters.slack.installations import authorize, installation_stores, oauth_settings
from bot.adapters.slack.listeners import Deps, register, register_installation_events
from bot.adapters.slack.manifest import bot_scopes
from bot.adapters.slack.settings import SlackSettings
from bot.adapters.slack.timing import WorkTimes
from bot.adapters.slack.work import Work
from bot.core.dispatcher import Dispatcher
from bot.storage.db import Database

log = logging.getLogger(__name__)


class SlackConfigError(Exception):
    """The Slack settings cannot work; the message names every environment variable to set."""


def _secret(value: SecretStr | None) -> str | None:
    return (value.get_secret_value() or None) if value is not None else None


def uses_oauth(settings: SlackSettings) -> bool:
    """HTTP mode without a bot token installs into workspaces through OAuth."""
    return settings.mode == "http" and not _secret(settings.bot_token)


def check(settings: SlackSettings) -> None:
    """Raise SlackConfigError listing every missing secret or setting for the chosen mode."""
    missing: list[str] = []
    if _secret(settings.bot_token) and _secret(settings.client_secret):
        # Bolt itself turns OAuth on when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, so be explicit.
        missing.append("either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_SECRET (OAuth installs), not both")
    if settings.mode == "socket":
        if not _secret(settings.bot_token):
            missing.append("SLACK_BOT_TOKEN (the bot token, xoxb-...)")
        if not _secret(settings.app_token):
            missing.append("SLACK_APP_TOKEN (an app-level token with connections:write, xapp-...)")
    else:
        if not _secret(settings.signing_secret):
            missing.append("SLACK_SIGNING_SECRET (Basic Information > App Credentials)")
        if uses_oauth(settings):
            if not settings.client_id:
                missing.append("SLACK_CLIENT_ID (or SLACK_BOT_TOKEN for a single workspace)")
            if not _secret(settings.client_secret):
                missing.append("SLACK_CLIENT_SECRET (or SLACK_BOT_TOKEN for a single workspace)")
    if settings.workers > 1 and settings.mode == "socket":
        missing.append("SLACK_WORKERS=1 (several worker processes share a port in HTTP mode only)")
    elif settings.workers > 1 and not sys.platform.startswith("linux"):
        missing.append("SLACK_WORKERS=1 on this system (workers share a port with Linux's SO_REUSEPORT)")
    if missing:
        raise SlackConfigError(f"Slack {settings.mode} mode needs " + "; ".join(missing))


@dataclass(slots=True)
class SlackBot:
    """A Bolt app wired to factbot's core, with what must be closed when it stops."""

    app: AsyncApp
    work: Work
    session: aiohttp.ClientSession
    oauth: bool = field(default=False)
    dispatcher: Dispatcher | None = None
    database: Database | None = None
    # HTTP mode checks every request's signature itself, before anything parses the body.
    signing_secret: str = ""

    def metrics(self) -> dict[str, float]:
        """The core's counters and match latencies plus this adapter's work figures, for /metrics and logs."""
        data = dict(self.dispatcher.metrics.snapshot()) if self.dispatcher is not None else {}
        data |= self.work.times.snapshot()
        data["slack_in_flight"] = self.work.running
        data["slack_failures_after_ack"] = self.work.failures
        return data

    async def aclose(self, timeout: float) -> None:
        """Let acknowledged work finish (up to `timeout` seconds), then close the HTTP session."""
        try:
            await self.work.drain(timeout)
        finally:
            self.work.times.unwatch()
            await self.session.close()


async def build_bot(settings: SlackSettings, dispatcher: Dispatcher, database: Database | None) -> SlackBot:
    """A ready AsyncApp for the settings' mode; OAuth needs factbot's database for installations and state."""
    check(settings)
    session = aiohttp.ClientSession()
    try:
        app, oauth = await _app(settings, session, database)
    except BaseException:
        await session.close()
        raise
    times = WorkTimes()
    if database is not None:
        times.watch(database.engine)
    work = Work(times)
    register(app, Deps(dispatcher, work, session, settings.watch_channels))
    if oauth:
        register_installation_events(app, work)
    return SlackBot(app, work, session, oauth, dispatcher, database, _secret(settings.signing_secret) or "")


class _ClientGivenOnPurpose(logging.Filter):
    """Bolt warns "As you gave `client` as well, `token` will be unused" whenever SLACK_BOT_TOKEN is set, because it
    reads that variable itself; factbot deliberately passes its own client built with the same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_BOLT_LOGGER = logging.getLogger("slack_bolt.AsyncApp")


async def _app(
    settings: SlackSettings, session: aiohttp.ClientSession, database: Database | None
) -> tuple[AsyncApp, bool]:
    if not any(isinstance(f, _ClientGivenOnPurpose) for f in _BOLT_LOGGER.filters):
        _BOLT_LOGGER.addFilter(_ClientGivenOnPurpose())
    signing_secret = _secret(settings.signing_secret) or ""
    if not uses_oauth(settings):
        client = web_client(settings.api_url, session, _secret(settings.bot_token))
        return AsyncApp(name="factbot", client=client, signing_secret=signing_secret), False
    if database is None:
        raise SlackConfigError("OAuth installs are kept in factbot's database; run with DATABASE_URL set")
    client = web_client(settings.api_url, session)
    installations, states = await installation_stores(settings.client_id, database)
    oauth = oauth_settings(settings, _secret(settings.client_secret) or "", bot_scopes(), installations, states)
    oauth.authorize = authorize(oauth, client)  # Bolt uses the settings' authorize; this one caches auth.test
    return AsyncApp(name="factbot", client=client, signing_secret=signing_secret, oauth_settings=oauth), True
