"""Several processes starting at once on one new database: migrations and the first import happen once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from sqlalchemy import func, select

from bot.app import open_database
from bot.catalogue.loader import load_claims
from bot.settings import load_settings
from bot.storage.db import Database
from bot.storage.tables import claim_revisions, claims
from tests.conftest import FIXTURE_CLAIMS, PROJECT_ROOT


async def counts(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        async with database.reading() as connection:
            return (
                int(await connection.scalar(select(func.count()).select_from(claims)) or 0),
                int(await connection.scalar(select(func.count()).select_from(claim_revisions)) or 0),
            )
    finally:
        await database.dispose()


async def test_starts_racing_on_an_empty_database_import_the_catalogue_once(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CATALOGUE_DIR", str(FIXTURE_CLAIMS))
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    opened = await asyncio.gather(*(open_database(settings) for _ in range(4)))
    for database, _store in opened:
        await database.dispose()
    fixtures = len(load_claims(FIXTURE_CLAIMS))
    assert await counts(database_url) == (fixtures, fixtures), "each claim imported once, with one revision"


async def test_db_upgrade_run_by_three_processes_at_once_succeeds_in_each(database_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CATALOGUE_DIR": str(FIXTURE_CLAIMS),
        "XDG_DATA_HOME": str(tmp_path),
    }
    command = [sys.executable, "-m", "bot", "db", "upgrade"]
    started = [
        subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [process.communicate(timeout=120)[1] for process in started]
    assert [process.returncode for process in started] == [0, 0, 0], [error[-500:] for error in errors]
    fixtures = len(load_claims(FIXTURE_CLAIMS))
    assert await counts(database_url) == (fixtures, fixtures)
