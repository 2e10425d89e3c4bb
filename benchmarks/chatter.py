"""Real tweets that state none of our claims: how many would get an unprompted reply from the shipped catalogue?

    .venv/bin/python -m benchmarks.chatter ../shared/benchmarks/clef2020 [--semantic MODEL]

Every tweet of the CLEF-2020 train, dev and test files (misinformation-heavy political chatter from 2016-2020,
none of it about NATO's enlargement) is matched against claims/. Any unprompted reply is a false reply.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    CLAIMS_DIR,
    DEFAULT_CLEF,
    add_semantic_arguments,
    bootstrap_ci,
    describe_semantic,
    machine,
    read_clef_queries,
    semantic_reranker,
)
from bot.catalogue.loader import load_claims
from bot.domain.models import Decision
from bot.matching.matcher import ClaimMatcher, Thresholds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_CLEF, help="the clef2020 folder")
    parser.add_argument("--catalogue", type=Path, default=CLAIMS_DIR)
    parser.add_argument("--show", type=int, default=10, help="print this many of the highest-scoring tweets")
    add_semantic_arguments(parser)
    args = parser.parse_args(argv)

    tweets = [
        q.text for split in ("train", "dev", "test") for q in read_clef_queries(args.data, split, labelled_only=False)
    ]
    thresholds = Thresholds()
    semantic = semantic_reranker(args)
    matcher = ClaimMatcher(load_claims(args.catalogue), thresholds, semantic)
    started = time.perf_counter()
    results = [(text, matcher.match(text, 2)) for text in tweets]
    elapsed = time.perf_counter() - started
    decisions = Counter(r.decision for _, r in results)
    replies = [(t, r) for t, r in results if r.decision is Decision.REPLY]
    low, high = bootstrap_ci([float(r.decision is Decision.REPLY) for _, r in results])
    print(f"chatter: {len(tweets)} CLEF-2020 tweets (train+dev+test) against {len(matcher)} shipped claims")
    print(f"thresholds: reply {thresholds.reply}, suggest {thresholds.suggest}, margin {thresholds.reply_margin}")
    print(f"machine: {machine()}; {1000 * elapsed / len(tweets):.2f} ms per tweet")
    print(describe_semantic(semantic, args.semantic))
    print(
        f"unprompted replies: {len(replies)} of {len(tweets)} ({len(replies) / len(tweets):.2%}, 95% CI "
        f"[{low:.2%}, {high:.2%}]); suggestions: {decisions[Decision.SUGGEST]}; silent: {decisions[Decision.NONE]}"
    )
    ranked = sorted(results, key=lambda tr: -(tr[1].best.score if tr[1].best else 0.0))
    if args.show:
        print(f"\nhighest-scoring tweets (top {args.show}):")
    for text, result in ranked[: args.show]:
        best = result.best
        if best:
            flat = " ".join(text.split())
            print(f"  {best.score:.3f} {result.decision.value:<7} {best.claim_id}: {flat[:110]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
