"""The live catalogue in the database: claims with versions, revisions and imports from `claims/`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.catalogue.schema import claim_to_dict, parse_claim
from bot.core.models import Actor, Claim, StoredClaim
from bot.storage.db import Database
from bot.storage.tables import catalogue_meta, claim_revisions, claims

SYNC_ACTOR = Actor(platform="system", user_id="catalogue-sync", display_name="catalogue sync")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def content_hash(data: dict[str, Any]) -> str:
    """A stable fingerprint of a claim's content, to tell who changed what since the last import."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything factbot stores is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def actor_label(actor: Actor) -> str:
    """A readable name for audit lines: platform, workspace and user."""
    where = f"{actor.platform}:{actor.workspace_id}" if actor.workspace_id else actor.platform
    name = actor.display_name or actor.user_id
    return f"{name} ({where}:{actor.user_id})"


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
        return StoredClaim(
            claim=parse_claim(dict(row.data)),
            version=row.version,
            updated_at=as_utc(row.updated_at),
            updated_by=row.updated_by,
            from_files=row.file_hash is not None,
            changed_since_import=row.file_hash is not None and row.file_hash != row.content_hash,
        )

    async def catalogue_version(self) -> int:
        """A number that changes whenever any claim changes."""
        async with self.database.engine.connect() as connection:
            version = await connection.scalar(select(catalogue_meta.c.version).where(catalogue_meta.c.id == 1))
        return int(version or 0)

    async def all(self) -> list[StoredClaim]:
        """Every claim, retired ones included, in id order."""
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(select(claims).order_by(claims.c.id))).all()
        return [self._stored(row) for row in rows]

    async def get(self, claim_id: str) -> StoredClaim | None:
        """One claim by id."""
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(select(claims).where(claims.c.id == claim_id))).first()
        return self._stored(row) if row else None

    async def is_empty(self) -> bool:
        """True until the first import; retiring every claim does not make the catalogue empty."""
        async with self.database.engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(claims))
        return not count

    async def _bump_catalogue(self, connection: AsyncConnection) -> int:
        result = await connection.execute(
            update(catalogue_meta).where(catalogue_meta.c.id == 1).values(version=catalogue_meta.c.version + 1)
        )
        if result.rowcount == 0:
            await connection.execute(insert(catalogue_meta).values(id=1, version=1))
            return 1
        return int(await connection.scalar(select(catalogue_meta.c.version).where(catalogue_meta.c.id == 1)) or 0)

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

    async def sync_from_files(self, file_claims: Sequence[Claim], *, actor: Actor = SYNC_ACTOR) -> SyncReport:
        """Import claims from `claims/`, never overwriting a claim that was changed in the database since."""
        report = SyncReport()
        now = self.clock()
        label = actor_label(actor)
        async with self.database.engine.begin() as connection:
            rows = {row.id: row for row in (await connection.execute(select(claims))).all()}
            for claim in file_claims:
                data = claim_to_dict(claim)
                new_hash = content_hash(data)
                row = rows.get(claim.id)
                if row is None:
                    await connection.execute(
                        insert(claims).values(
                            id=claim.id,
                            data=data,
                            status=claim.status.value,
                            version=1,
                            content_hash=new_hash,
                            file_hash=new_hash,
                            updated_at=now,
                            updated_by=label,
                        )
                    )
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
                    await connection.execute(
                        update(claims)
                        .where(claims.c.id == claim.id)
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
            if report.changed:
                await self._bump_catalogue(connection)
        return report
