"""Shared helpers for the benchmarks: data loading, metrics, bootstrap intervals, deterministic noise, and the
optional semantic re-ranker (`--semantic MODEL`)."""

from __future__ import annotations

import argparse
import atexit
import csv
import hashlib
import json
import platform
import random
import re
import string
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.domain.models import Alias, Claim, Verdict
from bot.matching.semantic import Encoder, SemanticReranker, SentenceTransformerEncoder
from bot.settings import MatcherSettings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLEF = ROOT.parent / "shared" / "benchmarks" / "clef2020"
DEFAULT_NATO = ROOT.parent / "shared" / "eval" / "nato-dev.jsonl"
HARD_NEGATIVES_DEV = ROOT / "benchmarks" / "data" / "hard-negatives-dev.jsonl"
CLAIMS_DIR = ROOT / "claims"
SEED = 20200405
MISSING_DATA = (
    "{path} not found. The evaluation data is not part of the repository: the CLEF-2020 benchmark and the nato-dev "
    "set live in a folder named shared beside the project (../shared/benchmarks/clef2020, ../shared/eval). Pass "
    "their paths as arguments (see --help), or run what needs only the repository: benchmarks.nato "
    "benchmarks/data/hard-negatives-dev.jsonl, benchmarks.fuzz, benchmarks.catalogue_load with a CLEF path."
)


def require(path: Path) -> Path:
    """The path, or a clear exit naming what is missing and where the data lives."""
    if not path.exists():
        raise SystemExit(MISSING_DATA.format(path=path))
    return path


csv.field_size_limit(10_000_000)


# --------------------------------------------------------------------------- CLEF-2020 data


@dataclass(frozen=True, slots=True)
class ClefClaim:
    id: str
    text: str
    title: str


@dataclass(frozen=True, slots=True)
class Query:
    id: str
    text: str
    gold: frozenset[str]
    others: frozenset[str] = frozenset()  # claims stated by the filler text of a "long" message


def read_clef_claims(root: Path) -> list[ClefClaim]:
    """The verified claims: `vclaim_id`, `vclaim`, `title` (tab-separated, standard quoting, a header row)."""
    with require(root / "verified_claims.docs.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [ClefClaim(r[0], r[1], r[2]) for r in rows[1:] if r and r[0].strip()]


def read_clef_queries(root: Path, split: str, *, labelled_only: bool = True) -> list[Query]:
    """Tweets of one split with their gold claim ids (TREC qrels)."""
    gold: dict[str, set[str]] = {}
    for line in require(root / split / "tweet-vclaim-pairs.qrels").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            gold.setdefault(parts[0], set()).add(parts[2])
    with (root / split / "tweets.queries.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    queries = [Query(r[0], r[1], frozenset(gold.get(r[0], ()))) for r in rows[1:] if r and r[0].strip()]
    return [q for q in queries if q.gold] if labelled_only else queries


def clef_catalogue(claims: Sequence[ClefClaim]) -> list[Claim]:
    """CLEF claims as catalogue entries: the claim text, with the fact-check title as an alias."""
    return [
        Claim(
            id=c.id,
            claim=c.text,
            verdict=Verdict.UNSUPPORTED,
            summary="",
            evidence=(),
            aliases=(Alias(c.title, "en"),) if c.title.strip() else (),
        )
        for c in claims
    ]


# --------------------------------------------------------------------------- metrics


def duplicate_groups(claims: Sequence[ClefClaim]) -> dict[str, str]:
    """Each claim id mapped to the first claim with the same normalised text (case, punctuation and spacing
    ignored): CLEF-2020 holds 369 claims in such groups, and which twin a ranking puts first is arbitrary."""
    first: dict[str, str] = {}
    groups: dict[str, str] = {}
    for claim in claims:
        key = " ".join(re.findall(r"\w+", claim.text.casefold()))
        groups[claim.id] = first.setdefault(key, claim.id)
    return groups


def as_groups(ranked: Sequence[str], groups: dict[str, str]) -> list[str]:
    """The ranking with each claim replaced by its duplicate group, later members of a group left out."""
    seen: dict[str, None] = {}
    for claim_id in ranked:
        seen.setdefault(groups.get(claim_id, claim_id), None)
    return list(seen)


def average_precision(ranked: Sequence[str], gold: frozenset[str], k: int = 5) -> float:
    """trec_eval-style AP truncated at k: precision at each relevant hit, divided by the number of relevant."""
    hits, total = 0, 0.0
    for rank, claim_id in enumerate(ranked[:k], start=1):
        if claim_id in gold:
            hits += 1
            total += hits / rank
    return total / len(gold) if gold else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: frozenset[str], k: int = 5) -> float:
    for rank, claim_id in enumerate(ranked[:k], start=1):
        if claim_id in gold:
            return 1.0 / rank
    return 0.0


def success_at(ranked: Sequence[str], gold: frozenset[str], k: int = 1) -> float:
    return 1.0 if any(c in gold for c in ranked[:k]) else 0.0


def bootstrap_ci(values: Sequence[float], *, rounds: int = 2000, seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap 95 % interval of the mean."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def fmt_ci(values: Sequence[float]) -> str:
    low, high = bootstrap_ci(values)
    return f"{mean(values):.3f} [{low:.3f}, {high:.3f}]"


# --------------------------------------------------------------------------- deterministic noise

_WORD = re.compile(r"[^\W\d_]{2,}")
_KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm".split()


def _neighbours(ch: str) -> str:
    for row in _KEYBOARD:
        i = row.find(ch)
        if i >= 0:
            return row[max(i - 1, 0) : i] + row[i + 1 : i + 2]
    return ""


def typo(word: str, rng: random.Random) -> str:
    """One random edit: drop, double, swap adjacent, or replace with a keyboard neighbour."""
    if len(word) < 2:
        return word
    i = rng.randrange(len(word))
    op = rng.randrange(4)
    if op == 0 and len(word) > 2:
        return word[:i] + word[i + 1 :]
    if op == 1:
        return word[:i] + word[i] + word[i:]
    if op == 2 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = _neighbours(word[i].lower()) or string.ascii_lowercase
    return word[:i] + rng.choice(near) + word[i + 1 :]


def add_typos(text: str, share: float, rng: random.Random) -> str:
    """Put one typo in `share` of the words (alphabetic, 2+ letters), chosen at random."""
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return text
    chosen = set(rng.sample(range(len(spans)), round(share * len(spans))))
    out, last = [], 0
    for index, (start, end) in enumerate(spans):
        out.append(text[last:start])
        out.append(typo(text[start:end], rng) if index in chosen else text[start:end])
        last = end
    out.append(text[last:])
    return "".join(out)


def bury(queries: Sequence[Query], pool: Sequence[Query], rng: random.Random, others: int = 3) -> list[Query]:
    """Each query hidden at a random position among `others` other tweets from `pool`, joined by spaces.

    The fillers are real tweets and state claims of their own; `others` records those claims so that an
    evaluation can leave them out of the ranking (they are in the message, so ranking them is not an error).
    """
    buried = []
    for q in queries:
        fillers = [t for t in rng.sample(list(pool), others + 1) if t.text != q.text][:others]
        parts = [f.text.strip() for f in fillers]
        parts.insert(rng.randrange(others + 1), q.text.strip())
        stated = frozenset().union(*(f.gold for f in fillers)) - q.gold
        buried.append(Query(q.id, " ".join(parts), q.gold, stated))
    return buried


# --------------------------------------------------------------------------- misc


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in require(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def append_json(path: Path | None, record: object) -> None:
    """One run's figures as a line of JSON at the end of `path` (`--json`), for benchmarks.regenerate's tables."""
    if path is not None:
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}; Python {sys.version.split()[0]}; {platform.platform()}"


def timed(fn: Callable[[], object]) -> float:
    import time

    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- optional semantic re-ranking

CACHE_DIR = Path(tempfile.gettempdir()) / "factbot-embeddings"


class CachedEncoder:
    """An encoder whose vectors are kept on disk (outside the repository), keyed by model and text, so that
    reruns of a benchmark do not encode the 20,750 CLEF phrasings again. For quality runs only: timings of
    a cached run say nothing about encoding, which `benchmarks.speed --semantic` measures uncached."""

    def __init__(self, inner: Encoder, model: str, cache_dir: Path = CACHE_DIR) -> None:
        self.inner = inner
        digest = hashlib.sha256(str(Path(model).resolve() if Path(model).exists() else model).encode()).hexdigest()
        self.path = cache_dir / f"{digest[:16]}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        self.dirty = False
        if self.path.exists():
            with np.load(self.path) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        atexit.register(self.flush)

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}
        if missing:
            fresh = self.inner.encode(list(missing.values()))
            self.vectors.update(zip(missing, fresh, strict=True))
            self.dirty = True
            if len(missing) >= 1000:  # a catalogue: keep it even if the run is stopped
                self.flush()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys]).astype(np.float32)

    def flush(self) -> None:
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, keys=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values())))
        partial.replace(self.path)
        self.dirty = False


def add_semantic_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every matcher benchmark takes to run with the optional semantic re-ranker."""
    defaults = MatcherSettings.model_fields
    group = parser.add_argument_group("semantic re-ranking (needs the `semantic` extra)")
    group.add_argument("--semantic", metavar="MODEL", default="", help="sentence-transformers model name or folder")
    group.add_argument("--semantic-weight", type=float, default=defaults["semantic_weight"].default)
    group.add_argument("--semantic-candidates", type=int, default=defaults["semantic_candidates"].default)
    group.add_argument("--semantic-windows", type=int, default=defaults["semantic_max_windows"].default)
    group.add_argument("--no-cache", action="store_true", help=f"do not keep embeddings in {CACHE_DIR}")


def semantic_reranker(args: argparse.Namespace, *, cache: bool = True) -> SemanticReranker | None:
    """The re-ranker the command line asked for (None without --semantic), embeddings cached unless --no-cache."""
    if not args.semantic:
        return None
    encoder: Encoder = SentenceTransformerEncoder(args.semantic)
    if cache and not args.no_cache:
        encoder = CachedEncoder(encoder, args.semantic)
    return SemanticReranker(
        encoder, weight=args.semantic_weight, candidates=args.semantic_candidates, max_windows=args.semantic_windows
    )


def describe_semantic(reranker: SemanticReranker | None, model: str) -> str:
    if reranker is None:
        return "semantic re-ranking: off (lexical only)"
    return (
        f"semantic re-ranking: {model}; weight {reranker.weight}, candidates {reranker.candidates}, "
        f"windows {reranker.max_windows}"
    )
