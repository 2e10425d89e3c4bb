"""Unprompted replies held in trial channels; a decision claims the row atomically, so one reply posts once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.domain.models import Actor, HeldReply, HeldState, MatchResult, Origin, community_name
from bot.storage.audit import write_audit
from bot.storage.claims import actor_label
from bot.storage.db import Database
from bot.storage.tables import trial_replies
from bot.storage.time import Clock, as_utc, utc_now

MAX_SNIPPET = 500
MAX_CANDIDATES = 5


def _in(community: Origin) -> Any:
    return (trial_replies.c.platform == community.platform) & (trial_replies.c.workspace_id == community.workspace_id)


class SqlTrialStore:
    """Held replies of every community; reads and decisions always name the community they belong to."""

    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    @staticmethod
    def _held(row: Any) -> HeldReply:
        origin = Origin(
            platform=row.platform,
            channel_id=row.channel_id,
            workspace_id=row.workspace_id,
            message_id=row.message_id,
            thread_id=row.thread_id,
        )
        return HeldReply(
            id=row.id,
            created_at=as_utc(row.created_at),
            origin=origin,
            claim_id=row.claim_id,
            score=row.score,
            matched_variant=row.matched_variant,
            window=row.window,
            candidates=tuple((str(c), float(s)) for c, s in row.candidates),
            state=HeldState(row.state),
            decided_by=row.decided_by,
            decided_at=as_utc(row.decided_at) if row.decided_at else None,
            note=row.note,
        )

    async def hold(self, origin: Origin, result: MatchResult) -> HeldReply:
        """Keep an unprompted reply back; what it would show is rebuilt from the catalogue when it is approved."""
        best = result.best
        if best is None:
            raise ValueError("only a reply that matched a claim can be held")
        values = {
            "created_at": self.clock(),
            "platform": origin.platform,
            "workspace_id": origin.workspace_id,
            "channel_id": origin.channel_id,
            "message_id": origin.message_id,
            "thread_id": origin.thread_id,
            "claim_id": best.claim_id,
            "score": best.score,
            "matched_variant": best.matched_variant[:MAX_SNIPPET],
            "window": best.window[:MAX_SNIPPET],
            "candidates": [[c.claim_id, round(c.score, 4)] for c in result.candidates[:MAX_CANDIDATES]],
            "state": HeldState.HELD.value,
        }
        async with self.database.transaction() as connection:
            row = (await connection.execute(insert(trial_replies).values(**values).returning(trial_replies))).one()
        return self._held(row)

    async def get(self, held_id: int, community: Origin) -> HeldReply | None:
        """One held reply of this community; another community's is as unknown as a number never used."""
        query = select(trial_replies).where(trial_replies.c.id == held_id, _in(community))
        async with self.database.reading() as connection:
            row = (await connection.execute(query)).first()
        return self._held(row) if row else None

    async def waiting(self, community: Origin, limit: int = 20) -> list[HeldReply]:
        """The community's replies still waiting for a decision, oldest first."""
        query = (
            select(trial_replies)
            .where(_in(community), trial_replies.c.state == HeldState.HELD.value)
            .order_by(trial_replies.c.id)
            .limit(limit)
        )
        async with self.database.reading() as connection:
            return [self._held(row) for row in (await connection.execute(query)).all()]

    async def decide(
        self, held_id: int, state: HeldState, *, actor: Actor, community: Origin, note: str | None = None
    ) -> HeldReply | None:
        """Move a waiting reply to `state`, once: None when it was not waiting (decided by someone else first).

        The conditional UPDATE is the claim: of two processes approving at the same moment, exactly one changes the
        row, and only that one may post the reply.
        """
        if state is HeldState.HELD:
            raise ValueError("a decision moves a reply out of the held state")
        now = self.clock()
        async with self.database.transaction() as connection:
            result = await connection.execute(
                update(trial_replies)
                .where(trial_replies.c.id == held_id, trial_replies.c.state == HeldState.HELD.value, _in(community))
                .values(
                    state=state.value,
                    decided_by=actor_label(actor)[:200],
                    decided_by_id=actor.user_id[:100],
                    decided_at=now,
                    note=note[:MAX_SNIPPET] if note else None,
                )
            )
            if result.rowcount != 1:
                return None
            row = (await connection.execute(select(trial_replies).where(trial_replies.c.id == held_id))).one()
            await write_audit(
                connection,
                actor=actor,
                action=f"trial {state.value}",
                target=f"held reply #{held_id} ({row.claim_id})",
                outcome="ok",
                now=now,
                detail={"channel": row.channel_id, "message": row.message_id, "note": note},
                community=community_name(row.platform, row.workspace_id),
            )
        return self._held(row)

    async def prune(self, older_than: dt.timedelta) -> int:
        """Forget decided replies past retention; waiting ones stay until a moderator decides."""
        cutoff = self.clock() - older_than
        async with self.database.transaction() as connection:
            result = await connection.execute(
                delete(trial_replies).where(
                    trial_replies.c.state != HeldState.HELD.value, trial_replies.c.created_at < cutoff
                )
            )
        return result.rowcount
