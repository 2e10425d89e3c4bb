"""Shared fixtures: the fixture catalogue, databases (SQLite always, PostgreSQL when configured), settings."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.catalogue.loader import load_claims
from bot.core.commands import basic_registry
from bot.core.dispatcher import Dispatcher
from bot.core.live import LiveCatalogue
from bot.core.memory import MemoryCatalogue, MemoryKeyStore
from bot.core.permissions import AccessConfig
from bot.core.policy import PolicyConfig, ReplyPolicy
from bot.domain.models import Claim
from bot.matching.matcher import Thresholds
from bot.storage.db import Database
from tests.fakes.fake_adapter import FakeAdapter
from tests.scratch_databases import create_scratch_database, drop_scratch_database
from tests.storage.private_postgres import PrivatePostgres, Unavailable, private_postgres

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_CLAIMS = FIXTURES / "claims"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("FACTBOT_TEST_DATABASE_URL", "")


@pytest.fixture
def fixture_claims() -> list[Claim]:
    return load_claims(FIXTURE_CLAIMS)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's own settings or database."""
    for name in list(os.environ):
        if name.startswith(
            (
                "DATABASE_",
                "MATCHER_",
                "POLICY_",
                "MODERATORS_",
                "EDITORS_",
                "CATALOGUE_",
                "LOG_",
                "LIMITS_",
                "FACTBOT_CONFIG",
            )
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    # A developer's .env in the working directory must not change what tests see.
    empty = tmp_path / "empty.env"
    empty.touch()
    monkeypatch.setenv("FACTBOT_ENV_FILE", str(empty))


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new PostgreSQL database for one test, dropped afterwards; skips the test without FACTBOT_TEST_DATABASE_URL."""
    if not PG_URL:
        pytest.skip("FACTBOT_TEST_DATABASE_URL is not set")
    url = await create_scratch_database(PG_URL)
    try:
        yield url
    finally:
        await drop_scratch_database(PG_URL, url)


@pytest.fixture
def private_server() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the test's own, which it may stop and restart; skipped where one cannot run."""
    if not PG_URL:
        pytest.skip("FACTBOT_TEST_DATABASE_URL is not set")
    manager = private_postgres()
    try:
        server = manager.__enter__()
    except Unavailable as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request, tmp_path) -> AsyncIterator[str]:
    """A fresh, empty database URL: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'factbot.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for tests about several processes sharing one."""
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def database(database_url) -> AsyncIterator[Database]:
    """A migrated database on each backend."""
    db = Database(database_url)
    await db.upgrade()
    try:
        yield db
    finally:
        await db.dispose()


class Clock:
    """A settable clock for cooldowns."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def policy_config() -> PolicyConfig:
    return PolicyConfig(
        min_length=15, cooldown=dt.timedelta(minutes=30), watched_channels=frozenset({"fake:c1", "fake:c2"})
    )


@pytest.fixture
def dispatcher(fixture_claims, clock, policy_config) -> Dispatcher:
    catalogue = LiveCatalogue(MemoryCatalogue(fixture_claims), Thresholds())
    policy = ReplyPolicy(policy_config, MemoryKeyStore(clock=clock))
    return Dispatcher(catalogue, policy, basic_registry(), AccessConfig(editor_role_ids=frozenset({"fake:mods"})))


@pytest.fixture
def fake(dispatcher) -> FakeAdapter:
    return FakeAdapter(dispatcher)


@pytest.fixture
async def services(database_url, monkeypatch, clock):
    """The whole core on a real database (SQLite and PostgreSQL), seeded from the fixture catalogue."""
    from bot.app import open_services
    from bot.settings import load_settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CATALOGUE_DIR", str(FIXTURE_CLAIMS))
    monkeypatch.setenv("CATALOGUE_CHECK_INTERVAL_SECONDS", "0")
    monkeypatch.setenv("POLICY_WATCHED_CHANNELS", "fake:c1")
    monkeypatch.setenv("POLICY_MIN_LENGTH", "15")
    monkeypatch.setenv("POLICY_CHANNEL_REFRESH_SECONDS", "0")
    monkeypatch.setenv("EDITORS_ROLE_IDS", "fake:mods")
    async with open_services(load_settings(PROJECT_ROOT / "config" / "factbot.toml")) as built:
        yield built


@pytest.fixture
def db_fake(services) -> FakeAdapter:
    """A fake adapter on the database-backed core."""
    return FakeAdapter(services.dispatcher)
