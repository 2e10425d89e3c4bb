"""Slack adapter fixtures: the fake Slack, factbot's real core on a fresh database, and the real Bolt app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapters.slack.app import SlackBot, build_bot
from bot.adapters.slack.settings import SlackSettings
from bot.adapters.slack.web import HttpServer
from bot.app import Services, open_services
from bot.settings import (
    CatalogueSettings,
    DatabaseSettings,
    EditorSettings,
    ModeratorSettings,
    PolicySettings,
    Settings,
    sections,
)
from tests.adapters.slack.processes import FactbotProcess
from tests.conftest import FIXTURE_CLAIMS
from tests.fakes.fake_slack import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, FakeSlack, SlackSender

STAGED = "The 1969 Moon landing was staged in a film studio"
MICROCHIPS = "Covid vaccines contain microchips that track people"
MODERATOR = "UMOD"


@pytest.fixture(autouse=True)
def _no_slack_environment(monkeypatch):
    """Bolt and the settings read SLACK_* variables; no test may pick up the developer's."""
    for name in list(os.environ):
        if name.startswith("SLACK_") or name == "PORT":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack; at the end, no message the bot sent may have broken the escaping or unfurl rules."""
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    assert fake.violations == []


def make_settings(
    database_url: str, fake: FakeSlack, *, catalogue: Path = FIXTURE_CLAIMS, oauth: bool = False, **slack: Any
) -> Settings:
    """Settings for a test: the fixture catalogue, a watched channel C1, one moderator, Slack at the fake."""
    values: dict[str, Any] = {"mode": "http", "api_url": fake.api_url, "signing_secret": SIGNING_SECRET}
    if oauth:
        values |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    else:
        values["bot_token"] = "xoxb-team1"
    values |= slack
    values_by_section: dict[str, Any] = {name: cls() for name, cls in sections().items()}
    values_by_section |= {
        "database": DatabaseSettings(url=database_url),
        "catalogue": CatalogueSettings(dir=catalogue, check_interval_seconds=0),
        "policy": PolicySettings(watched_channels=["slack:C1"], cooldown_minutes=60),
        "editors": EditorSettings(user_ids=[f"slack:{MODERATOR}"]),
        "moderators": ModeratorSettings(trust_platform_admins=False),
        "slack": SlackSettings(**values),
    }
    return Settings(**values_by_section)


@dataclass
class Harness:
    """One running factbot on Slack in HTTP mode: its core, its Bolt app, its server, and a signed sender."""

    services: Services
    bot: SlackBot
    server: HttpServer
    port: int
    send: SlackSender

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def settle(self) -> None:
        """Wait until all acknowledged work is done, so counts are final."""
        assert await self.bot.work.drain(10)


StartBot = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start_bot(tmp_path) -> AsyncIterator[StartBot]:
    """Start factbot's Slack HTTP server from settings; every one started is stopped at the end."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())

        async def start(settings: Settings, *, metrics: bool = True, **server_options: Any) -> Harness:
            services = await stack.enter_async_context(open_services(settings))
            bot = await build_bot(settings.slack, services.dispatcher, services.database)
            stack.push_async_callback(bot.aclose, 5)
            ops = services.ops_routes(figures=bot.metrics, in_flight=lambda: bot.work.running)
            ops.metrics = metrics
            server = HttpServer(bot, "127.0.0.1", 0, ops=ops, **server_options)
            port = await server.start()
            stack.push_async_callback(server.stop)
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", session)
            return Harness(services, bot, server, port, sender)

        yield start


@pytest.fixture
async def slack(fake_slack, start_bot, tmp_path) -> Harness:
    """factbot in HTTP mode for one workspace, on SQLite, against the fake Slack."""
    return await start_bot(make_settings(f"sqlite:///{tmp_path / 'factbot.sqlite3'}", fake_slack))


@pytest.fixture
async def processes():
    """Start factbot processes; any still running at the end are killed."""
    started: list[FactbotProcess] = []

    async def start(env: dict[str, str], port: int) -> FactbotProcess:
        process = await FactbotProcess.start(env, port)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill_all()
        await process.process.wait()
        process.stderr.cancel()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as client:
        yield client
