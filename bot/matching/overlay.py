"""A community's matching: the shared index (built once per catalogue version) merged, at query time, with a small
index of what the community added: its own claims, and copies of shared claims carrying its own aliases.

The shared index is never rebuilt for a community. The community's index is consulted only when the message
shares at least two words (stems, or stems that share their first five letters) with one of its claims, or one
with a claim that has a phrasing of at most three words: one word of a longer phrasing covers at most two fifths of
it (a phrasing weighs at least two and a half times the rarest word), too little to reply on. So a community's
layer costs nothing on messages about something else (benchmarks/communities.py counts how often it is consulted
and checks that the gate changes no decision).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import Candidate, Decision, MatchResult
from bot.matching.matcher import MAX_MATCH_CHARS, PREFIX, ClaimMatcher, Thresholds
from bot.matching.text import analyse_message

SHORT_PHRASING = 3  # a claim with a phrasing of at most this many words is consulted on one shared word


def merge(shared: Sequence[Candidate], local: Sequence[Candidate], top: int) -> list[Candidate]:
    """Both rankings as one, by score; a claim in both keeps its better score (the shared one on a tie).

    The leader's lead is the one its own index worked out, but no more than its margin over a runner-up from the
    other index: two indexes' lexical keys cannot be compared, their confidences can.
    """
    best: dict[str, tuple[Candidate, bool]] = {}
    for is_local, candidates in ((False, shared), (True, local)):
        for candidate in candidates:
            seen = best.get(candidate.claim_id)
            if seen is None or candidate.score > seen[0].score:
                best[candidate.claim_id] = (candidate, is_local)
    ordered = sorted(best.values(), key=lambda pair: -pair[0].score)[:top]
    if not ordered:
        return []
    leader, leader_local = ordered[0]
    lead = leader.lead
    if len(ordered) > 1 and ordered[1][1] != leader_local:
        margin = (leader.score - ordered[1][0].score) / leader.score if leader.score > 0 else 0.0
        lead = min(lead, round(margin, 6))
    return [dataclasses.replace(leader, lead=lead)] + [dataclasses.replace(c, lead=0.0) for c, _ in ordered[1:]]


@dataclass(frozen=True, slots=True)
class Gate:
    """The words of a community's own claims, and how many of a claim's words a message must contain.

    Kept small and quick, since every community has one and every message asks it: per word a bit mask of the
    claims using it, per prefix the words that begin with it, per claim the number of its words needed.
    """

    claims_of: dict[str, int]  # per word, bit i set when claim i uses it
    words_of: dict[str, str | tuple[str, ...]]  # per prefix (PREFIX letters), the word or words beginning with it
    needs: tuple[int, ...]

    @classmethod
    def of(cls, local: ClaimMatcher) -> Gate:
        """Work out the words of every claim in a community's own index (once per index)."""
        masks: dict[str, int] = {}
        needs = []
        for doc in range(len(local)):
            phrasings = [set(terms) for terms in local.phrasing_terms(doc)]
            for word in {t for terms in phrasings for t in terms}:
                masks[word] = masks.get(word, 0) | 1 << doc
            needs.append(1 if any(len(terms) <= SHORT_PHRASING for terms in phrasings) else 2)
        by_prefix: dict[str, list[str]] = {}
        for word in sorted(masks):
            if len(word) >= PREFIX:
                by_prefix.setdefault(word[:PREFIX], []).append(word)
        shared: dict[int, int] = {}  # one object per distinct mask
        claims_of = {word: shared.setdefault(mask, mask) for word, mask in masks.items()}
        # Most prefixes begin one word: that word itself, not a tuple of one (a fifth of a small index's memory).
        words_of = {prefix: words[0] if len(words) == 1 else tuple(words) for prefix, words in by_prefix.items()}
        return cls(claims_of, words_of, tuple(needs))

    def opens(self, terms: Sequence[str]) -> bool:
        """Whether some claim shares enough words with a message's terms to be worth ranking: a claim's word counts
        when the message has it, or a word of five letters or more that begins as it does."""
        claims_of, words_of = self.claims_of, self.words_of
        found: set[str] = set()
        for term in set(terms):
            if term in claims_of:
                found.add(term)
            if len(term) >= PREFIX:
                beginning = words_of.get(term[:PREFIX])
                if isinstance(beginning, str):
                    found.add(beginning)
                elif beginning is not None:
                    found.update(beginning)
        counts = [0] * len(self.needs)
        for word in found:
            mask = claims_of[word]
            while mask:
                claim = (mask & -mask).bit_length() - 1
                mask &= mask - 1
                counts[claim] += 1
                if counts[claim] >= self.needs[claim]:
                    return True
        return False


class CommunityMatcher:
    """The shared matcher with one community's own index on top; same interface as ClaimMatcher."""

    def __init__(self, shared: ClaimMatcher, local: ClaimMatcher, gate: Gate | None = None) -> None:
        self.shared = shared
        self.local = local
        self.thresholds: Thresholds = shared.thresholds
        # Worked out once per community index and passed in again, since a view is made per message.
        self.gate = Gate.of(local) if gate is None else gate

    def __len__(self) -> int:
        return len(self.shared) + len(self.local)

    def touches(self, text: str) -> bool:
        """Whether the message could concern one of the community's own claims (analysed once for both indexes)."""
        return self.gate.opens(analyse_message(text[:MAX_MATCH_CHARS]).terms)

    def rank(self, text: str, top: int = 5, *, exclude: frozenset[str] = frozenset()) -> list[Candidate]:
        """The shared ranking, merged with the community's own when the message could concern it."""
        shared = self.shared.rank(text, top, exclude=exclude)
        if not len(self.local) or not self.touches(text):
            return shared
        # A word the shared catalogue knows is spelt right: the community's index does not repair it into one of its
        # own words ("gates" is not a typo of a community's "dates"), which also spares most of the repairs.
        local = self.local.rank(text, top, exclude=exclude, spelt=self.shared.index.vocabulary)
        return merge(shared, local, top)

    def match(self, text: str, top: int = 5, *, exclude: frozenset[str] = frozenset()) -> MatchResult:
        """Rank both and decide with the shared thresholds."""
        ranked = self.rank(text, max(top, 2), exclude=exclude)
        return MatchResult(self.decide(ranked), tuple(ranked[:top]))

    def decide(self, ranked: Sequence[Candidate]) -> Decision:
        """The shared matcher's decision rules, unchanged."""
        return self.shared.decide(ranked)
