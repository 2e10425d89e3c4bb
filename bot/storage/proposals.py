"""Community moderators' proposed changes to shared claims, queued for the catalogue editors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.models import Actor, Claim, Origin, Proposal, StoredClaim
from bot.storage.audit import write_audit
from bot.storage.claims import SqlClaimStore, actor_label
from bot.storage.db import Database
from bot.storage.tables import proposals
from bot.storage.time import Clock, as_utc, utc_now

OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"


class SqlProposalStore:
    """The editors' queue of proposals; each is decided once, whoever tries at the same time."""

    def __init__(self, database: Database, claims: SqlClaimStore, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.claims = claims  # accepting writes the shared claim in the same transaction
        self.clock = clock

    @staticmethod
    def _proposal(row: Any) -> Proposal:
        return Proposal(
            id=row.id,
            created_at=as_utc(row.created_at),
            community=row.community,
            proposer=row.proposer,
            claim_id=row.claim_id,
            base_version=row.base_version,
            action=row.action,
            change=dict(row.change),
            state=row.state,
            note=row.note,
            decided_by=row.decided_by,
            resolution=row.resolution,
        )

    async def add(
        self,
        *,
        origin: Origin,
        actor: Actor,
        claim_id: str,
        base_version: int,
        action: str,
        change: dict[str, Any],
        note: str | None,
    ) -> Proposal:
        """Queue a proposal from the community an event happened in (audited there)."""
        now = self.clock()
        community = origin.community
        async with self.database.transaction() as connection:
            result = await connection.execute(
                insert(proposals)
                .values(
                    created_at=now,
                    community=community,
                    proposer=actor_label(actor)[:200],
                    claim_id=claim_id,
                    base_version=base_version,
                    action=action,
                    change=change,
                    note=note[:500] if note else None,
                    state=OPEN,
                )
                .returning(proposals.c.id)
            )
            proposal_id = int(result.scalar_one())
            await write_audit(
                connection,
                actor=actor,
                action=f"propose {action}",
                target=claim_id,
                outcome="ok",
                now=now,
                detail={"proposal": proposal_id},
                community=community,
            )
            row = (await connection.execute(select(proposals).where(proposals.c.id == proposal_id))).one()
        return self._proposal(row)

    async def get(self, proposal_id: int) -> Proposal | None:
        """One proposal."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(proposals).where(proposals.c.id == proposal_id))).first()
        return self._proposal(row) if row else None

    async def list(self, *, community: Origin | None, include_decided: bool = False, limit: int = 20) -> list[Proposal]:
        """Open proposals (or all, newest first): of one community, or (None) of every community."""
        query = select(proposals)
        if community is not None:
            query = query.where(proposals.c.community == community.community)
        if not include_decided:
            query = query.where(proposals.c.state == OPEN)
        query = query.order_by(proposals.c.id.desc()).limit(limit)
        async with self.database.reading() as connection:
            rows = (await connection.execute(query)).all()
        return [self._proposal(row) for row in rows]

    async def _close(
        self, connection: AsyncConnection, proposal_id: int, *, accepted: bool, actor: Actor, resolution: str | None
    ) -> Any:
        """Mark an open proposal decided and audit it; the row, or None when it was not open."""
        now = self.clock()
        result = await connection.execute(
            update(proposals)
            .where(proposals.c.id == proposal_id, proposals.c.state == OPEN)
            .values(
                state=ACCEPTED if accepted else REJECTED,
                decided_by=actor_label(actor)[:200],
                decided_at=now,
                resolution=resolution[:500] if resolution else None,
            )
        )
        if result.rowcount != 1:
            return None
        row = (await connection.execute(select(proposals).where(proposals.c.id == proposal_id))).one()
        await write_audit(
            connection,
            actor=actor,
            action=f"proposal {'accept' if accepted else 'reject'}",
            target=row.claim_id,
            outcome="ok",
            now=now,
            detail={"proposal": proposal_id, "from": row.community, "resolution": resolution},
        )
        return row

    async def reject(self, proposal_id: int, *, actor: Actor, resolution: str | None) -> Proposal | None:
        """Close an open proposal unchanged; None when it was not open (already decided, or unknown)."""
        async with self.database.transaction() as connection:
            row = await self._close(connection, proposal_id, accepted=False, actor=actor, resolution=resolution)
        return self._proposal(row) if row is not None else None

    async def accept(
        self, proposal_id: int, *, actor: Actor, change: Callable[[Claim], Claim], note: str
    ) -> tuple[Proposal, StoredClaim] | None:
        """Close an open proposal and apply its change to the shared claim in one transaction: both or neither,
        whatever fails or stops in between; None when it was not open."""
        async with self.database.transaction() as connection:
            row = await self._close(connection, proposal_id, accepted=True, actor=actor, resolution=None)
            if row is None:
                return None
            stored = await self.claims.update_in(
                connection, row.claim_id, change, actor=actor, action=row.action, note=note
            )
        return self._proposal(row), stored

    async def record_failure(self, proposal_id: int, *, actor: Actor, why: str) -> None:
        """Audit an accept that failed (the proposal stayed open), so editors can see why."""
        async with self.database.transaction() as connection:
            await write_audit(
                connection,
                actor=actor,
                action="proposal accept",
                target=str(proposal_id),
                outcome="failed",
                now=self.clock(),
                detail={"proposal": proposal_id, "why": why[:300]},
            )
