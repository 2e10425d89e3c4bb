"""What the bot answered and why (claim, decision, scores), feedback on those answers, and stats over both."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy import delete, func, insert, select

from bot.domain.models import (
    Actor,
    ClaimCount,
    Decision,
    MatchResult,
    Origin,
    ReplyAction,
    ReplyKind,
    ReplyRecord,
    Stats,
)
from bot.storage.db import Database
from bot.storage.tables import feedback, replies
from bot.storage.time import Clock, as_utc, utc_now


class SqlReplyLog:
    """No message text is stored here: only ids, the decision and the candidates' scores."""

    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    async def record(
        self, *, origin: Origin, kind: ReplyKind, result: MatchResult, shown_claim: str | None, unprompted: bool
    ) -> str:
        """Remember a reply; returns the id that feedback buttons carry."""
        reply_id = uuid.uuid4().hex[:16]
        best = result.best
        async with self.database.transaction() as connection:
            await connection.execute(
                insert(replies).values(
                    id=reply_id,
                    created_at=self.clock(),
                    platform=origin.platform,
                    workspace_id=origin.workspace_id,
                    channel_id=origin.channel_id,
                    kind=kind.value,
                    claim_id=shown_claim,
                    decision=result.decision.value,
                    score=best.score if best else None,
                    unprompted=unprompted,
                    candidates=[
                        {"claim_id": c.claim_id, "score": c.score}
                        | ({"variant": c.matched_variant} if c is best and c.matched_variant else {})
                        for c in result.candidates
                    ],
                )
            )
        return reply_id

    async def claim_of(self, reply_id: str) -> tuple[bool, str | None]:
        """Whether the reply is known, and the claim it showed."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(replies.c.claim_id).where(replies.c.id == reply_id))).first()
        return (row is not None, row.claim_id if row else None)

    async def details(self, reply_id: str) -> ReplyRecord | None:
        """Why a reply was given: its decision and the ranked candidates, with the alias the best one matched."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(replies).where(replies.c.id == reply_id))).first()
        if row is None:
            return None
        candidates = [c for c in row.candidates or [] if isinstance(c, dict)]
        return ReplyRecord(
            id=row.id,
            created_at=as_utc(row.created_at),
            origin=Origin(platform=row.platform, channel_id=row.channel_id, workspace_id=row.workspace_id),
            kind=ReplyKind(row.kind),
            claim_id=row.claim_id,
            decision=Decision(row.decision),
            score=row.score,
            unprompted=row.unprompted,
            candidates=tuple((str(c.get("claim_id")), float(c.get("score") or 0.0)) for c in candidates),
            matched_variant=next((str(c["variant"]) for c in candidates if c.get("variant")), None),
        )

    async def add_feedback(self, reply_id: str, actor: Actor, action: ReplyAction) -> None:
        """One vote per person per reply; a second click changes the vote."""
        statement = self.database.upsert(feedback).values(
            reply_id=reply_id,
            created_at=self.clock(),
            platform=actor.platform,
            workspace_id=actor.workspace_id,
            user_id=actor.user_id,
            kind=action.value,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[feedback.c.reply_id, feedback.c.platform, feedback.c.user_id],
            set_={"kind": statement.excluded.kind, "created_at": statement.excluded.created_at},
        )
        async with self.database.transaction() as connection:
            await connection.execute(statement)

    async def stats(self, since: dt.datetime | None, report_count: int, community: Origin | None = None) -> Stats:
        """Counts for a period (None: since the beginning), of one community's replies when given."""
        until = self.clock()
        reply_query = select(
            replies.c.kind, replies.c.claim_id, replies.c.decision, replies.c.unprompted, func.count()
        ).group_by(replies.c.kind, replies.c.claim_id, replies.c.decision, replies.c.unprompted)
        feedback_query = (
            select(feedback.c.kind, replies.c.claim_id, func.count())
            .join(replies, feedback.c.reply_id == replies.c.id)
            .group_by(feedback.c.kind, replies.c.claim_id)
        )
        if community is not None:
            here = (replies.c.platform == community.platform, replies.c.workspace_id == community.workspace_id)
            reply_query = reply_query.where(*here)
            feedback_query = feedback_query.where(*here)
        if since is not None:
            reply_query = reply_query.where(replies.c.created_at >= since)
            feedback_query = feedback_query.where(feedback.c.created_at >= since)
        async with self.database.reading() as connection:
            reply_rows = (await connection.execute(reply_query)).all()
            feedback_rows = (await connection.execute(feedback_query)).all()
        per_claim: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        suggestions = unmatched = 0
        for kind, claim_id, decision, unprompted, count in reply_rows:
            if kind == ReplyKind.NO_MATCH.value:
                unmatched += count
                continue
            per_claim[claim_id][0 if unprompted else 1] += count
            if decision == Decision.SUGGEST.value:
                suggestions += count
        totals: dict[str, int] = {
            a.value: 0 for a in (ReplyAction.HELPFUL, ReplyAction.NOT_HELPFUL, ReplyAction.WRONG_CLAIM)
        }
        for kind, claim_id, count in feedback_rows:
            totals[kind] = totals.get(kind, 0) + count
            if kind == ReplyAction.WRONG_CLAIM.value and claim_id:
                per_claim[claim_id][2] += count
        claims = tuple(
            sorted(
                (ClaimCount(cid, *counts) for cid, counts in per_claim.items()), key=lambda c: (-c.total, c.claim_id)
            )
        )
        return Stats(since, until, claims, suggestions, unmatched, report_count, totals)

    async def prune(self, older_than: dt.timedelta) -> int:
        """Forget replies (and their feedback) past retention."""
        cutoff = self.clock() - older_than
        async with self.database.transaction() as connection:
            await connection.execute(delete(feedback).where(feedback.c.created_at < cutoff))
            result = await connection.execute(delete(replies).where(replies.c.created_at < cutoff))
        return result.rowcount
