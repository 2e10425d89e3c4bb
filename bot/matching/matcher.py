"""Match chat messages to catalogue claims and decide whether the bot may speak: pure and synchronous.

How a message is scored (benchmarks/README.md has the measurements behind each choice):

1. Normalisation (`text.py`). Clean, guess the language, drop stop-words, stem with that language's Snowball
   stemmer, fold accents, and note for every word whether it stands under a negation. Words the catalogue
   does not know are repaired against its vocabulary (typos) or split into known words ("#natoexpansion").
2. Windows (`windows.py`). A message of up to WHOLE_TERMS content words is matched whole; a longer one in
   overlapping windows of WINDOW_TERMS words, so a claim in one sentence of a long chatty message is not
   drowned out and words scattered over a long text cannot add up to a claim.
3. Ranking. BM25 over one document per claim (its text plus all its aliases). A claim's key is its best
   window's BM25 score; for a claim with a negated phrasing (only those can have a mirror claim), times the
   stance factor of the phrasing (claim text or alias) that fits the window best: 1 when the words they share
   stand under the same negations, down to `stance_penalty` when none do. So "NATO never promised not to
   expand" ranks the claim that denies the promise above the one that asserts it, and "NATO didn't promise
   Russia it wouldn't expand" likewise, while a message that denies a claim with no mirror still finds it.
4. Confidence, for the leading claims only. Against each phrasing: coverage (how much of the phrasing, and of
   the claim's core - the words its phrasings in that language repeat - the window contains; IDF-weighted,
   with a floor so that words every claim shares still count, and partial credit for stems that share a
   prefix) and focus (how much of the window span between the first and last matched word the claim's
   vocabulary explains), combined as an F-beta score that favours coverage, times the stance factor. A claim's
   score is its best confidence, capped at the score above it so the list stays ordered and a runner-up that
   looks surer than the leader leaves no margin to reply on. Two changes of order on confidence: a runner-up
   surer by more than SWAP_MARGIN comes first; and a leader keyed down for stance gives way to its declared
   mirror claim (`Claim.mirror`) when the mirror's words agree with the message and it is surer at all.
5. Decision. `reply` (speak unprompted) needs a score of at least `reply`, a claim the message does not deny
   outright when it has a mirror (the side is then unsure), a margin of `reply_margin` over the runner-up, a
   lead of `min_lead` on the lexical key (a tie there means the order is arbitrary) and `min_reply_words`
   content words in the matched window; without one of the claim's anchors there (its names and numbers,
   `anchors.py`) it needs `unanchored_reply`, so that an idiom sharing the claim's other words does not make
   it speak; `suggest` (offer when asked) covers
   scores from `suggest` up.

Work is bounded for any input: the text is cut to MAX_MATCH_CHARS characters, windows to MAX_WINDOWS, claims
keyed per window to those that can still reach the top, and the detailed confidence runs for CONFIDENCE_CLAIMS
claims in CONFIDENCE_WINDOWS windows each. Nothing compares the message with every claim.

Optional semantic re-ranking (`semantic.py`, off unless a SemanticReranker is passed): the claims leading on
the lexical key and those closest to the message in embedding space (the `candidates` best of each) are
ordered by weight x key / best key + (1 - weight) x cosine x stance factor, the cosine being the best over the
claim's phrasings and up to `max_windows` of the message's windows; only for messages in the model's
`languages`. The scores, and so the decision, stay the lexical confidences of the claims in that order, capped
as above, and capped below `reply` when the fused leader is not the lexical one: semantic similarity changes
which claim is offered, and never makes the bot speak unprompted where lexical evidence would not. Nor does
it overrule a lexical leader that is sure enough to reply on its own: such messages keep the lexical order.
"""

from __future__ import annotations

import gc
import heapq
from array import array
from collections.abc import Callable, Collection, Container, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from sys import intern
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.domain.models import Candidate, Claim, Decision, MatchResult
from bot.matching.anchors import anchor_sets
from bot.matching.index import Bm25Index
from bot.matching.negation import negation_cues
from bot.matching.semantic import SemanticReranker, claim_similarities, fuse, pick_windows
from bot.matching.stemming import content_words, stem_words
from bot.matching.text import Analysed, analyse, analyse_message
from bot.matching.windows import term_windows

MAX_MATCH_CHARS = 8000  # a longer message is matched on its first MAX_MATCH_CHARS characters
MAX_WINDOWS = 64
WHOLE_TERMS = 40  # a message with at most this many content words is matched whole ...
WINDOW_TERMS = 20  # ... a longer one in overlapping windows of this many words,
WINDOW_STRIDE = 8  # this many apart (or further, so that MAX_WINDOWS windows still cover the whole text)
MAX_CANDIDATES = 64  # at most this many claims keyed per window
CONFIDENCE_CLAIMS = 6  # leading claims whose confidence is worked out in detail
CONFIDENCE_WINDOWS = 3  # per leading claim, its best windows by key
TYPO_MIN_LENGTH = 4  # shorter unknown words are not repaired
TYPO_MIN_SIMILARITY = 0.75  # normalised Levenshtein similarity a repair needs
REPAIR_CACHE = 4096  # unknown words whose repair a large index remembers (the same word is repaired the same way)
SEGMENT_MIN_LENGTH = 8  # shorter unknown words are not split
PREFIX = 5  # stems that share this many leading characters ("expand"/"expans", "german"/"germani") ...
PREFIX_CREDIT = 0.7  # ... count for this share of a full match in the confidence
WEIGHT_FLOOR = 0.5  # share of the largest IDF below which no word's confidence weight falls
MIN_PHRASING_MASS = 2.5  # a phrasing is covered in full only by IDF mass worth this many of the rarest words
CORE_SHARE = 0.5  # share of the claim's core in the coverage; the rest is the phrasing's own
COVERAGE_WEIGHT = 2.0  # beta of the F-beta score: coverage counts this many times as much as focus
# Far above floating-point error and far below a difference of DIGITS decimals: an upper bound this much below the
# best so far rules a phrasing out however its score would round.
BOUND_SLACK = 1e-9
CORE_CACHE = 4096  # claims whose core and vocabulary are kept between messages
# When the runner-up's confidence exceeds the lexical leader's by more than this, the runner-up comes first
# (chosen on nato-dev and CLEF-2020 train and dev: benchmarks/README.md).
SWAP_MARGIN = 0.1
# An index of at most this many terms is small (a community's own): it keeps no per-term dicts and no typo-repair
# buckets, and reads its arrays and picks repair candidates out on demand, where the dicts would cost most of it.
SMALL_VOCABULARY = 1000
# Sums over sets run in an order Python's hash seed decides, so the last bits of a float may differ between runs:
# values are rounded to this many digits before they are compared, and equal ones keep their catalogue order.
DIGITS = 12


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds on the [0, 1] match score; benchmarks/README.md says how they were chosen."""

    reply: float = 0.47
    suggest: float = 0.30
    reply_margin: float = 0.0
    min_reply_words: int = 3
    stance_penalty: float = 0.6
    unanchored_reply: float = 0.55  # the reply threshold (if higher) when the matched part names no anchor
    min_lead: float = 0.01  # the lexical lead over the runner-up a reply needs: a tie is never "very sure"

    def __post_init__(self) -> None:
        if not 0.0 <= self.suggest <= self.reply <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= suggest <= reply <= 1")
        if not 0.0 < self.stance_penalty <= 1.0:
            raise ValueError("stance_penalty must be in (0, 1]")
        if not 0.0 <= self.unanchored_reply <= 1.0:
            raise ValueError("unanchored_reply must be in [0, 1]")
        if not 0.0 <= self.min_lead <= 1.0:
            raise ValueError("min_lead must be in [0, 1]")
        if not 0.0 <= self.reply_margin <= 1.0:
            raise ValueError("reply_margin must be in [0, 1]")
        if self.min_reply_words < 1:
            raise ValueError("min_reply_words must be at least 1")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building: the index is hundreds of thousands of small tuples
    and none of them are garbage, so collections during the build only cost time (a fifth of it at 100k)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_NO_DOCS: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)


def _letters(words: Sequence[str]) -> npt.NDArray[np.uint64]:
    """Per word, a bit for each of its letters (code point mod 64), so candidates can be ruled out in bulk: a
    letter one word has and the other lacks costs an edit, and letters sharing a bit only make that bound lower."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    points = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    bits = np.left_shift(np.uint64(1), (points & np.uint32(63)).astype(np.uint64))
    starts = np.cumsum([0, *map(len, words[:-1])], dtype=np.int64)
    return np.bitwise_or.reduceat(bits, starts)


def _letter_bits(word: str) -> int:
    """`_letters` of one word, in Python: quicker for one than the NumPy calls."""
    bits = 0
    for point in map(ord, word):
        bits |= 1 << (point & 63)
    return bits


def _at_most_bits(masks: npt.NDArray[np.uint64], count: int) -> npt.NDArray[np.bool_]:
    """Which masks have at most `count` bits set: clearing the lowest set bit `count` times leaves them 0."""
    for _ in range(count):
        masks = masks & (masks - np.uint64(1))
    cleared: npt.NDArray[np.bool_] = masks == 0
    return cleared


class _IndexedValues:
    """A per-term value read through the index's vocabulary from an array: a dict per term, for a few hundred
    terms, costs more memory than the rest of a small index."""

    __slots__ = ("_ids", "_values")

    def __init__(self, ids: dict[str, int], values: array[float]) -> None:
        self._ids = ids
        self._values = values

    def get(self, term: str, default: float, /) -> float:
        found = self._ids.get(term)
        return default if found is None else self._values[found]


TermValues = dict[str, float] | _IndexedValues


class _Phrasing(NamedTuple):
    """One phrasing of a claim (its text or an alias), kept small: there are hundreds of thousands."""

    number: int  # position in Claim.variants()
    terms: tuple[str, ...]
    stances: tuple[int, ...]  # per term: 1 under a negation, 0 not, -1 for negation words; () if all 0
    weight: float  # confidence weight (floored IDF) of its distinct terms
    lang: str


@dataclass(frozen=True, slots=True)
class _Core:
    """What the confidence needs about a whole claim, worked out on demand and cached."""

    vocabulary: frozenset[str]
    prefixes: frozenset[str]
    by_lang: dict[str, tuple[dict[str, float], float]]  # language -> (term -> weight x share of phrasings, total)


@dataclass(frozen=True, slots=True)
class _Window:
    """One analysed window of a message."""

    text: str
    terms: tuple[str, ...]  # query terms in reading order, after typo repair
    query: frozenset[str]
    stances: dict[str, int]
    prefixes: frozenset[str]
    bm25: npt.NDArray[np.float32] | None  # BM25 score of every claim; None when no term is in the index
    docs: npt.NDArray[np.intp]  # ascending: the claims scoring above 0 (in some query term's postings)
    weights: tuple[float, ...] = ()  # per term, its confidence weight
    term_prefixes: tuple[str, ...] = ()  # per term, its prefix ("" when too short)
    negated: bool = False  # some term stands under a negation
    previous: tuple[int, ...] = ()  # per term, where the same term last occurs before it (-1: nowhere)


@dataclass(slots=True)
class _Found:
    """What ranking learnt about one claim over a message's windows."""

    key: float
    stance: float = 1.0  # the stance factor in the claim's best-keyed window
    windows: list[tuple[float, int]] = field(default_factory=list)  # (key, window index), bounded

    def add(self, key: float, window: int, stance: float = 1.0) -> None:
        if key > self.key or not self.windows:
            self.key, self.stance = key, stance
        self.windows.append((key, window))
        if len(self.windows) > CONFIDENCE_WINDOWS:
            self.windows.sort(key=lambda kw: -kw[0])
            del self.windows[CONFIDENCE_WINDOWS:]


class ClaimMatcher:
    """An immutable index of the active claims; rebuild it when the catalogue changes."""

    def __init__(
        self,
        claims: Sequence[Claim],
        thresholds: Thresholds | None = None,
        semantic: SemanticReranker | None = None,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.semantic = semantic
        self.claims = tuple(c for c in claims if c.is_active)
        self._doc_of = {claim.id: doc for doc, claim in enumerate(self.claims)}
        with _gc_paused():
            self._build()
        self._core = lru_cache(maxsize=CORE_CACHE)(self._make_core)
        # An unknown word is repaired the same way every time against one index; chat repeats its misspellings.
        # A small index (a community's own; thousands may be cached) remembers none: its repair is cheap already.
        remembered = REPAIR_CACHE if self._typo_buckets is not None else 0
        self._repair = lru_cache(maxsize=remembered)(self._closest)
        if semantic is not None:
            # In the thread that builds the matcher (LiveCatalogue runs it off the event loop).
            texts = [variant.text for claim in self.claims for variant in claim.variants()]
            counts = [len(claim.variants()) for claim in self.claims]
            self._starts = np.cumsum([0, *counts[:-1]], dtype=np.int64) if counts else np.zeros(0, np.int64)
            self._vectors = semantic.encode_catalogue(texts)

    def _build(self) -> None:
        documents: list[list[str]] = []
        phrasings: list[list[tuple[tuple[str, ...], tuple[int, ...], str]]] = []
        surface_stems: dict[str, str] = {}
        analysed: list[list[tuple[str, Analysed]]] = []
        for claim in self.claims:
            doc: list[str] = []
            parts: list[tuple[tuple[str, ...], tuple[int, ...], str]] = []
            analysed.append([])
            texts = ((claim.claim, claim.lang), *((a.text, a.lang) for a in claim.aliases))
            for text, lang in texts:  # the order of Claim.variants()
                result = analyse(text, lang)
                # Kept for the anchors until the end of the build: with its words interned (repeated words share one
                # string) and nothing else the anchors do not read, a third of the build's peak memory at 100k claims.
                slim = result._replace(surface=tuple(map(intern, result.surface)), stances=(), cleaned="", offsets=())
                analysed[-1].append((text, slim))
                doc.extend(result.terms)
                stances: tuple[int, ...] = ()  # () stands for "all 0": most phrasings negate nothing
                cues = negation_cues(result.lang)
                if result.negations or not cues.isdisjoint(result.surface):
                    stances = tuple(-1 if w in cues else s for w, s in zip(result.surface, result.stances, strict=True))
                parts.append((result.terms, stances, result.lang))
                surface_stems.update(zip(slim.surface, result.terms, strict=True))
            documents.append(doc)
            phrasings.append(parts)
        self.index = Bm25Index(documents)
        del documents
        self._floor = WEIGHT_FLOOR * self.index.max_idf
        floor = self._floor
        self._unknown_weight = max(self.index.max_idf, floor)
        vocabulary = self.index.vocabulary
        self._idf_by_term: TermValues
        self._weights: TermValues
        small = len(vocabulary) <= SMALL_VOCABULARY
        if not small:
            # Per term, looked up in a dict: the confidence asks for hundreds of thousands of weights per second.
            idf = self.index.idf.tolist()
            self._idf_by_term = {t: idf[i] for t, i in vocabulary.items()}
            self._weights = {t: max(idf[i], floor) for t, i in vocabulary.items()}
        else:
            # A community's own index: two dicts per term would cost more than the rest of it.
            values = array("d", self.index.idf.tolist())
            self._idf_by_term = _IndexedValues(vocabulary, values)
            self._weights = _IndexedValues(vocabulary, array("d", (max(v, floor) for v in values)))
        weight_of = self._weights.get
        unknown = self._unknown_weight
        self._phrasings: tuple[tuple[_Phrasing, ...], ...] = tuple(
            tuple(
                _Phrasing(number, terms, stances, sum(weight_of(t, unknown) for t in set(terms)), lang)
                for number, (terms, stances, lang) in enumerate(parts)
            )
            for parts in phrasings
        )
        del phrasings
        # Claims with a phrasing that negates something: only these can have a mirror claim, so only these
        # are keyed down on a stance mismatch. A claim stated without any negation is most likely the very
        # claim a negated message denies.
        self._negatable = [any(p.stances for p in parts) for parts in self._phrasings]
        self._anchors = tuple(anchor_sets(analysed))
        del analysed
        # Its words are interned: a community's own index shares the strings of words the shared index or another has.
        self._surface_stems = {w: t for w, t in surface_stems.items() if w.isalpha()}
        # Repair candidates by (length, first or second letter). A small index (a community's own claims) keeps
        # only its words by length and picks a bucket out on demand: the same words in the same order, for a
        # fraction of the memory.
        # The buckets lie end to end in one array (of str objects, to pick the candidates left out in C), each word
        # with a mask of its letters beside it (`_letters`).
        self._typo_buckets: dict[tuple[int, str], tuple[int, int]] | None = None  # key -> (start, end)
        self._typo_words: npt.NDArray[np.object_] = np.zeros(0, dtype=object)
        self._typo_letters: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        self._words_by_length: dict[int, tuple[str, ...]] = {}
        repairable = [word for word in self._surface_stems if len(word) >= TYPO_MIN_LENGTH - 1]
        if not small:
            buckets: dict[tuple[int, str], list[str]] = {}
            for word in repairable:
                for key in dict.fromkeys(((len(word), word[0]), (len(word), word[1]))):  # in order: no hash seed
                    buckets.setdefault(key, []).append(word)
            self._typo_buckets = {}
            words: list[str] = []
            for key, bucket in buckets.items():
                self._typo_buckets[key] = (len(words), len(words) + len(bucket))
                words.extend(bucket)
            self._typo_words = np.array(words, dtype=object)
            self._typo_letters = _letters(words)
        else:
            by_length: dict[int, list[str]] = {}
            for word in repairable:
                by_length.setdefault(len(word), []).append(word)
            self._words_by_length = {length: tuple(words) for length, words in by_length.items()}

    def __len__(self) -> int:
        return len(self.claims)

    def phrasing_terms(self, doc: int) -> list[tuple[str, ...]]:
        """The index terms of each phrasing of a claim (its position in `claims`), in the order of its variants."""
        return [phrasing.terms for phrasing in self._phrasings[doc]]

    # ------------------------------------------------------------------------------------------ weights

    def _idf_of(self, term: str) -> float:
        return self._idf_by_term.get(term, self.index.max_idf)

    def _weight(self, term: str) -> float:
        """A word's weight for confidence: its IDF, but never below a floor, because a word every claim shares
        ("NATO" in a catalogue about NATO) still tells an on-topic message from chatter."""
        return self._weights.get(term, self._unknown_weight)

    def _make_core(self, doc: int) -> _Core:
        """A claim's vocabulary and core: per language, each term weighted by the share of the claim's
        phrasings in that language that use it, so the words every phrasing repeats count most."""
        phrasings = self._phrasings[doc]
        # Each phrasing's distinct terms, once: a frozenset iterates as set(terms) would, so the core's terms come
        # in the order they always did (the order its sums add them in).
        own = [frozenset(phrasing.terms) for phrasing in phrasings]
        own_prefixes = [frozenset([t[:PREFIX] for t in terms if len(t) >= PREFIX]) for terms in own]
        by_lang: dict[str, list[frozenset[str]]] = {}
        for phrasing, terms in zip(phrasings, own, strict=True):
            by_lang.setdefault(phrasing.lang, []).append(terms)
        cores: dict[str, tuple[dict[str, float], float]] = {}
        weight, unknown = self._weights.get, self._unknown_weight
        for lang, group in by_lang.items():
            counts = dict.fromkeys(group[0], 1)  # what counting the first phrasing's terms makes, in C
            for terms in group[1:]:
                for term in terms:
                    counts[term] = counts.get(term, 0) + 1
            size = len(group)
            weights = {t: weight(t, unknown) * n / size for t, n in counts.items()}
            cores[lang] = (weights, sum(weights.values()))
        # Nothing per phrasing is kept: every object a cached core holds makes the garbage collector run more often
        # (a fifth of the time the core saves), and a claim's core is mostly made for one message.
        return _Core(frozenset().union(*own), frozenset().union(*own_prefixes), cores)

    # ------------------------------------------------------------------------------------------ query terms

    def _closest(self, word: str) -> str | None:
        """The catalogue word a misspelt word most likely meant, if close enough (`_repair`: remembered, if large).

        Candidates are the words one letter shorter, as long and one longer, sharing the first or second letter,
        in that order (by length, then those sharing the first letter, then the second); the best similarity wins,
        the first candidate on a tie. Candidates whose letters alone rule out the similarity are dropped first,
        in NumPy: they could never win, and scoring them was most of the time a repair took.
        """
        buckets = self._typo_buckets
        if buckets is None:
            return self._repair_on_demand(word)
        spans: list[tuple[int, int]] = []
        ends: list[int] = []  # where each bucket ends among the candidates
        shifts: list[int] = []  # from a candidate's position to its word's
        for length in (len(word) - 1, len(word), len(word) + 1):
            for key in dict.fromkeys(((length, word[0]), (length, word[1]))):
                span = buckets.get(key)
                if span is not None:
                    begin = ends[-1] if ends else 0
                    spans.append(span)
                    ends.append(begin + span[1] - span[0])
                    shifts.append(span[0] - begin)
        if not spans:
            return None
        letters = self._typo_letters
        mine = np.uint64(_letter_bits(word))
        candidates = np.concatenate([letters[start:end] for start, end in spans])
        # Each letter one word has and the other lacks takes an edit of its own, and a repair allows at most
        # a quarter of the longer word's length in edits (TYPO_MIN_SIMILARITY): (len(word) + 1) // 4 at most.
        edits = int((1.0 - TYPO_MIN_SIMILARITY) * (len(word) + 1) + 1e-9)
        close = _at_most_bits(candidates & ~mine, edits) & _at_most_bits(mine & ~candidates, edits)
        hits = np.flatnonzero(close)
        if not hits.size:
            return None
        hits += np.asarray(shifts)[np.searchsorted(ends, hits, side="right")]
        choices: list[str] = self._typo_words[hits].tolist()  # in the buckets' order
        found = process.extractOne(
            word, choices, scorer=Levenshtein.normalized_similarity, score_cutoff=TYPO_MIN_SIMILARITY
        )
        return found[0] if found else None

    def _repair_on_demand(self, word: str) -> str | None:
        """`_repair` for a small index, which keeps no buckets: every word of the three lengths is scored (in C),
        and the few close enough are put in the buckets' order in Python; the same repair, in a fraction of the
        time that picking the buckets' words out in Python took."""
        by_length = self._words_by_length
        n = len(word)
        pool = by_length.get(n - 1, ()) + by_length.get(n, ()) + by_length.get(n + 1, ())
        if not pool:
            return None
        close = process.extract(
            word, pool, scorer=Levenshtein.normalized_similarity, score_cutoff=TYPO_MIN_SIMILARITY, limit=None
        )
        first, second = word[0], word[1]
        best: tuple[float, int, int, int] | None = None  # (-similarity, length, letter class, position)
        for choice, similarity, position in close:
            letters = (choice[0], choice[1])
            if first in letters:
                order = (-similarity, len(choice), 0, position)
            elif second in letters:
                order = (-similarity, len(choice), 1, position)
            else:
                continue
            if best is None or order < best:
                best = order
        return pool[best[3]] if best is not None else None

    def _segment(self, word: str) -> list[str] | None:
        """Split a run-together word into two or three catalogue words, preferring the longest first part."""
        known = self._surface_stems
        n = len(word)
        for i in range(n - 3, 2, -1):
            if word[:i] in known and word[i:] in known:
                return [word[:i], word[i:]]
        for i in range(n - 6, 2, -1):
            if word[:i] not in known:
                continue
            for j in range(i + 3, n - 2):
                if word[i:j] in known and word[j:] in known:
                    return [word[:i], word[i:j], word[j:]]
        return None

    def _query_terms(
        self, analysed: Analysed, spelt: Container[str] = frozenset()
    ) -> tuple[list[str], list[int], list[int]]:
        """The message's stems, with words neither the catalogue nor `spelt` knows repaired or split where possible.

        Returns the terms, their stances (-1 for negation words, which the stance check leaves out) and the
        index of the word each term came from.
        """
        terms: list[str] = []
        stances: list[int] = []
        origin: list[int] = []
        vocabulary = self.index.vocabulary
        cues = negation_cues(analysed.lang)
        for i, (word, stem, stance) in enumerate(zip(analysed.surface, analysed.terms, analysed.stances, strict=True)):
            found = [stem]
            if stem not in vocabulary and stem not in spelt and word.isalpha() and len(word) >= TYPO_MIN_LENGTH:
                parts = self._segment(word) if len(word) >= SEGMENT_MIN_LENGTH else None
                if parts:
                    found = stem_words(content_words(parts, analysed.lang), analysed.lang) or [stem]
                else:
                    repaired = self._repair(word)
                    if repaired:
                        found = [self._surface_stems[repaired]]
            for term in found:
                terms.append(term)
                stances.append(-1 if word in cues else stance)
                origin.append(i)
        return terms, stances, origin

    # ------------------------------------------------------------------------------------------ windows

    def _window(self, text: str, terms: Sequence[str], stances: Sequence[int]) -> _Window:
        stance_of: dict[str, int] = {}
        for term, stance in zip(terms, stances, strict=True):
            if stance >= 0:
                stance_of.setdefault(term, stance)
        scores = self.index.score(terms) if terms else None
        term_prefixes = tuple([t[:PREFIX] if len(t) >= PREFIX else "" for t in terms])
        weight, unknown = self._weights.get, self._unknown_weight
        last_at: dict[str, int] = {}
        previous = []
        for i, term in enumerate(terms):
            previous.append(last_at.get(term, -1))
            last_at[term] = i
        return _Window(
            text,
            tuple(terms),
            frozenset(terms),
            stance_of,
            frozenset(p for p in term_prefixes if p),
            scores.bm25 if scores is not None else None,
            scores.docs if scores is not None else _NO_DOCS,
            tuple([weight(t, unknown) for t in terms]),
            term_prefixes,
            any(stance_of.values()),
            tuple(previous),
        )

    def _windows(self, text: str, spelt: Container[str] = frozenset()) -> tuple[list[_Window], str]:
        """The whole message if short, else overlapping runs of WINDOW_TERMS words (windows.py); and its language."""
        text = text[:MAX_MATCH_CHARS]
        analysed = analyse_message(text)
        terms, stances, origin = self._query_terms(analysed, spelt)
        if not terms:
            return [], analysed.lang
        if len(terms) <= WHOLE_TERMS:
            return [self._window(text.strip(), terms, stances)], analysed.lang
        windows: list[_Window] = []
        for start, end in term_windows(len(terms), WINDOW_TERMS, WINDOW_STRIDE, MAX_WINDOWS):
            first, last = analysed.offsets[origin[start]], analysed.offsets[origin[end - 1]]
            windows.append(self._window(analysed.cleaned[first[0] : last[1]], terms[start:end], stances[start:end]))
        return windows, analysed.lang

    # ------------------------------------------------------------------------------------------ stance

    def _stance_factor(self, window: _Window, phrasing: _Phrasing, shared: frozenset[str]) -> float:
        """1 when the shared words stand under the same negations in the window and the phrasing, falling to
        the stance penalty as they disagree (IDF-weighted): "NATO promised not to expand" agrees with "NATO
        pledged it would not expand" and disagrees with "NATO never promised not to expand"."""
        if not phrasing.stances and not window.negated:
            return 1.0  # nothing stands under a negation on either side: every shared word agrees
        agree = total = 0.0
        theirs = dict(zip(phrasing.terms, phrasing.stances, strict=True)) if phrasing.stances else {}
        weight_of, unknown = self._weights.get, self._unknown_weight  # what _weight reads
        for term in shared:
            mine = window.stances.get(term)
            their = theirs.get(term, -1) if phrasing.stances else 0
            if mine is None or their < 0:
                continue
            weight = weight_of(term, unknown)
            total += weight
            if mine == their:
                agree += weight
        if not total:
            return 1.0
        penalty = self.thresholds.stance_penalty
        return round(penalty + (1.0 - penalty) * agree / total, DIGITS)

    # ------------------------------------------------------------------------------------------ ranking

    def _rank_window(
        self,
        index: int,
        window: _Window,
        found: dict[int, _Found],
        needed: int,
        hidden: Collection[int] = (),
        *,
        prune: bool = False,
    ) -> None:
        """Key the claims that could make the top `needed` (of those not hidden) in this window.

        With `prune` (for a message of one window ranked on lexical evidence alone, where only the top `needed`
        keys are ever read) claims are keyed best BM25 first, and the rest left out once none can reach the
        top: the stance factor is at most 1, so no key exceeds its BM25 score.
        """
        bm25 = window.bm25
        if bm25 is None:
            return
        docs = window.docs
        if docs.size > needed + len(hidden):
            scores = bm25[docs]
            # The stance factor is at least the penalty, so a claim below penalty x the needed-th score cannot
            # overtake the claims above it: only claims above that line are keyed.
            line = float(np.partition(scores, -(needed + len(hidden)))[-(needed + len(hidden))])
            line *= self.thresholds.stance_penalty
            wider = docs[scores >= line]
            if wider.size > MAX_CANDIDATES:
                wider = wider[np.argpartition(bm25[wider], -MAX_CANDIDATES)[-MAX_CANDIDATES:]]
            docs = wider
        idf: dict[str, float] | None = None
        query_idf = 0.0
        query = window.query
        negatable = self._negatable
        keys = bm25[docs]
        if prune:  # best first (the order of equal scores does not matter: each claim's key is its own)
            order = np.argsort(-keys)
            docs, keys = docs[order], keys[order]
        candidates = zip(docs.tolist(), keys.tolist(), strict=True)
        tops: list[float] = []  # pruning: the `needed` best keys so far, a heap (the lowest first)
        for doc, key in candidates:
            if prune and len(tops) == needed and key < tops[0]:
                break  # this claim's key, and every later one's, is below the needed-th best key
            if doc in hidden:
                continue  # left out of the ranking anyway
            stance = 1.0
            if negatable[doc]:
                if idf is None:
                    idf_of, rarest = self._idf_by_term.get, self.index.max_idf  # what _idf_of reads
                    idf = {t: idf_of(t, rarest) for t in query}
                    query_idf = sum(idf.values())
                stance = self._stance_of_best_fit(window, doc, idf, query_idf)
                key *= stance
            if prune:
                if len(tops) < needed:
                    heapq.heappush(tops, key)
                else:
                    heapq.heappushpop(tops, key)
            state = found.get(doc)
            if state is None:
                found[doc] = _Found(key, stance, [(key, index)])  # what add() makes of a first window
            else:
                state.add(key, index, stance)

    def _stance_of_best_fit(self, window: _Window, doc: int, idf: dict[str, float], query_idf: float) -> float:
        """The stance factor of the claim's phrasing that overlaps the window most (IDF-weighted Dice), or of
        a phrasing nearly as close that agrees better: max(overlap x factor) / max(overlap)."""
        best_plain = best_stanced = 0.0
        for phrasing in self._phrasings[doc]:
            shared = window.query.intersection(phrasing.terms)
            if not shared:
                continue
            plain = round(sum([idf[t] for t in shared]) / (query_idf + phrasing.weight), DIGITS)
            best_plain = max(best_plain, plain)
            if plain > best_stanced:
                best_stanced = max(best_stanced, plain * self._stance_factor(window, phrasing, shared))
        return round(best_stanced / best_plain, DIGITS) if best_plain else 1.0

    # ------------------------------------------------------------------------------------------ confidence

    def _confidence(self, doc: int, window: _Window) -> tuple[float, _Phrasing | None]:
        """The phrasing of a claim that best fits a window, and how sure we are that the window states it."""
        core = self._core(doc)
        weights = window.weights
        weight = self._weights.get
        unknown = self._unknown_weight
        # The window's prefixes are all PREFIX long, so a shorter word's t[:PREFIX] (itself) is never among them.
        query, window_prefixes, term_prefixes = window.query, window.prefixes, window.term_prefixes
        terms, previous = window.terms, window.previous
        vocabulary, core_prefixes = core.vocabulary, core.prefixes
        min_mass = MIN_PHRASING_MASS * self.index.max_idf
        beta2 = COVERAGE_WEIGHT**2
        best, best_phrasing = 0.0, None
        core_share_of: dict[str, float] = {}  # per language: how much of the claim's core the window covers
        focus_of: dict[tuple[int, int], float] = {}  # per span of the window: how much of it the claim explains
        for phrasing in self._phrasings[doc]:
            shared = query.intersection(phrasing.terms)
            if not shared:
                continue
            own = set(phrasing.terms)
            # Sums over lists, not generators: the same additions in the same order, with less overhead per word.
            covered = sum([weight(t, unknown) for t in shared]) + PREFIX_CREDIT * sum(
                [weight(t, unknown) for t in own - shared if t[:PREFIX] in window_prefixes]
            )
            coverage = min(covered / max(phrasing.weight, min_mass), 1.0)
            if CORE_SHARE:
                core_part = core_share_of.get(phrasing.lang)
                if core_part is None:
                    core_weights, core_mass = core.by_lang[phrasing.lang]
                    core_covered = sum(
                        [
                            w if t in query else PREFIX_CREDIT * w if t[:PREFIX] in window_prefixes else 0.0
                            for t, w in core_weights.items()
                        ]
                    )
                    core_part = core_share_of[phrasing.lang] = min(core_covered / core_mass, 1.0)
                coverage = (1.0 - CORE_SHARE) * coverage + CORE_SHARE * core_part
            if not coverage:
                continue
            # Focus and the stance factor are at most 1 and the score grows with focus: a phrasing whose score at a
            # focus of 1 stays below the best so far cannot beat it (BOUND_SLACK covers rounding), so its focus is
            # not worked out.
            if best and (1.0 + beta2) * coverage / (beta2 + coverage) < best - BOUND_SLACK:
                continue
            # Focus: the span from the first to the last window word this phrasing accounts for (some word is:
            # the phrasing shares one with the window).
            # A shorter word's t[:PREFIX] is the word itself, which no window prefix (PREFIX long, or "") equals.
            prefixes = {t[:PREFIX] for t in own}
            first = 0
            while terms[first] not in own and term_prefixes[first] not in prefixes:
                first += 1
            last = len(terms) - 1
            while terms[last] not in own and term_prefixes[last] not in prefixes:
                last -= 1
            focus = focus_of.get((first, last))
            if focus is None:
                # Each distinct word of the span once, where it first occurs in it, weighted by how much of it the
                # claim's vocabulary explains: 1, PREFIX_CREDIT or 0.
                span_weight = span_explained = 0.0
                for i in range(first, last + 1):
                    if previous[i] < first:
                        term = terms[i]
                        explained = (
                            1.0 if term in vocabulary else PREFIX_CREDIT if term_prefixes[i] in core_prefixes else 0.0
                        )
                        span_weight += weights[i]
                        span_explained += weights[i] * explained
                focus = focus_of[first, last] = span_explained / span_weight if span_weight else 0.0
            if not focus:
                continue
            value = (1.0 + beta2) * coverage * focus / (beta2 * focus + coverage)
            if phrasing.stances or window.negated:  # else every shared word agrees: a factor of 1
                value *= self._stance_factor(window, phrasing, shared)
            value = round(value, DIGITS)
            if value > best:
                best, best_phrasing = value, phrasing
        return best, best_phrasing

    # ------------------------------------------------------------------------------------------ public API

    def rank(
        self, text: str, top: int = 5, *, exclude: frozenset[str] = frozenset(), spelt: Container[str] = frozenset()
    ) -> list[Candidate]:
        """Rank claims for a message, best first, at most `top`; scores are confidences in [0, 1].

        `exclude` names claims to leave out (those a community hid), applied to this query only: the index is
        shared and never rebuilt for it. `spelt` holds terms another index knows (the shared one, for a
        community's own): they are words spelt right, so they are not repaired into this index's words.

        Claims are ordered by lexical evidence (BM25 with the stance factor); each score is the claim's
        confidence, capped at the score above it, so the list stays ordered and a runner-up that looks surer
        than the leader leaves no margin to reply on.
        """
        if top < 1:
            return []
        windows, lang = self._windows(text, spelt)
        semantic = self.semantic if self.semantic is not None and lang in self.semantic.languages else None
        needed = max(top, CONFIDENCE_CLAIMS, semantic.candidates if semantic is not None else 0)
        found: dict[int, _Found] = {}
        hidden = {self._doc_of[claim_id] for claim_id in exclude if claim_id in self._doc_of}
        # One window ranked lexically: only its top `needed` keys are read, so the others need not be worked out.
        prune = semantic is None and len(windows) == 1
        for index, window in enumerate(windows):
            self._rank_window(index, window, found, needed, hidden, prune=prune)
        for doc in hidden:
            found.pop(doc, None)
        nearest: dict[int, str] = {}  # semantic only: claim -> its phrasing closest to the message
        leader = min(found, key=lambda d: (-found[d].key, d)) if found else None

        @cache
        def confidence_of(doc: int, index: int) -> tuple[float, _Phrasing | None]:
            return self._confidence(doc, windows[index])

        # A lexical leader sure enough to reply unprompted is a match the embedding may not overrule.
        sure = (
            semantic is not None
            and leader is not None
            and any(confidence_of(leader, i)[0] >= self.thresholds.reply for _, i in found[leader].windows)
        )
        if sure:
            semantic = None
        # The first places may change on confidence (a better mirror or runner-up), so the order is worked out
        # over as many claims as get a detailed confidence, whatever `top` is, and cut to `top` at the end.
        considered = max(top, CONFIDENCE_CLAIMS)
        if semantic is None:
            ordered = sorted(found.items(), key=lambda item: (-item[1].key, item[0]))[:considered]
        else:
            ordered = self._fuse(semantic, windows, found, considered, nearest, hidden)
        ranked: list[Candidate] = []
        ceiling = 1.0
        keys = sorted((state.key for state in found.values()), reverse=True)[:2]
        lead = round((keys[0] - keys[1]) / keys[0], 6) if len(keys) == 2 and keys[0] > 0 else 1.0
        if semantic is not None and ordered and ordered[0][0] != leader:
            # The embedding overruled the lexical leader: offer the claim when asked, never speak unprompted.
            ceiling = round(self.thresholds.reply - 0.0001, 4)

        def detail(position: int) -> tuple[int, float, str, _Window]:
            """A claim's confidence, the phrasing that earns it and the window it is found in."""
            doc, state = ordered[position]
            confidence, matched, window = 0.0, nearest.get(doc, ""), windows[state.windows[0][1]]
            if position < CONFIDENCE_CLAIMS:
                for _, index in sorted(state.windows, key=lambda kw: -kw[0]):
                    value, phrasing = confidence_of(doc, index)
                    if phrasing is not None and value > confidence:
                        confidence, window = value, windows[index]
                        matched = self.claims[doc].variant_text(phrasing.number)
            return doc, confidence, matched, window

        # The first `top` claims are shown and the runner-up decides a swap; a claim further down matters only
        # when it is the leader's mirror, so its confidence is worked out when the mirror check asks for it.
        details = [detail(position) for position in range(min(max(top, 2), len(ordered)))]

        def confidence_at(position: int) -> float:
            while len(details) <= position:
                details.append(detail(len(details)))
            return details[position][1]

        mirror = self._better_mirror(ordered, confidence_at)
        if mirror is not None:
            # The message's words stand against the leader and with its declared mirror, which fits better.
            details.insert(0, details.pop(mirror))
            lead = round((details[0][1] - details[1][1]) / details[0][1], 6)
        elif len(details) > 1 and details[1][1] - details[0][1] > SWAP_MARGIN:
            # The runner-up fits far better than the lexical leader: it comes first, and its lead is the
            # confidence it has over the claim the lexical evidence preferred.
            details[0], details[1] = details[1], details[0]
            lead = round((details[0][1] - details[1][1]) / details[0][1], 6)
        stance_of = {doc: state.stance for doc, state in ordered}
        for position, (doc, confidence, matched, window) in enumerate(details[:top]):
            ceiling = min(ceiling, round(confidence, 4))
            anchors = self._anchors[doc]
            anchored = not anchors or not window.query.isdisjoint(anchors)
            # Every word the message shares with a claim that has a mirror stands the other way: the message denies
            # that claim, so which side it takes is unsure even when it leads.
            settled = self.claims[doc].mirror is None or stance_of[doc] > self.thresholds.stance_penalty
            ranked.append(
                Candidate(
                    self.claims[doc].id,
                    ceiling,
                    matched,
                    window.text,
                    anchored,
                    lead if position == 0 else 0.0,
                    settled,
                )
            )
        return ranked

    def _better_mirror(self, ordered: Sequence[tuple[int, _Found]], confidence: Callable[[int], float]) -> int | None:
        """The position of the leader's declared mirror claim when it should lead instead: the leader's key was
        lowered because the message's words stand against its phrasings, the mirror's words agree, and the
        mirror fits the message better (a higher `confidence`, by position); else None."""
        if len(ordered) < 2 or ordered[0][1].stance >= 1.0:
            return None
        mirror = self.claims[ordered[0][0]].mirror
        for position in range(1, min(len(ordered), CONFIDENCE_CLAIMS)):
            doc = ordered[position][0]
            if self.claims[doc].id == mirror:
                agrees = ordered[position][1].stance >= 1.0
                return position if agrees and confidence(position) > confidence(0) else None
        return None

    def _fuse(
        self,
        semantic: SemanticReranker,
        windows: Sequence[_Window],
        found: dict[int, _Found],
        top: int,
        nearest: dict[int, str],
        hidden: set[int] | None = None,
    ) -> list[tuple[int, _Found]]:
        """The `top` claims by fused score, among the lexical and the semantic leaders (`candidates` of each).

        Claims found only by their embedding get the stance factor of their closest window, and an entry
        keyed 0 pointing at that window, so the confidence is worked out where the claim was seen.
        """
        if not windows or not self.claims:
            return []
        lexical = [doc for doc, _ in sorted(found.items(), key=lambda item: (-item[1].key, item[0]))]
        lexical = lexical[: semantic.candidates]
        picked = pick_windows(
            [float(w.bm25.max()) if w.bm25 is not None else 0.0 for w in windows], semantic.max_windows
        )
        similarity = semantic.encode_windows([windows[i].text for i in picked]) @ self._vectors.T
        cosine = claim_similarities(similarity, self._starts)
        count = min(semantic.candidates, cosine.size)
        close = np.argpartition(-cosine, count - 1)[:count].tolist() if count else []
        docs = [doc for doc in dict.fromkeys([*lexical, *close]) if not hidden or doc not in hidden]
        stance = np.ones(len(docs), dtype=np.float32)
        for position, doc in enumerate(docs):
            start = int(self._starts[doc])
            end = start + len(self._phrasings[doc])
            block = similarity[:, start:end]
            row, column = np.unravel_index(int(block.argmax()), block.shape)
            nearest[doc] = self.claims[doc].variant_text(int(column))
            state = found.get(doc)
            if state is not None:
                stance[position] = state.stance
                continue
            index = picked[int(row)]
            factor = 1.0
            if self._negatable[doc]:
                idf = {t: self._idf_of(t) for t in windows[index].query}
                factor = self._stance_of_best_fit(windows[index], doc, idf, sum(idf.values()))
            stance[position] = factor
            found[doc] = state = _Found(0.0)
            state.add(0.0, index, factor)
        keys = np.array([found[doc].key for doc in docs], dtype=np.float32)
        fused = fuse(keys, cosine[docs], stance, semantic.weight)
        order = sorted(range(len(docs)), key=lambda i: (-float(fused[i]), docs[i]))[:top]
        return [(docs[i], found[docs[i]]) for i in order]

    def match(self, text: str, top: int = 5, *, exclude: frozenset[str] = frozenset()) -> MatchResult:
        """Rank claims and decide: reply (sure enough to speak unprompted), suggest (show when asked) or none."""
        ranked = self.rank(text, max(top, 2), exclude=exclude)
        return MatchResult(self.decide(ranked), tuple(ranked[:top]))

    def decide(self, ranked: Sequence[Candidate]) -> Decision:
        """Apply the two thresholds, the anchor, the margin over the runner-up and the minimum number of words."""
        if not ranked:
            return Decision.NONE
        best = ranked[0].score
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        needed = self.thresholds.reply
        if not ranked[0].anchored:
            needed = max(needed, self.thresholds.unanchored_reply)
        if (
            best >= needed
            and ranked[0].stance_settled
            and ranked[0].lead >= self.thresholds.min_lead - 1e-9
            and best - runner_up >= self.thresholds.reply_margin - 1e-9
            # The same words as analyse(window) finds; the whole message's analysis is remembered (ranking made it).
            and len(analyse_message(ranked[0].window).terms) >= self.thresholds.min_reply_words
        ):
            return Decision.REPLY
        if best >= self.thresholds.suggest:
            return Decision.SUGGEST
        return Decision.NONE
