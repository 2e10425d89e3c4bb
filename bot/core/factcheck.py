"""Turn a match into the reply a user sees: the claim, its verdict, the record, or close candidates."""

from __future__ import annotations

import contextlib
import dataclasses
import logging

from bot.core.errors import StorageError
from bot.core.live import Snapshot
from bot.core.metrics import Metrics
from bot.core.offload import off_loop
from bot.core.ports import ReplyLog
from bot.domain.models import (
    FEEDBACK_ACTIONS,
    Candidate,
    Claim,
    Decision,
    MatchResult,
    Origin,
    Reply,
    ReplyAction,
    ReplyKind,
)

logger = logging.getLogger(__name__)

# Candidates below this score are noise, not "close": they are not shown even when nothing matched.
CLOSE_CANDIDATE_FLOOR = 0.15
MAX_CLOSE_CANDIDATES = 3
# How much of the checked text a no-match reply carries, so a "report" button can send it to the moderators.
MAX_QUERY_CHARS = 1000


def _claims_for(snapshot: Snapshot, candidates: tuple[Candidate, ...], floor: float) -> tuple[tuple[Claim, float], ...]:
    shown = [
        (snapshot.claims[c.claim_id].claim, c.score)
        for c in candidates
        if c.score >= floor and c.claim_id in snapshot.claims
    ]
    return tuple(shown[:MAX_CLOSE_CANDIDATES])


def fact_check_reply(
    snapshot: Snapshot, result: MatchResult, *, origin: Origin, unprompted: bool, query: str = ""
) -> Reply:
    """The answer to a fact-check request; unprompted replies are only built for `reply` decisions."""
    best = result.best
    accepted = result.decision is Decision.REPLY or (not unprompted and result.decision is Decision.SUGGEST)
    if best is None or not accepted or best.claim_id not in snapshot.claims:
        return no_match_reply(snapshot, result, query)
    stored = snapshot.claims[best.claim_id]
    claim = stored.claim
    others = tuple(c for c in result.candidates[1:] if c.score >= snapshot.matcher.thresholds.suggest)
    return Reply(
        kind=ReplyKind.FACT_CHECK,
        text=f"Fact-check: \u201c{claim.claim}\u201d \u2014 {claim.verdict.label}",
        claim=claim,
        match=best,
        candidates=_claims_for(snapshot, others, snapshot.matcher.thresholds.suggest),
        actions=(*FEEDBACK_ACTIONS, ReplyAction.SHOW_ALL_EVIDENCE),
        unprompted=unprompted,
        reply_to=origin.message_id,
        community_claim=stored.community is not None,
    )


def no_match_reply(snapshot: Snapshot, result: MatchResult, query: str = "") -> Reply:
    """Say plainly that nothing matched, show what came close, and offer to report the message."""
    close = _claims_for(snapshot, result.candidates, CLOSE_CANDIDATE_FLOOR)
    text = "No known claim matched." + (" These came closest:" if close else "")
    return Reply(
        kind=ReplyKind.NO_MATCH,
        text=text,
        candidates=close,
        actions=(ReplyAction.REPORT,),
        query=query[:MAX_QUERY_CHARS] or None,
    )


async def recorded(reply: Reply, result: MatchResult, *, origin: Origin, log: ReplyLog | None) -> Reply:
    """Remember which claim a reply showed and why, so feedback can refer to it; no message text is kept."""
    if log is None:
        _log_match(None, result)
        return reply
    try:
        reply_id = await log.record(
            origin=origin,
            kind=reply.kind,
            result=result,
            shown_claim=reply.claim.id if reply.claim else None,
            unprompted=reply.unprompted,
        )
    except StorageError:
        # The answer matters more than its bookkeeping: reply without feedback buttons, and say so in the log.
        logger.warning("could not record a reply; sending it without feedback buttons", exc_info=True)
        return dataclasses.replace(reply, actions=tuple(a for a in reply.actions if a not in FEEDBACK_ACTIONS))
    _log_match(reply_id, result)
    return dataclasses.replace(reply, reply_id=reply_id)


def _log_match(reply_id: str | None, result: MatchResult) -> None:
    """The matcher's internals go to the log (and `reply details`), never into what users read."""
    best = result.best
    if best is None or not logger.isEnabledFor(logging.INFO):
        return
    logger.info(
        "reply %s: %s %s score %.3f via %r; next %s",
        reply_id,
        result.decision.value,
        best.claim_id,
        best.score,
        best.matched_variant[:120],
        ", ".join(f"{c.claim_id} {c.score:.3f}" for c in result.candidates[1:4]) or "none",
    )


async def answer(
    snapshot: Snapshot,
    text: str,
    *,
    origin: Origin,
    log: ReplyLog | None,
    metrics: Metrics | None = None,
    hidden: frozenset[str] = frozenset(),
) -> Reply:
    """An explicit fact-check: match in a worker thread (without the claims this community hid), build the reply,
    record it."""
    with metrics.timed_match() if metrics else contextlib.nullcontext():
        result = await off_loop(snapshot.matcher.match, text, exclude=hidden)
    reply = fact_check_reply(snapshot, result, origin=origin, unprompted=False, query=text)
    return await recorded(reply, result, origin=origin, log=log)
