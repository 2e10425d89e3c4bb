"""CLEF-2020 CheckThat! Task 2 (English): rank 10,375 verified claims for each tweet.

    .venv/bin/python -m benchmarks.clef2020 ../shared/benchmarks/clef2020

Reports MAP@5, MRR@5 and S@1 (trec_eval style, strict: a duplicate of the gold claim counts as wrong) with
bootstrap 95 % intervals on the test split (use --split train or dev while tuning), for the clean tweets and
deterministic variants (seeded): 20 % and 40 % of words with a typo ("typo20", "typo40"), and "long" messages
where each tweet is buried at a random place among three other tweets of the same split, joined by spaces.
The fillers are misinformation tweets that state catalogue claims of their own, so "long" is also scored
with those claims left out of the ranking ("long-x"), and the ceiling of "long" is printed. A last row gives
plain BM25 with the same normalisation, for reference.

With `--semantic MODEL` the matcher re-ranks with a sentence-embedding model (bot/matching/semantic.py);
`--sweep-weights 0,0.1,...` (with `--sweep-candidates 20,50`) prints MAP@5 and S@1 for each fusion weight and
candidate count instead, for tuning on `--split train` or `dev` (never on test).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from random import Random

import numpy as np

from benchmarks.common import (
    DEFAULT_CLEF,
    SEED,
    ClefClaim,
    Query,
    add_semantic_arguments,
    add_typos,
    as_groups,
    average_precision,
    bury,
    clef_catalogue,
    describe_semantic,
    duplicate_groups,
    fmt_ci,
    machine,
    read_clef_claims,
    read_clef_queries,
    reciprocal_rank,
    semantic_reranker,
    success_at,
)
from bot.matching.index import Bm25Index
from bot.matching.matcher import ClaimMatcher
from bot.matching.semantic import SemanticReranker
from bot.matching.text import analyse


def variants(queries: Sequence[Query], pool: Sequence[Query], names: Sequence[str]) -> dict[str, list[Query]]:
    out: dict[str, list[Query]] = {}
    for name in names:
        rng = Random(f"{SEED}-{name}")
        if name == "clean":
            out[name] = list(queries)
        elif name.startswith("typo"):
            share = int(name[4:]) / 100
            out[name] = [Query(q.id, add_typos(q.text, share, rng), q.gold) for q in queries]
        elif name in ("long", "long-x"):
            out[name] = bury(queries, pool, Random(f"{SEED}-long"))
        else:
            raise SystemExit(f"unknown variant {name}")
    return out


def evaluate(
    matcher: ClaimMatcher,
    queries: Sequence[Query],
    *,
    drop_others: bool = False,
    groups: dict[str, str] | None = None,
) -> dict[str, list[float]]:
    """MAP@5, MRR@5 and S@1 per query; with `drop_others`, claims stated by filler text are left out first;
    with `groups`, duplicate claims count as one (any twin of the gold claim is right)."""
    aps, rrs, s1 = [], [], []
    for q in queries:
        skip = q.others if drop_others else frozenset()
        ranked = [c.claim_id for c in matcher.rank(q.text, 10 + len(skip)) if c.claim_id not in skip]
        gold = q.gold
        if groups is not None:
            ranked, gold = as_groups(ranked, groups), frozenset(groups.get(g, g) for g in q.gold)
        ranked = ranked[:5]
        aps.append(average_precision(ranked, gold))
        rrs.append(reciprocal_rank(ranked, gold))
        s1.append(success_at(ranked, gold, 1))
    return {"MAP@5": aps, "MRR@5": rrs, "S@1": s1}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_CLEF, help="the clef2020 folder")
    parser.add_argument("--split", default="test", choices=["train", "dev", "test"])
    parser.add_argument("--variants", default="clean,typo20,typo40,long,long-x")
    add_semantic_arguments(parser)
    parser.add_argument("--sweep-weights", default="", help="with --semantic: fusion weights to compare")
    parser.add_argument("--sweep-candidates", default="", help="with --sweep-weights: candidate counts to compare")
    args = parser.parse_args(argv)

    claims = read_clef_claims(args.data)
    queries = read_clef_queries(args.data, args.split)
    pool = read_clef_queries(args.data, args.split, labelled_only=False)
    semantic = semantic_reranker(args)
    started = time.perf_counter()
    matcher = ClaimMatcher(clef_catalogue(claims), semantic=semantic)
    build = time.perf_counter() - started
    print(f"CLEF-2020 {args.split}: {len(claims):,} claims (claim + fact-check title), {len(queries)} labelled tweets")
    print(f"machine: {machine()}; index build {build:.2f} s")
    print(describe_semantic(semantic, args.semantic))
    if semantic is not None and args.sweep_weights:
        sweep(claims, variants(queries, pool, args.variants.split(",")), semantic, args)
        return 0
    print(f"{'variant':<8} {'MAP@5 [95% CI]':<24} {'MRR@5 [95% CI]':<24} {'S@1 [95% CI]':<24} ms/msg")
    for name, qs in variants(queries, pool, args.variants.split(",")).items():
        started = time.perf_counter()
        scores = evaluate(matcher, qs, drop_others=name == "long-x")
        per_msg = 1000 * (time.perf_counter() - started) / max(len(qs), 1)
        cells = " ".join(f"{fmt_ci(scores[metric]):<24}" for metric in ("MAP@5", "MRR@5", "S@1"))
        print(f"{name:<8} {cells} {per_msg:.2f}")
        if name == "long":
            print(f"{'':<8} ceiling for any matcher that ranks every claim the message states: {ceiling(qs):.3f}")
    if "clean" in args.variants.split(","):
        scores = plain_bm25(claims, queries)
        cells = " ".join(f"{fmt_ci(scores[metric]):<24}" for metric in ("MAP@5", "MRR@5", "S@1"))
        print(f"{'(plain)':<8} {cells} BM25 alone: same normalisation, no repair, stance or windows")
        groups = duplicate_groups(claims)
        sizes = Counter(groups.values())
        affected = sum(1 for q in queries if any(sizes[groups[g]] > 1 for g in q.gold))
        scores = evaluate(matcher, queries, groups=groups)
        cells = " ".join(f"{fmt_ci(scores[metric]):<24}" for metric in ("MAP@5", "MRR@5", "S@1"))
        print(f"{'(dup)':<8} {cells} clean, duplicate claims counted as one ({affected} queries have a twin gold)")
    print(
        "long: the three filler tweets state catalogue claims of their own, and the metrics count them as "
        "errors;\nlong-x: the same messages with the fillers' claims left out of the ranking before scoring."
    )
    return 0


def sweep(
    claims: Sequence[ClefClaim], by_variant: dict[str, list[Query]], base: SemanticReranker, args: argparse.Namespace
) -> None:
    """MAP@5 and S@1 per variant for every fusion weight and candidate count asked for (for tuning)."""
    weights = [float(w) for w in args.sweep_weights.split(",")]
    counts = [int(k) for k in args.sweep_candidates.split(",")] if args.sweep_candidates else [base.candidates]
    catalogue = clef_catalogue(claims)
    print(f"{'K':>4} {'weight':>6} " + " ".join(f"{name + ' MAP@5':>13} {'S@1':>6}" for name in by_variant))
    for count in counts:
        for weight in weights:
            reranker = SemanticReranker(base.encoder, weight=weight, candidates=count, max_windows=base.max_windows)
            matcher = ClaimMatcher(catalogue, semantic=reranker)
            cells = []
            for name, qs in by_variant.items():
                scores = evaluate(matcher, qs, drop_others=name == "long-x")
                cells.append(f"{sum(scores['MAP@5']) / len(qs):>13.3f} {sum(scores['S@1']) / len(qs):>6.3f}")
            print(f"{count:>4} {weight:>6.2f} " + " ".join(cells), flush=True)


def plain_bm25(claims: Sequence[ClefClaim], queries: Sequence[Query]) -> dict[str, list[float]]:
    """The reference: BM25 over claim + title with the matcher's normalisation and nothing else."""
    index = Bm25Index([[*analyse(c.text, "en").terms, *analyse(c.title, "en").terms] for c in claims])
    ids = [c.id for c in claims]
    aps, rrs, s1 = [], [], []
    for q in queries:
        scores = index.score(analyse(q.text, "en").terms)
        ranked = [] if scores is None else [ids[i] for i in np.argsort(-scores.bm25, kind="stable")[:5]]
        aps.append(average_precision(ranked, q.gold))
        rrs.append(reciprocal_rank(ranked, q.gold))
        s1.append(success_at(ranked, q.gold, 1))
    return {"MAP@5": aps, "MRR@5": rrs, "S@1": s1}


def ceiling(queries: Sequence[Query]) -> float:
    """Expected MAP@5 of a matcher that finds every claim a buried message states (its own and its fillers')
    but cannot tell which one the query is about, so ranks them in random order."""
    values = []
    for q in queries:
        stated = 1 + len(q.others)  # the query's claim (counted once) and the fillers' claims
        values.append(sum(1.0 / rank for rank in range(1, min(stated, 5) + 1)) / stated)
    return sum(values) / len(values) if values else 0.0


if __name__ == "__main__":
    raise SystemExit(main())
