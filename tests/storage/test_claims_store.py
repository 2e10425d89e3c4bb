"""The SQL catalogue store on SQLite and PostgreSQL: migrations, imports, sync conflicts, versions."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
from sqlalchemy import func, select, text, update

from bot.catalogue.schema import claim_to_dict
from bot.domain.models import Verdict
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


async def _until_waiting(database, timeout: float = 10.0) -> None:
    """Wait until some other backend is blocked on a lock (the sync, behind the chat edit's row lock)."""
    async with database.engine.connect() as probe:
        for _ in range(int(timeout / 0.02)):
            waiting = await probe.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            )
            if waiting:
                return
            await probe.rollback()
            await asyncio.sleep(0.02)
    raise AssertionError("the sync never waited for the chat edit")


@pytest.mark.postgres
async def test_a_chat_edit_committed_during_a_sync_is_a_conflict_and_the_rest_of_the_sync_lands(
    database, fixture_claims
):
    if database.is_sqlite:
        pytest.skip("SQLite serialises writers: a sync holds the write lock from its first read")
    store = SqlClaimStore(database)
    await store.sync_from_files(fixture_claims)
    real = next(c for c in fixture_claims if c.id == "moon-landing-real")
    chat = claim_to_dict(dataclasses.replace(real, verdict=Verdict.MOSTLY_ACCURATE))
    new_in_chat = claim_to_dict(dataclasses.replace(real, id="added-in-chat"))
    files = [
        dataclasses.replace(c, summary="File change.") if c.id in {"moon-landing-real", "moon-landing-staged"} else c
        for c in fixture_claims
    ] + [dataclasses.replace(real, id="added-in-chat", summary="From the files.")]
    async with database.engine.connect() as edit:
        # A moderator's edit and a moderator's new claim, mid-transaction: they hold their rows' locks.
        await edit.execute(
            update(claims)
            .where(claims.c.id == "moon-landing-real")
            .values(data=chat, content_hash=content_hash(chat), version=2, updated_by="mod (fake:w1:mod)")
        )
        await edit.execute(
            text(
                "INSERT INTO claims (id, data, status, version, content_hash, file_hash, updated_at, updated_by) "
                "VALUES ('added-in-chat', CAST(:data AS JSON), 'active', 1, :hash, NULL, now(), 'mod')"
            ),
            {"data": json.dumps(new_in_chat), "hash": content_hash(new_in_chat)},
        )
        await edit.execute(
            text(
                "INSERT INTO claim_revisions (claim_id, version, action, before, after, actor_platform, "
                "actor_workspace, actor_id, actor_name, created_at) VALUES ('moon-landing-real', 2, 'edit', NULL, "
                "CAST(:after AS JSON), 'fake', 'w1', 'mod', 'mod', now())"
            ),
            {"after": json.dumps(chat)},
        )
        sync = asyncio.create_task(store.sync_from_files(files))
        await _until_waiting(database)
        await edit.commit()
    report = await asyncio.wait_for(sync, 20)
    assert sorted(s.claim.id for s in report.conflicts) == ["added-in-chat", "moon-landing-real"]
    assert report.updated == ["moon-landing-staged"], "the rest of the sync completes"
    assert (await store.get("moon-landing-real")).claim.verdict is Verdict.MOSTLY_ACCURATE
    assert (await store.get("added-in-chat")).claim.summary == real.summary
    assert (await store.get("moon-landing-staged")).claim.summary == "File change."
