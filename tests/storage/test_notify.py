"""An edit made through one process's core is matched by another's within a second (PostgreSQL NOTIFY)."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.app import open_services
from bot.domain.models import Actor, Origin
from bot.settings import load_settings
from bot.storage.db import Database
from bot.storage.notify import CATALOGUE_CHANNEL, ChangeListener, notify
from tests.conftest import FIXTURE_CLAIMS, PROJECT_ROOT
from tests.fakes.fake_adapter import make_actor

MOD = make_actor("mia", moderator=True)
ORIGIN = Origin(platform="fake", channel_id="c1", workspace_id="w1")


@pytest.mark.postgres
async def test_an_edit_in_one_process_is_matched_by_another_within_a_second(database_url, monkeypatch):
    if database_url.startswith("sqlite"):
        pytest.skip("one SQLite process has nobody to notify")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CATALOGUE_DIR", str(FIXTURE_CLAIMS))
    # A long version-check interval proves the notice, not the safety-net poll, carries the change.
    monkeypatch.setenv("CATALOGUE_CHECK_INTERVAL_SECONDS", "600")
    monkeypatch.setenv("EDITORS_ROLE_IDS", "fake:mods")
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    async with open_services(settings) as first, open_services(settings) as second, second.background():
        await asyncio.wait_for(second.listener.connected.wait(), 10)
        before = await second.dispatcher.fact_check(ORIGIN, "the great wall of china is visible from the moon")
        assert before[0].claim is None
        line = (
            "claim add great-wall-visible | The Great Wall of China is visible from the Moon. | false | "
            "It is not. | Fixture | 1970 | Fixture archive | https://example.org/wall | contradicts | A quote."
        )
        assert "Saved" in (await first.dispatcher.run_command(MOD, ORIGIN, line))[0].text
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            replies = await second.dispatcher.fact_check(ORIGIN, "the great wall of china is visible from the moon")
            if replies[0].claim is not None:
                break
            await asyncio.sleep(0.02)
        assert replies[0].claim is not None and replies[0].claim.id == "great-wall-visible"
        assert time.monotonic() - started < 1.0


@pytest.mark.postgres
async def test_a_communitys_own_claim_is_live_there_in_another_process_within_a_second(database_url, monkeypatch):
    if database_url.startswith("sqlite"):
        pytest.skip("one SQLite process has nobody to notify")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CATALOGUE_DIR", str(FIXTURE_CLAIMS))
    # A long refresh interval proves the notice, not the safety-net poll, carries the change.
    monkeypatch.setenv("POLICY_CHANNEL_REFRESH_SECONDS", "600")
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    text = "the great wall of china is visible from the moon"
    there = Origin(platform="fake", channel_id="c1", workspace_id="w2")
    owner = Actor(platform="fake", user_id="owner2", workspace_id="w2", is_platform_admin=True)
    async with open_services(settings) as first, open_services(settings) as second, second.background():
        await asyncio.wait_for(second.listener.connected.wait(), 10)
        assert (await second.dispatcher.fact_check(there, text))[0].claim is None
        line = (
            "local add great-wall-visible | The Great Wall of China is visible from the Moon. | false | "
            "It is not. | Fixture | 1970 | Fixture archive | https://example.org/wall | contradicts | A quote."
        )
        assert "in this community only" in (await first.dispatcher.run_command(owner, there, line))[0].text
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            replies = await second.dispatcher.fact_check(there, text)
            if replies[0].claim is not None:
                break
            await asyncio.sleep(0.02)
        assert replies[0].claim is not None and replies[0].claim.id == "great-wall-visible"
        assert time.monotonic() - started < 1.0
        assert (await second.dispatcher.fact_check(ORIGIN, text))[0].claim is None  # w1 is not w2


@pytest.mark.postgres
async def test_the_listener_survives_an_error_while_arming_and_keeps_listening(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("one SQLite process has nobody to notify")
    database = Database(database_url)
    heard: list[str] = []

    def flaky() -> None:
        heard.append("called")
        if len(heard) == 1:
            raise RuntimeError("a handler failed while the listener was arming")

    listener = ChangeListener(database, {CATALOGUE_CHANNEL: flaky})
    task = asyncio.create_task(listener.run())
    try:
        await asyncio.wait_for(listener.connected.wait(), 10)  # after the failure, a second connection armed it
        before = len(heard)
        async with database.transaction() as connection:
            await notify(connection, database, CATALOGUE_CHANNEL, "7")
        for _ in range(100):
            if len(heard) > before:
                break
            await asyncio.sleep(0.02)
        assert len(heard) > before, "a notice after the error still reaches the handler"
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await database.dispose()
