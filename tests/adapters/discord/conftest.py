"""Fixtures for driving the real discord.py client against the local fake Discord, with the real core."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.client import FactbotClient
from bot.adapters.discord.endpoints import Endpoints, redirected
from bot.app import Services, open_services
from bot.settings import Settings, load_settings
from tests.conftest import FIXTURE_CLAIMS, PROJECT_ROOT
from tests.fakes import fake_discord as fd

HERE = Path(__file__).parent
StartBot = Callable[..., Awaitable[FactbotClient]]


@pytest.fixture
def catalogue_dir(tmp_path) -> Path:
    """The shared fixture claims plus two of our own: one that tries to ping, one with five excerpts."""
    target = tmp_path / "claims"
    shutil.copytree(FIXTURE_CLAIMS, target)
    for path in (HERE / "claims").glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture
async def fake() -> AsyncIterator[fd.FakeDiscord]:
    """The fake Discord; every payload the bot sent must have passed its checks."""
    server = await fd.FakeDiscord(heartbeat_ms=500).start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.violations == []


@pytest.fixture
def env_overrides() -> dict[str, str]:
    """Per-test changes to the environment: `@pytest.mark.parametrize("env_overrides", [{...}])`."""
    return {}


@pytest.fixture
def env(monkeypatch, tmp_path, fake, catalogue_dir, env_overrides) -> dict[str, str]:
    """Environment for a bot that watches #watched, with moderators by role."""
    for name in list(os.environ):
        if name.startswith("DISCORD_"):
            monkeypatch.delenv(name)
    values = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'factbot.sqlite3'}",
        "CATALOGUE_DIR": str(catalogue_dir),
        "DISCORD_TOKEN": fd.TOKEN,
        "DISCORD_API_BASE_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_WATCH_CHANNELS": "true",
        "POLICY_WATCHED_CHANNELS": f"discord:{fd.WATCHED}",
        "POLICY_COOLDOWN_MINUTES": "30",
        "EDITORS_ROLE_IDS": f"discord:{fd.MOD_ROLE}",
        "EDITORS_USER_IDS": "",
        "MODERATORS_USER_IDS": "",
        "MODERATORS_TRUST_PLATFORM_ADMINS": "true",
        "DISCORD_IDENTIFY_WINDOW_SECONDS": "0.05",  # the fake does not rate-limit IDENTIFY unless a test asks
        **env_overrides,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def settings(env) -> Settings:
    return load_settings(PROJECT_ROOT / "config" / "factbot.toml")


@pytest.fixture
async def services(settings) -> AsyncIterator[Services]:
    async with open_services(settings) as running:
        yield running


async def decision(services: Services, text: str) -> str:
    """What the real matcher decides for `text`: tests state it as a precondition, so tuning cannot fool them."""
    snapshot = await services.catalogue.current()
    return snapshot.matcher.match(text).decision.value


@pytest.fixture
async def start_bot(services, settings) -> AsyncIterator[StartBot]:
    """Start FactbotClients against the fake (several, for restarts); all are closed afterwards.

    `shard_ids=[0, 1], shard_count=4` run some shards (as the settings would); other options go to the client.
    """
    sessions: list[tuple[FactbotClient, asyncio.Task[None]]] = []

    async def start(*, shard_ids: list[int] | None = None, shard_count: int | None = None, **options: Any):
        # A generous deferral threshold keeps answers immediate on a loaded machine; one test sets 0 to defer.
        options = {"guild_ready_timeout": 0.05, "defer_after": 2.5, **options}
        shards = {"shard_ids": shard_ids or [], "shard_count": shard_count or 0}
        client = FactbotClient(services.dispatcher, settings.discord.model_copy(update=shards), **options)
        session = asyncio.create_task(client.start(fd.TOKEN))
        sessions.append((client, session))
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait({ready, session}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        if session.done():
            ready.cancel()
            session.result()  # raises what stopped the session
        assert ready.done(), "the bot did not become ready"
        return client

    with redirected(Endpoints.from_settings(settings.discord)):
        yield start
        for client, session in sessions:
            await client.inflight.wait_idle(5)  # let answers in progress reach the fake before it goes
            await client.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):  # cancelled: closed while identifying
                await session


@pytest.fixture
async def bot(start_bot) -> FactbotClient:
    """One running bot."""
    return await start_bot()


async def settle(client: FactbotClient, fake: fd.FakeDiscord) -> None:
    """Wait until the bot has read every event sent so far and finished answering them.

    A mention sent last acts as a barrier: discord.py handles events in order, so once its reply
    arrives every earlier message has at least started, and InFlight tells when they are done.
    """
    before = len(fake.sent())
    probe = await fake.send_message(f"<@{fd.BOT_ID}> help", channel=fd.GENERAL)
    await fake.wait_for(lambda: any(_replies_to(r, probe["id"]) for r in fake.sent()[before:]))
    assert await client.inflight.wait_idle(5)
    fake.requests[:] = [r for r in fake.requests if not _replies_to(r, probe["id"])]


def _replies_to(record: fd.Recorded, message_id: str) -> bool:
    reference = (record.body or {}).get("message_reference") or {}
    return str(reference.get("message_id")) == str(message_id)


def replies_to(fake: fd.FakeDiscord, message: dict[str, Any]) -> list[fd.Recorded]:
    """The bot's channel messages that answer `message`."""
    return [r for r in fake.sent() if _replies_to(r, message["id"])]


async def wait_reply(fake: fd.FakeDiscord, message: dict[str, Any], timeout: float = 5.0) -> fd.Recorded:
    """The bot's (first) successful reply to `message`."""
    found = await fake.wait_for(lambda: [r for r in replies_to(fake, message) if r.status == 200], timeout)
    return found[0]


async def interact(fake: fd.FakeDiscord, payload: dict[str, Any], *, count: int = 1) -> list[fd.Recorded]:
    """Deliver an interaction and wait for its initial response (and `count - 1` followups)."""
    await fake.dispatch("INTERACTION_CREATE", payload)
    callback = await fake.wait_for(lambda: fake.callbacks(int(payload["id"])))
    followups: list[fd.Recorded] = []
    if count > 1:
        followups = await fake.wait_for(
            lambda: (
                (found := [r for r in fake.requests if payload["token"] in r.path and "/webhooks/" in r.path])
                and len(found) >= count - 1
                and found
            )
        )
    return [*callback, *followups]
