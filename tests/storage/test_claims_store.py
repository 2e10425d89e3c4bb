"""The SQL catalogue store on SQLite and PostgreSQL: migrations, imports, sync conflicts, versions."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select, update

from bot.catalogue.schema import claim_to_dict
from bot.core.models import Verdict
from bot.storage.claims import SqlClaimStore, content_hash
from bot.storage.tables import claim_revisions, claims


async def test_first_import_adds_every_claim_with_a_revision(database, fixture_claims):
    store = SqlClaimStore(database)
    assert await store.is_empty() and await store.catalogue_version() == 0
    report = await store.sync_from_files(fixture_claims)
    assert sorted(report.added) == sorted(c.id for c in fixture_claims)
    assert not await store.is_empty()
    assert await store.catalogue_version() == 1
    stored = await store.get("moon-landing-staged")
    assert stored.version == 1 and stored.from_files and not stored.changed_since_import
    assert stored.claim == next(c for c in fixture_claims if c.id == "moon-landing-staged")
    async with database.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(claim_revisions)) == len(fixture_claims)
    assert [s.claim.id for s in await store.all()] == sorted(c.id for c in fixture_claims)


async def test_sync_with_no_change_writes_nothing(database, fixture_claims):
    store = SqlClaimStore(database)
    await store.sync_from_files(fixture_claims)
    report = await store.sync_from_files(fixture_claims)
    assert not report.changed and len(report.unchanged) == len(fixture_claims)
    assert await store.catalogue_version() == 1


async def test_sync_updates_claims_changed_only_in_files(database, fixture_claims):
    store = SqlClaimStore(database)
    await store.sync_from_files(fixture_claims)
    edited = [
        dataclasses.replace(c, summary="A better summary.") if c.id == "moon-landing-real" else c
        for c in fixture_claims
    ]
    report = await store.sync_from_files(edited)
    assert report.updated == ["moon-landing-real"]
    stored = await store.get("moon-landing-real")
    assert stored.claim.summary == "A better summary." and stored.version == 2
    assert await store.catalogue_version() == 2


async def test_sync_never_overwrites_a_claim_changed_in_the_database(database, fixture_claims):
    store = SqlClaimStore(database)
    await store.sync_from_files(fixture_claims)
    chat_edit = dataclasses.replace(
        next(c for c in fixture_claims if c.id == "moon-landing-real"), verdict=Verdict.MOSTLY_ACCURATE
    )
    data = claim_to_dict(chat_edit)
    async with database.engine.begin() as connection:
        await connection.execute(
            update(claims)
            .where(claims.c.id == chat_edit.id)
            .values(data=data, content_hash=content_hash(data), version=2, updated_by="mod (fake:w1:mod)")
        )
    file_edit = [
        dataclasses.replace(c, summary="File change.") if c.id == "moon-landing-real" else c for c in fixture_claims
    ]
    report = await store.sync_from_files(file_edit)
    assert [s.claim.id for s in report.conflicts] == ["moon-landing-real"]
    assert report.conflicts[0].updated_by == "mod (fake:w1:mod)"
    stored = await store.get("moon-landing-real")
    assert stored.claim.verdict is Verdict.MOSTLY_ACCURATE and stored.claim.summary != "File change."
    assert stored.changed_since_import


async def test_claims_only_in_the_database_are_listed_not_deleted(database, fixture_claims):
    store = SqlClaimStore(database)
    await store.sync_from_files(fixture_claims)
    report = await store.sync_from_files(fixture_claims[1:])
    assert report.only_in_database == [fixture_claims[0].id]
    assert await store.get(fixture_claims[0].id) is not None


async def test_upgrade_is_idempotent(database):
    await database.upgrade()
    await database.upgrade()
