"""Each community's own claims and its own aliases of shared claims, with their history, cached per community.

A message never waits for a full read: every `refresh_seconds` (and at once after a PostgreSQL notice from another
process) one grouped query tells which communities changed, and only those are read again, when next needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.catalogue.schema import claim_to_dict, parse_claim
from bot.core.errors import ClaimExists, EditRefused, NothingChanged, StaleVersion, UnknownClaim, UnknownRevision
from bot.domain.models import Actor, Alias, ClaimStatus, LocalLayer, LocalRevision, Origin, StoredClaim, community_name
from bot.storage.audit import write_audit
from bot.storage.claims import actor_label, person_label
from bot.storage.db import Database
from bot.storage.notify import COMMUNITIES_CHANNEL, notify
from bot.storage.refresh import Refreshed
from bot.storage.tables import community_claim_revisions, community_claims
from bot.storage.time import Clock, as_utc, utc_now

CommunityKey = tuple[str, str]
LOCAL_CLAIM = "claim"
LOCAL_ALIASES = "aliases"
# Rows (own claims plus shared claims given aliases) one community may have: bounds its index and its memory.
MAX_LOCAL_ROWS = 200
Change = Callable[[dict[str, Any] | None], dict[str, Any]]


def community_key(origin: Origin) -> CommunityKey:
    """The community an event happened in, as the tables key it."""
    return (origin.platform, origin.workspace_id)


def _aliases(data: dict[str, Any]) -> tuple[Alias, ...]:
    return tuple(Alias(str(a["text"]), str(a["lang"])) for a in data.get("aliases", ()))


class SqlLocalClaimStore:
    """Local claims and aliases per community: versioned rows, a revision and an audit row per change."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock = utc_now,
        refresh_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.clock = clock
        self._fingerprints: dict[CommunityKey, int] = {}
        self._layers: dict[CommunityKey, LocalLayer] = {}
        self._refreshed = Refreshed(refresh_seconds, monotonic)

    def invalidate(self) -> None:
        """Ask the database which communities changed on the next look-up (another process changed one)."""
        self._refreshed.invalidate()

    async def _check(self) -> None:
        # Versions only grow and rows are never deleted, so their sum changes with every change in a community.
        query = select(
            community_claims.c.platform, community_claims.c.workspace_id, func.sum(community_claims.c.version)
        ).group_by(community_claims.c.platform, community_claims.c.workspace_id)
        async with self.database.reading() as connection:
            rows = (await connection.execute(query)).all()
        self._fingerprints = {(platform, workspace): int(total) for platform, workspace, total in rows}
        self._layers = {k: v for k, v in self._layers.items() if v.fingerprint == self._fingerprints.get(k)}

    async def layer(self, origin: Origin) -> LocalLayer:
        """What the community of an event added for itself; read from the database only after it changed."""
        await self._refreshed.ensure(self._check)
        key = community_key(origin)
        fingerprint = self._fingerprints.get(key, 0)
        cached = self._layers.get(key)
        if cached is not None and cached.fingerprint == fingerprint:
            return cached
        if not fingerprint:
            return LocalLayer(community_name(*key), 0, {}, {})
        layer = await self._load(key)
        self._layers[key] = layer
        return layer

    async def _load(self, key: CommunityKey) -> LocalLayer:
        async with self.database.reading() as connection:
            rows = (await connection.execute(select(community_claims).where(*self._where(key)))).all()
        name = community_name(*key)
        claims: dict[str, StoredClaim] = {}
        aliases: dict[str, tuple[Alias, ...]] = {}
        for row in rows:
            if row.kind == LOCAL_CLAIM:
                claims[row.claim_id] = self._stored(row, name)
            elif found := _aliases(dict(row.data)):
                aliases[row.claim_id] = found
        return LocalLayer(name, sum(row.version for row in rows), claims, aliases)

    @staticmethod
    def _where(key: CommunityKey) -> tuple[Any, ...]:
        return (community_claims.c.platform == key[0], community_claims.c.workspace_id == key[1])

    @staticmethod
    def _stored(row: Any, community: str) -> StoredClaim:
        return StoredClaim(
            claim=parse_claim(dict(row.data)),
            version=row.version,
            updated_at=as_utc(row.updated_at),
            updated_by=row.updated_by,
            community=community,
        )

    async def _locked_row(self, connection: AsyncConnection, key: CommunityKey, claim_id: str) -> Any:
        query = select(community_claims).where(*self._where(key), community_claims.c.claim_id == claim_id)
        if not self.database.is_sqlite:
            query = query.with_for_update()  # SQLite's BEGIN IMMEDIATE already holds the write lock
        return (await connection.execute(query)).first()

    async def _write(
        self,
        key: CommunityKey,
        claim_id: str,
        kind: str,
        change: Change,
        *,
        actor: Actor,
        action: str,
        create: bool | None,
        expected_version: int | None = None,
        note: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Change one row in one transaction (version check, revision, audit, notice), or nothing at all.

        `create`: True only creates, False only changes, None either.
        """
        now = self.clock()
        community = community_name(*key)
        async with self.database.transaction() as connection:
            row = await self._locked_row(connection, key, claim_id)
            if (row is None and create is False) or (row is not None and row.kind != kind):
                raise UnknownClaim(claim_id)
            if row is not None and create is True:
                raise ClaimExists(claim_id)
            if row is not None and expected_version is not None and row.version != expected_version:
                raise (
                    StaleVersion(self._stored(row, community), expected_version)
                    if kind == LOCAL_CLAIM
                    else (EditRefused(f"`{claim_id}`'s local aliases changed meanwhile; look again and retry."))
                )
            before = dict(row.data) if row is not None else None
            after = change(before)
            if after == before:
                raise NothingChanged(claim_id)
            status = str(after.get("status", ClaimStatus.ACTIVE.value))
            label = actor_label(actor)[:200]
            if row is None:
                count = await connection.scalar(
                    select(func.count()).select_from(community_claims).where(*self._where(key))
                )
                if int(count or 0) >= MAX_LOCAL_ROWS:
                    raise EditRefused(
                        f"This community already has {MAX_LOCAL_ROWS} local claims and aliased shared claims, the "
                        "most one community may have; retire or reuse one, or propose a shared claim to the editors."
                    )
                version = 1
                await connection.execute(
                    insert(community_claims).values(
                        platform=key[0],
                        workspace_id=key[1],
                        claim_id=claim_id,
                        kind=kind,
                        data=after,
                        status=status,
                        version=1,
                        updated_at=now,
                        updated_by=label,
                    )
                )
            else:
                version = row.version + 1
                result = await connection.execute(
                    update(community_claims)
                    .where(
                        *self._where(key),
                        community_claims.c.claim_id == claim_id,
                        community_claims.c.version == row.version,
                    )
                    .values(data=after, status=status, version=version, updated_at=now, updated_by=label)
                )
                if result.rowcount != 1:
                    raise EditRefused(f"`{claim_id}` changed meanwhile; look again and retry.")
            await connection.execute(
                insert(community_claim_revisions).values(
                    platform=key[0],
                    workspace_id=key[1],
                    claim_id=claim_id,
                    kind=kind,
                    version=version,
                    action=action,
                    before=before,
                    after=after,
                    actor_platform=actor.platform,
                    actor_workspace=actor.workspace_id,
                    actor_id=actor.user_id,
                    actor_name=(actor.display_name or actor.user_id)[:200],
                    note=note,
                    created_at=now,
                )
            )
            await write_audit(
                connection,
                actor=actor,
                action=f"local {action}",
                target=claim_id,
                outcome="ok",
                now=now,
                detail={"version": version, "note": note},
                community=community,
            )
            await notify(connection, self.database, COMMUNITIES_CHANNEL, community)
        self.invalidate()
        return version, after

    async def add(self, origin: Origin, claim_data: dict[str, Any], *, actor: Actor) -> StoredClaim:
        """Create one of the community's own claims (already validated like a shared claim); the id must be new."""
        data = claim_to_dict(parse_claim(claim_data))
        version, after = await self._write(
            community_key(origin), data["id"], LOCAL_CLAIM, lambda _: data, actor=actor, action="add", create=True
        )
        return StoredClaim(
            parse_claim(after),
            version,
            self.clock(),
            actor_label(actor),
            community=origin.community,
        )

    async def update(
        self,
        origin: Origin,
        claim_id: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        actor: Actor,
        action: str,
        expected_version: int | None = None,
        note: str | None = None,
    ) -> StoredClaim:
        """Change one of the community's own claims; the result is validated like a shared claim's."""

        def checked(before: dict[str, Any] | None) -> dict[str, Any]:
            assert before is not None  # create=False: only existing rows reach here
            after = claim_to_dict(parse_claim(change(before)))
            if after["id"] != claim_id:
                raise ValueError("an edit cannot change a claim's id")
            return after

        key = community_key(origin)
        version, after = await self._write(
            key,
            claim_id,
            LOCAL_CLAIM,
            checked,
            actor=actor,
            action=action,
            create=False,
            expected_version=expected_version,
            note=note,
        )
        return StoredClaim(
            parse_claim(after), version, self.clock(), actor_label(actor), community=community_name(*key)
        )

    async def set_aliases(
        self,
        origin: Origin,
        shared_id: str,
        change: Callable[[tuple[Alias, ...]], tuple[Alias, ...]],
        *,
        actor: Actor,
        action: str,
    ) -> tuple[Alias, ...]:
        """Change the aliases only this community matches a shared claim by."""

        def apply(before: dict[str, Any] | None) -> dict[str, Any]:
            aliases = change(_aliases(before or {}))
            return {"aliases": [{"text": a.text, "lang": a.lang} for a in aliases]}

        _, after = await self._write(
            community_key(origin), shared_id, LOCAL_ALIASES, apply, actor=actor, action=action, create=None
        )
        return _aliases(after)

    @staticmethod
    def _revision(row: Any) -> LocalRevision:
        return LocalRevision(
            id=row.id,
            community=community_name(row.platform, row.workspace_id),
            claim_id=row.claim_id,
            kind=row.kind,
            version=row.version,
            action=row.action,
            before=dict(row.before) if row.before is not None else None,
            after=dict(row.after),
            actor=person_label(row.actor_name, row.actor_platform, row.actor_workspace, row.actor_id),
            created_at=as_utc(row.created_at),
            note=row.note,
        )

    async def history(self, claim_id: str, community: Origin | None, limit: int = 20) -> list[LocalRevision]:
        """The newest local revisions of a claim id: of one community, or (None) of every community."""
        query = select(community_claim_revisions).where(community_claim_revisions.c.claim_id == claim_id)
        if community is not None:
            query = query.where(
                community_claim_revisions.c.platform == community.platform,
                community_claim_revisions.c.workspace_id == community.workspace_id,
            )
        query = query.order_by(community_claim_revisions.c.id.desc()).limit(limit)
        async with self.database.reading() as connection:
            rows = (await connection.execute(query)).all()
        return [self._revision(row) for row in rows]

    async def undo(self, revision_id: int, *, actor: Actor, community: Origin | None) -> LocalRevision:
        """Restore the row as it was before a revision, as a new revision; only the latest change can be undone.

        With `community`, a revision of another community is unknown: its number reveals nothing.
        """
        async with self.database.reading() as connection:
            row = (
                await connection.execute(
                    select(community_claim_revisions).where(community_claim_revisions.c.id == revision_id)
                )
            ).first()
            current = await connection.scalar(
                select(community_claims.c.version).where(
                    community_claims.c.platform == (row.platform if row else ""),
                    community_claims.c.workspace_id == (row.workspace_id if row else ""),
                    community_claims.c.claim_id == (row.claim_id if row else ""),
                )
            )
        if row is None or (community is not None and community_key(community) != (row.platform, row.workspace_id)):
            raise UnknownRevision(revision_id)
        target = self._revision(row)
        previous = target.before

        def restore(before: dict[str, Any] | None) -> dict[str, Any]:
            if previous is not None:
                return previous
            if target.kind == LOCAL_ALIASES:
                return {"aliases": []}
            # Undoing a claim's creation retires it: history stays whole.
            return {**(before or target.after), "status": ClaimStatus.RETIRED.value}

        if current != row.version:
            raise EditRefused(
                f"Local revision #{revision_id} is not the latest change to `{row.claim_id}`; undo the later ones "
                "first, newest first."
            )
        await self._write(
            (row.platform, row.workspace_id),
            row.claim_id,
            row.kind,
            restore,
            actor=actor,
            action="undo",
            create=False,
            expected_version=row.version,
            note=f"undo of local revision #{revision_id}",
        )
        return target
