"""The sqlite3 reader `factbot check` uses must see exactly what the SQL store sees, and step aside otherwise."""

from __future__ import annotations

import dataclasses
import os
import sqlite3

import pytest

from bot.app import open_services
from bot.catalogue.schema import claim_to_dict
from bot.core.render import Style, render_reply
from bot.domain.models import Actor, ClaimStatus, Origin
from bot.settings import load_settings
from bot.storage.claims import SqlClaimStore
from bot.storage.communities import SqlCommunityStore
from bot.storage.db import Database, normalise_url
from bot.storage.local import SqlLocalClaimStore
from bot.storage.readonly import read_catalogue, sqlite_path
from tests.conftest import FIXTURE_CLAIMS, PROJECT_ROOT

CLI = ("cli", "")
EDITOR = Actor(platform="fake", user_id="u1", display_name="Mia")


@pytest.fixture
async def sqlite_database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'read.sqlite3'}")
    await database.upgrade()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def filled(sqlite_database, fixture_claims):
    """The fixture catalogue imported, then one claim edited in chat and one retired."""
    store = SqlClaimStore(sqlite_database)
    await store.sync_from_files(fixture_claims)
    first, second = sorted(c.id for c in fixture_claims)[:2]
    await store.update(
        first, lambda c: dataclasses.replace(c, summary=c.summary + " Édité ✓."), actor=EDITOR, action="edit"
    )
    await store.update(
        second, lambda c: dataclasses.replace(c, status=ClaimStatus.RETIRED), actor=EDITOR, action="retire"
    )
    return sqlite_database, store


async def test_the_reader_sees_what_the_store_sees(filled):
    database, store = filled
    read = await read_catalogue(database.url, CLI)
    assert read is not None
    assert await read.all() == await store.all()
    assert await read.catalogue_version() == await store.catalogue_version() == 3


async def test_a_missing_file_is_left_to_the_full_way_and_not_created(tmp_path):
    path = tmp_path / "none.sqlite3"
    assert await read_catalogue(f"sqlite:///{path}", CLI) is None
    assert not path.exists()


def test_only_plain_sqlite_urls_are_read():
    assert sqlite_path("sqlite:////data/f.sqlite3").as_posix() == "/data/f.sqlite3"
    assert sqlite_path("sqlite+aiosqlite:///rel.db").as_posix() == "rel.db"
    for url in ("postgresql://u@h/db", "sqlite:///:memory:", "sqlite:///f.db?mode=ro", "sqlite:///my%20file.db"):
        assert sqlite_path(url) is None, url


@pytest.mark.parametrize(
    "url", ["sqlite:////data/f.sqlite3", "sqlite:///rel/f.db", "sqlite:///~/f.db", "sqlite:///a b"]
)
def test_the_reader_opens_the_file_sqlalchemy_opens(url):
    from sqlalchemy.dialects.sqlite.aiosqlite import dialect
    from sqlalchemy.engine import make_url

    (opened,), _ = dialect().create_connect_args(make_url(normalise_url(url)))
    path = sqlite_path(url)
    assert path is not None and str(path.resolve()) == os.path.realpath(opened)


async def test_an_older_schema_is_left_to_the_full_way(filled):
    database, _ = filled
    path = sqlite_path(database.url.replace("+aiosqlite", ""))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0007'")
    connection.close()
    assert await read_catalogue(database.url, CLI) is None


async def test_an_empty_catalogue_is_left_to_the_full_way(sqlite_database):
    assert await read_catalogue(sqlite_database.url, CLI) is None


async def test_a_community_that_hid_a_claim_is_left_to_the_full_way(filled, fixture_claims):
    database, _ = filled
    hidden = SqlCommunityStore(database, refresh_seconds=0)
    claim_id = fixture_claims[0].id
    await hidden.set_hidden(Origin("fake", "c1", "w1"), claim_id, hidden=True, actor=EDITOR, reason=None)
    assert await read_catalogue(database.url, CLI) is not None, "another community's choices do not matter"
    await hidden.set_hidden(Origin("cli", "cli"), claim_id, hidden=True, actor=EDITOR, reason=None)
    assert await read_catalogue(database.url, CLI) is None


async def test_a_community_with_its_own_claims_is_left_to_the_full_way(filled, fixture_claims):
    database, _ = filled
    data = claim_to_dict(dataclasses.replace(fixture_claims[0], id="our-own-claim"))
    await SqlLocalClaimStore(database, refresh_seconds=0).add(Origin("cli", "cli"), data, actor=EDITOR)
    assert await read_catalogue(database.url, CLI) is None


async def test_check_answers_the_same_either_way(filled, monkeypatch):
    """The same statements through the sqlite3 reader and through the full stores render byte for byte alike."""
    database, _ = filled
    monkeypatch.setenv("DATABASE_URL", database.url.replace("+aiosqlite", ""))
    monkeypatch.setenv("CATALOGUE_DIR", str(FIXTURE_CLAIMS))
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    origin = Origin(platform="cli", channel_id="cli")
    statements = ["The 1969 Moon landing was staged in a film studio", "Covid vaccines contain microchips", "lunch"]
    answers = []
    for reader in (origin, None):
        async with open_services(settings, read_only_for=reader) as services:
            assert (services.database is None) == (reader is not None), "the reader, then the full way, was used"
            replies = [await services.dispatcher.fact_check(origin, s, record=False) for s in statements]
        answers.append(["\n\n".join(render_reply(r, Style(colour=False)) for r in rs) for rs in replies])
    assert answers[0] == answers[1]
    edited, matched, nothing = answers[0]
    assert "[moon-landing-real]" in edited and "Édité ✓." in edited, "the chat edit, not the file's text"
    assert "[vaccines-contain-microchips]" in matched
    assert nothing.startswith("No known claim matched")


async def test_asking_to_see_the_sql_takes_the_full_way(filled, monkeypatch):
    database, _ = filled
    monkeypatch.setenv("DATABASE_URL", database.url.replace("+aiosqlite", ""))
    monkeypatch.setenv("DATABASE_ECHO", "true")
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    async with open_services(settings, read_only_for=Origin(platform="cli", channel_id="cli")) as services:
        assert services.database is not None
