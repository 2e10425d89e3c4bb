"""Turn a match into the reply a user sees: the claim, its verdict, the record, or close candidates."""

from __future__ import annotations

from bot.core.live import Snapshot
from bot.core.models import (
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

# Candidates below this score are noise, not "close": they are not shown even when nothing matched.
CLOSE_CANDIDATE_FLOOR = 0.15
MAX_CLOSE_CANDIDATES = 3


def _claims_for(snapshot: Snapshot, candidates: tuple[Candidate, ...], floor: float) -> tuple[tuple[Claim, float], ...]:
    shown = [
        (snapshot.claims[c.claim_id].claim, c.score)
        for c in candidates
        if c.score >= floor and c.claim_id in snapshot.claims
    ]
    return tuple(shown[:MAX_CLOSE_CANDIDATES])


def fact_check_reply(snapshot: Snapshot, result: MatchResult, *, origin: Origin, unprompted: bool) -> Reply:
    """The answer to a fact-check request; unprompted replies are only built for `reply` decisions."""
    best = result.best
    accepted = result.decision is Decision.REPLY or (not unprompted and result.decision is Decision.SUGGEST)
    if best is None or not accepted or best.claim_id not in snapshot.claims:
        return no_match_reply(snapshot, result)
    claim = snapshot.claims[best.claim_id].claim
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
    )


def no_match_reply(snapshot: Snapshot, result: MatchResult) -> Reply:
    """Say plainly that nothing matched, show what came close, and offer to report the message."""
    close = _claims_for(snapshot, result.candidates, CLOSE_CANDIDATE_FLOOR)
    text = "No known claim matched." + (" These came closest:" if close else "")
    return Reply(kind=ReplyKind.NO_MATCH, text=text, candidates=close, actions=(ReplyAction.REPORT,))
