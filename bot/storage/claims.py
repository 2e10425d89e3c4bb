"""The live catalogue in the database: claims with versions, revisions and imports from `claims/`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.catalogue.schema import claim_to_dict, parse_claim
from bot.core.errors import ClaimExists, NothingChanged, NotLatestRevision, StaleVersion, UnknownClaim, UnknownRevision
from bot.domain.models import Actor, Claim, ClaimStatus, Revision, StoredClaim
from bot.storage.audit import write_audit
from bot.storage.db import CATALOGUE_IMPORT_LOCK_ID, Database
from bot.storage.notify import CATALOGUE_CHANNEL, notify
from bot.storage.rows import stored_claim
from bot.storage.tables import catalogue_meta, claim_revisions, claims
from bot.storage.time import Clock, as_utc, utc_now

SYNC_ACTOR = Actor(platform="system", user_id="catalogue-sync", display_name="catalogue sync")


def content_hash(data: dict[str, Any]) -> str:
    """A stable fingerprint of a claim's content, to tell who changed what since the last import."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def actor_label(actor: Actor) -> str:
    """A readable name for audit lines: platform, workspace and user."""
    return person_label(actor.display_name or actor.user_id, actor.platform, actor.workspace_id, actor.user_id)


def person_label(name: str, platform: str, workspace: str, user_id: str) -> str:
    """`name (platform:workspace:user)`, the one way history and conflict messages name a person."""
    where = f"{platform}:{workspace}" if workspace else platform
    return f"{name} ({where}:{user_id})"


@dataclass(slots=True)
class SyncReport:
    """What an import of `claims/` did, claim by claim."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[StoredClaim] = field(default_factory=list)
    only_in_database: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything."""
        return bool(self.added or self.updated)


class SqlClaimStore:
    """Catalogue storage on SQLAlchemy async; every change bumps the catalogue version in the same transaction."""

    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    @staticmethod
    def _stored(row: Any) -> StoredClaim:
        return stored_claim(
            row.data,
            version=row.version,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
            file_hash=row.file_hash,
            content_hash=row.content_hash,
        )

    async def catalogue_version(self) -> int:
        """A number that changes whenever any claim changes."""
        async with self.database.reading() as connection:
            version = await connection.scalar(select(catalogue_meta.c.version).where(catalogue_meta.c.id == 1))
        return int(version or 0)

    async def all(self) -> list[StoredClaim]:
        """Every claim, retired ones included, in id order."""
        async with self.database.reading() as connection:
            rows = (await connection.execute(select(claims).order_by(claims.c.id))).all()
        return [self._stored(row) for row in rows]

    async def get(self, claim_id: str) -> StoredClaim | None:
        """One claim by id."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(claims).where(claims.c.id == claim_id))).first()
        return self._stored(row) if row else None

    async def is_empty(self) -> bool:
        """True until the first import; retiring every claim does not make the catalogue empty."""
        async with self.database.reading() as connection:
            count = await connection.scalar(select(func.count()).select_from(claims))
        return not count

    async def _bump_catalogue(self, connection: AsyncConnection) -> int:
        result = await connection.execute(
            update(catalogue_meta).where(catalogue_meta.c.id == 1).values(version=catalogue_meta.c.version + 1)
        )
        if result.rowcount == 0:
            await connection.execute(insert(catalogue_meta).values(id=1, version=1))
            version = 1
        else:
            version = int(
                await connection.scalar(select(catalogue_meta.c.version).where(catalogue_meta.c.id == 1)) or 0
            )
        await notify(connection, self.database, CATALOGUE_CHANNEL, str(version))
        return version

    async def _write_revision(
        self,
        connection: AsyncConnection,
        *,
        claim_id: str,
        version: int,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        actor: Actor,
        now: dt.datetime,
        note: str | None = None,
    ) -> None:
        await connection.execute(
            insert(claim_revisions).values(
                claim_id=claim_id,
                version=version,
                action=action,
                before=before,
                after=after,
                actor_platform=actor.platform,
                actor_workspace=actor.workspace_id,
                actor_id=actor.user_id,
                actor_name=actor.display_name or actor.user_id,
                note=note,
                created_at=now,
            )
        )

    async def sync_from_files(
        self, file_claims: Sequence[Claim], *, actor: Actor = SYNC_ACTOR, only_if_empty: bool = False
    ) -> SyncReport:
        """Import claims from `claims/`, never overwriting a claim that was changed in the database since.

        Imports are serialised across processes, so several processes starting on one empty database import the
        bundled catalogue once; with `only_if_empty` the others then find it there and import nothing.
        """
        report = SyncReport()
        now = self.clock()
        label = actor_label(actor)
        async with self.database.transaction() as connection:
            await self.database.lock_for_transaction(connection, CATALOGUE_IMPORT_LOCK_ID)
            rows = {row.id: row for row in (await connection.execute(select(claims))).all()}
            if only_if_empty and rows:
                return report
            for claim in file_claims:
                data = claim_to_dict(claim)
                new_hash = content_hash(data)
                row = rows.get(claim.id)
                if row is None:
                    inserted = await connection.execute(
                        self.database.upsert(claims)
                        .values(
                            id=claim.id,
                            data=data,
                            status=claim.status.value,
                            version=1,
                            content_hash=new_hash,
                            file_hash=new_hash,
                            updated_at=now,
                            updated_by=label,
                        )
                        .on_conflict_do_nothing(index_elements=[claims.c.id])
                    )
                    if inserted.rowcount == 0:  # a moderator added this id in chat meanwhile
                        report.conflicts.append(await self._stored_now(connection, claim.id))
                        continue
                    await self._write_revision(
                        connection,
                        claim_id=claim.id,
                        version=1,
                        action="import",
                        before=None,
                        after=data,
                        actor=actor,
                        now=now,
                    )
                    report.added.append(claim.id)
                elif row.file_hash == new_hash or row.content_hash == new_hash:
                    if row.file_hash != new_hash:
                        await connection.execute(
                            update(claims).where(claims.c.id == claim.id).values(file_hash=new_hash)
                        )
                    report.unchanged.append(claim.id)
                elif row.file_hash is not None and row.content_hash == row.file_hash:
                    changed = await connection.execute(
                        update(claims)
                        .where(claims.c.id == claim.id, claims.c.version == row.version)
                        .values(
                            data=data,
                            status=claim.status.value,
                            version=row.version + 1,
                            content_hash=new_hash,
                            file_hash=new_hash,
                            updated_at=now,
                            updated_by=label,
                        )
                    )
                    if changed.rowcount == 0:  # edited in chat since this import read it: keep that edit
                        report.conflicts.append(await self._stored_now(connection, claim.id))
                        continue
                    await self._write_revision(
                        connection,
                        claim_id=claim.id,
                        version=row.version + 1,
                        action="sync",
                        before=dict(row.data),
                        after=data,
                        actor=actor,
                        now=now,
                    )
                    report.updated.append(claim.id)
                else:
                    report.conflicts.append(self._stored(row))
            file_ids = {c.id for c in file_claims}
            report.only_in_database = sorted(i for i in rows if i not in file_ids)
            for claim_id in report.added + report.updated:
                await write_audit(
                    connection,
                    actor=actor,
                    action="catalogue import",
                    target=claim_id,
                    outcome="ok",
                    now=now,
                    detail={"added": claim_id in report.added},
                )
            if report.changed:
                await self._bump_catalogue(connection)
        return report

    async def _stored_now(self, connection: AsyncConnection, claim_id: str) -> StoredClaim:
        row = (await connection.execute(select(claims).where(claims.c.id == claim_id))).first()
        return self._stored(row)

    async def _locked_row(self, connection: AsyncConnection, claim_id: str) -> Any:
        query = select(claims).where(claims.c.id == claim_id)
        if not self.database.is_sqlite:
            # SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL needs the row locked.
            query = query.with_for_update()
        return (await connection.execute(query)).first()

    async def add(self, claim: Claim, *, actor: Actor, action: str = "add", note: str | None = None) -> StoredClaim:
        """Create a claim from chat; the id must be new."""
        data = claim_to_dict(parse_claim(claim_to_dict(claim)))
        now = self.clock()
        async with self.database.transaction() as connection:
            if await self._locked_row(connection, claim.id) is not None:
                raise ClaimExists(claim.id)
            await connection.execute(
                insert(claims).values(
                    id=claim.id,
                    data=data,
                    status=claim.status.value,
                    version=1,
                    content_hash=content_hash(data),
                    file_hash=None,
                    updated_at=now,
                    updated_by=actor_label(actor),
                )
            )
            await self._write_revision(
                connection,
                claim_id=claim.id,
                version=1,
                action=action,
                before=None,
                after=data,
                actor=actor,
                now=now,
                note=note,
            )
            await write_audit(
                connection,
                actor=actor,
                action=f"claim {action}",
                target=claim.id,
                outcome="ok",
                now=now,
                detail={"version": 1, "note": note},
            )
            await self._bump_catalogue(connection)
            row = await self._locked_row(connection, claim.id)
        return self._stored(row)

    async def update(
        self,
        claim_id: str,
        change: Callable[[Claim], Claim],
        *,
        actor: Actor,
        action: str,
        expected_version: int | None = None,
        note: str | None = None,
    ) -> StoredClaim:
        """Apply `change` to the current claim in one transaction: version check, revision, audit, or nothing."""
        async with self.database.transaction() as connection:
            return await self.update_in(
                connection, claim_id, change, actor=actor, action=action, expected_version=expected_version, note=note
            )

    async def update_in(
        self,
        connection: AsyncConnection,
        claim_id: str,
        change: Callable[[Claim], Claim],
        *,
        actor: Actor,
        action: str,
        expected_version: int | None = None,
        note: str | None = None,
    ) -> StoredClaim:
        """`update` inside a transaction the caller holds, so that another store's write commits with it or not."""
        now = self.clock()
        row = await self._locked_row(connection, claim_id)
        if row is None:
            raise UnknownClaim(claim_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleVersion(self._stored(row), expected_version)
        before = dict(row.data)
        after = claim_to_dict(parse_claim(claim_to_dict(change(parse_claim(before)))))
        if after["id"] != claim_id:
            raise ValueError("an edit cannot change a claim's id")
        if after == before:
            raise NothingChanged(claim_id)
        version = row.version + 1
        result = await connection.execute(
            update(claims)
            .where(claims.c.id == claim_id, claims.c.version == row.version)
            .values(
                data=after,
                status=after["status"],
                version=version,
                content_hash=content_hash(after),
                updated_at=now,
                updated_by=actor_label(actor),
            )
        )
        if result.rowcount != 1:
            raise StaleVersion(self._stored(row), row.version)
        await self._write_revision(
            connection,
            claim_id=claim_id,
            version=version,
            action=action,
            before=before,
            after=after,
            actor=actor,
            now=now,
            note=note,
        )
        await write_audit(
            connection,
            actor=actor,
            action=f"claim {action}",
            target=claim_id,
            outcome="ok",
            now=now,
            detail={"version": version, "note": note},
        )
        await self._bump_catalogue(connection)
        row = await self._locked_row(connection, claim_id)
        return self._stored(row)

    @staticmethod
    def _revision(row: Any) -> Revision:
        return Revision(
            id=row.id,
            claim_id=row.claim_id,
            version=row.version,
            action=row.action,
            before=parse_claim(dict(row.before)) if row.before is not None else None,
            after=parse_claim(dict(row.after)),
            actor=person_label(row.actor_name, row.actor_platform, row.actor_workspace, row.actor_id),
            created_at=as_utc(row.created_at),
            note=row.note,
        )

    async def history(self, claim_id: str, limit: int = 20) -> list[Revision]:
        """The newest revisions of a claim, newest first."""
        async with self.database.reading() as connection:
            rows = (
                await connection.execute(
                    select(claim_revisions)
                    .where(claim_revisions.c.claim_id == claim_id)
                    .order_by(claim_revisions.c.version.desc())
                    .limit(limit)
                )
            ).all()
        return [self._revision(row) for row in rows]

    async def revision(self, revision_id: int) -> Revision | None:
        """One revision by its number."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(claim_revisions).where(claim_revisions.c.id == revision_id))).first()
        return self._revision(row) if row else None

    async def undo(self, revision_id: int, *, actor: Actor) -> StoredClaim:
        """Restore the state before a revision exactly, as a new revision; only the latest change can be undone."""
        target = await self.revision(revision_id)
        if target is None:
            raise UnknownRevision(revision_id)
        current = await self.get(target.claim_id)
        if current is None:
            raise UnknownClaim(target.claim_id)
        if current.version != target.version:
            raise NotLatestRevision(revision_id, current)
        previous = target.before

        def restore(claim: Claim) -> Claim:
            # Undoing a claim's creation retires it: chat never deletes, so history stays whole.
            if previous is None:
                return dataclasses.replace(claim, status=ClaimStatus.RETIRED)
            return previous

        return await self.update(
            target.claim_id,
            restore,
            actor=actor,
            action="undo",
            expected_version=target.version,
            note=f"undo of revision #{revision_id}",
        )
