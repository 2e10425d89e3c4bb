"""Match chat messages to catalogue claims and decide whether the bot may speak: pure and synchronous."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.models import Candidate, Claim, Decision, MatchResult
from bot.matching.index import Bm25Index
from bot.matching.text import Analysed, analyse
from bot.matching.windows import split_windows

MAX_MATCH_CHARS = 5000
MAX_DOCS_PER_WINDOW = 256
TYPO_MIN_LENGTH = 5
TYPO_MIN_SIMILARITY = 0.8


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds on the [0, 1] match score; see the README for how they were chosen."""

    reply: float = 0.62
    suggest: float = 0.35
    reply_margin: float = 0.08
    min_reply_words: int = 3
    stance_penalty: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 <= self.suggest <= self.reply <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= suggest <= reply <= 1")
        if not 0.0 < self.stance_penalty <= 1.0:
            raise ValueError("stance_penalty must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class _Variant:
    claim_index: int
    text: str
    negations: int


class ClaimMatcher:
    """An immutable index of the active claims; rebuild it when the catalogue changes."""

    def __init__(self, claims: Sequence[Claim], thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.claims = tuple(c for c in claims if c.is_active)
        documents: list[tuple[str, ...]] = []
        self._variants: list[_Variant] = []
        self._typo_stems: dict[str, str] = {}
        for index, claim in enumerate(self.claims):
            for variant in claim.variants():
                analysed = analyse(variant.text, variant.lang)
                documents.append(analysed.terms)
                self._variants.append(_Variant(index, variant.text, analysed.negations))
                for word, stem in zip(analysed.surface, analysed.terms, strict=True):
                    if len(word) >= TYPO_MIN_LENGTH - 1:
                        self._typo_stems.setdefault(word, stem)
        self.index = Bm25Index(documents)
        self._doc_claim = np.asarray([v.claim_index for v in self._variants], dtype=np.int32)
        self._doc_negations = np.asarray([v.negations % 2 for v in self._variants], dtype=np.int8)
        self._typo_buckets: dict[tuple[int, str], list[str]] = {}
        for word in self._typo_stems:
            for key in {(len(word), word[0]), (len(word), word[1])}:
                self._typo_buckets.setdefault(key, []).append(word)

    def __len__(self) -> int:
        return len(self.claims)

    def _repair_typos(self, analysed: Analysed) -> list[str]:
        terms = list(analysed.terms)
        vocabulary = self.index.vocabulary
        for i, (word, stem) in enumerate(zip(analysed.surface, analysed.terms, strict=True)):
            if stem in vocabulary or len(word) < TYPO_MIN_LENGTH or word.isdigit():
                continue
            choices: list[str] = []
            for length in (len(word) - 1, len(word), len(word) + 1):
                for key in {(length, word[0]), (length, word[1])}:
                    choices.extend(self._typo_buckets.get(key, ()))
            if not choices:
                continue
            found = process.extractOne(
                word, choices, scorer=Levenshtein.normalized_similarity, score_cutoff=TYPO_MIN_SIMILARITY
            )
            if found:
                terms[i] = self._typo_stems[found[0]]
        return terms

    def _score_window(self, window: str, best: dict[int, Candidate]) -> None:
        analysed = analyse(window)
        if not analysed.terms:
            return
        terms = self._repair_typos(analysed)
        scores = self.index.score(terms)
        if scores is None:
            return
        docs = np.flatnonzero(scores.bm25)
        if docs.size > MAX_DOCS_PER_WINDOW:
            docs = docs[np.argpartition(scores.bm25[docs], -MAX_DOCS_PER_WINDOW)[-MAX_DOCS_PER_WINDOW:]]
        dice = 2.0 * scores.shared_idf[docs] / (self.index.doc_idf[docs] + scores.query_idf)
        stance_mismatch = self._doc_negations[docs] != (analysed.negations % 2)
        final = np.where(stance_mismatch, dice * self.thresholds.stance_penalty, dice)
        if len(terms) < self.thresholds.min_reply_words:
            # Too few content words to be sure of anything: keep it below the reply tier.
            final = np.minimum(final, self.thresholds.reply - 1e-3)
        for doc, score in zip(docs.tolist(), final.tolist(), strict=True):
            claim_index = int(self._doc_claim[doc])
            current = best.get(claim_index)
            if current is None or score > current.score:
                best[claim_index] = Candidate(
                    self.claims[claim_index].id, round(float(min(score, 1.0)), 4), self._variants[doc].text, window
                )

    def rank(self, text: str, top: int = 5) -> list[Candidate]:
        """Rank claims for a message; scores in [0, 1], best first, at most `top`."""
        best: dict[int, Candidate] = {}
        for window in split_windows(text[:MAX_MATCH_CHARS]):
            self._score_window(window, best)
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.claim_id))
        return ranked[:top]

    def match(self, text: str, top: int = 5) -> MatchResult:
        """Rank claims and decide: reply (sure enough to speak unprompted), suggest (show when asked) or none."""
        ranked = self.rank(text, max(top, 2))
        return MatchResult(self.decide(ranked), tuple(ranked[:top]))

    def decide(self, ranked: Sequence[Candidate]) -> Decision:
        """Apply the two thresholds and the margin over the runner-up."""
        if not ranked:
            return Decision.NONE
        best = ranked[0].score
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if best >= self.thresholds.reply and best - runner_up >= self.thresholds.reply_margin:
            return Decision.REPLY
        if best >= self.thresholds.suggest:
            return Decision.SUGGEST
        return Decision.NONE
