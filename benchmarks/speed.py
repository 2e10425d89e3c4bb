"""Speed of the matcher against catalogue size, side by side with a brute-force rapidfuzz baseline.

    .venv/bin/python -m benchmarks.speed ../shared/benchmarks/clef2020

Catalogues of 1,000, 10,000 and 100,000 claims built from the CLEF-2020 verified claims (claim text plus the
fact-check title as an alias); beyond the 10,375 real claims, synthetic claims are made deterministically by
splicing halves of two real claims and swapping a few words, so the vocabulary and lengths stay realistic.
Messages: the CLEF-2020 tweets (tweet-length), and 800-character messages made of several tweets.

Each catalogue size runs in its own process pinned to one CPU core, so peak memory (max RSS) is per size. For
each size: index build time (the faster of two cold builds), p50/p99 latency per message of
`ClaimMatcher.match` (one run per message, wall clock), messages per second, and the baseline
`rapidfuzz.process.extract(message, claims, scorer=fuzz.token_set_ratio, processor=utils.default_process,
limit=5)` over every claim text, timed on the same tweets in the same run.

With `--semantic MODEL` (use `--sizes 10000`) the matcher re-ranks with a sentence-embedding model, nothing
cached: "build s" is then the first build, which encodes every phrasing, and "rebuild s" the second, which
reuses the vectors of unchanged phrasings (what a catalogue edit costs).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    DEFAULT_CLEF,
    SEED,
    ClefClaim,
    add_semantic_arguments,
    clef_catalogue,
    machine,
    read_clef_claims,
    read_clef_queries,
    semantic_reranker,
)

SIZES = (1_000, 10_000, 100_000)


def synthetic_claims(real: Sequence[ClefClaim], size: int, seed: int = SEED) -> list[ClefClaim]:
    """`size` claims: the real ones first, then splices of two real claims with a few words swapped."""
    if size <= len(real):
        return list(real[:size])
    rng = random.Random(seed)
    vocabulary = [w for c in real for w in c.text.split()]
    out = list(real)
    while len(out) < size:
        a, b = rng.choice(real), rng.choice(real)
        wa, wb = a.text.split(), b.text.split()
        words = wa[: max(1, len(wa) // 2)] + wb[len(wb) // 2 :]
        for _ in range(max(1, len(words) // 8)):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        ta, tb = a.title.split(), b.title.split()
        title = " ".join(ta[: max(1, len(ta) // 2)] + tb[len(tb) // 2 :])
        out.append(ClefClaim(f"s{len(out)}", " ".join(words), title))
    return out


def long_messages(tweets: Sequence[str], count: int, length: int = 800, seed: int = SEED) -> list[str]:
    """`count` messages of about `length` characters, each made of consecutive random tweets."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < length:
            parts.append(rng.choice(tweets).strip())
        out.append(" ".join(parts)[:length])
    return out


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def child(data: Path, size: int, baseline_messages: int, args: argparse.Namespace) -> dict[str, float | int]:
    """Measure one catalogue size in this process (pinned to one core)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from rapidfuzz import fuzz, process, utils

    from bot.matching import stemming
    from bot.matching.matcher import ClaimMatcher

    claims = synthetic_claims(read_clef_claims(data), size)
    tweets = [q.text for s in ("train", "dev", "test") for q in read_clef_queries(data, s, labelled_only=False)]
    longs = long_messages(tweets, 300)
    catalogue = clef_catalogue(claims)
    semantic = semantic_reranker(args, cache=False)  # None unless --semantic; loads the model before timing
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    builds: list[tuple[float, float]] = []
    for _ in range(2):  # the faster of two cold builds (the word-stem memo is emptied before each)
        matcher = None
        stemming._stem_cache.clear()
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        matcher = ClaimMatcher(catalogue, semantic=semantic)
        builds.append((time.perf_counter() - started, time.process_time() - cpu))
    # With semantic re-ranking the second build reuses the first one's vectors: report both, not the faster.
    build, build_cpu = builds[0] if semantic is not None else min(builds)
    rss_after_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def latencies(messages: Sequence[str]) -> tuple[list[float], list[float]]:
        """Wall-clock and CPU time of one `match` per message, after a warm-up on a few of them; every pass starts
        with no remembered typo repairs (the long messages are made of the tweets, and would find theirs)."""
        for text in messages[-20:]:
            matcher.match(text)
        matcher._repair.cache_clear()
        wall, cpu = [], []
        for text in messages:
            t0, c0 = time.perf_counter(), time.process_time()
            matcher.match(text)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        return wall, cpu

    short, short_cpu = latencies(tweets)
    long_, long_cpu = latencies(longs)
    texts = [c.text for c in claims]
    sample = tweets[:: max(1, len(tweets) // baseline_messages)][:baseline_messages]
    base = []
    for text in sample:
        t0 = time.perf_counter()
        process.extract(text, texts, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=5)
        base.append(time.perf_counter() - t0)
    ours_on_sample, _ = latencies(sample)
    return {
        "size": size,
        "build_s": build,
        "rebuild_s": builds[1][0],
        "build_cpu_s": build_cpu,
        "short_cpu_p50_ms": 1000 * percentile(short_cpu, 0.5),
        "short_cpu_p99_ms": 1000 * percentile(short_cpu, 0.99),
        "long_cpu_p50_ms": 1000 * percentile(long_cpu, 0.5),
        "short_n": len(short),
        "short_p50_ms": 1000 * percentile(short, 0.5),
        "short_p99_ms": 1000 * percentile(short, 0.99),
        "short_mean_ms": 1000 * statistics.fmean(short),
        "long_n": len(long_),
        "long_p50_ms": 1000 * percentile(long_, 0.5),
        "long_p99_ms": 1000 * percentile(long_, 0.99),
        "long_mean_ms": 1000 * statistics.fmean(long_),
        "baseline_n": len(base),
        "baseline_mean_ms": 1000 * statistics.fmean(base),
        "ours_same_mean_ms": 1000 * statistics.fmean(ours_on_sample),
        "rss_before_build_mb": rss_before / 1024,
        "rss_after_build_mb": rss_after_build / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_CLEF, help="the clef2020 folder")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--baseline-messages", type=int, default=200, help="tweets timed with the baseline")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    add_semantic_arguments(parser)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.data, args.child, args.baseline_messages, args)))
        return 0

    print(f"speed: one process per catalogue size, pinned to one core; machine: {machine()}")
    if args.semantic:
        print(
            f"semantic re-ranking: {args.semantic}; weight {args.semantic_weight}, candidates "
            f"{args.semantic_candidates}, windows {args.semantic_windows}; nothing cached"
        )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 means both cores busy)")
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        # 100k claims: fewer baseline tweets, since each costs a quarter of a second.
        baseline = args.baseline_messages if size <= 10_000 else max(20, args.baseline_messages // 5)
        command = [sys.executable, "-m", "benchmarks.speed", str(args.data), "--child", str(size)]
        command += ["--baseline-messages", str(baseline)]
        if args.semantic:
            command += ["--semantic", args.semantic, "--semantic-weight", str(args.semantic_weight)]
            command += ["--semantic-candidates", str(args.semantic_candidates)]
            command += ["--semantic-windows", str(args.semantic_windows)]
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"}
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{'claims':>8} {'build s':>8} {'tweet p50':>9} {'p99 ms':>7} {'msg/s':>7} {'800ch p50':>9} {'p99 ms':>7} "
        f"{'msg/s':>6} {'brute ms':>9} {'ours ms':>8} {'speed-up':>8} {'peak MB':>8}"
    )
    for r in rows:
        print(
            f"{r['size']:>8,} {r['build_s']:>8.2f} {r['short_p50_ms']:>9.2f} {r['short_p99_ms']:>7.2f} "
            f"{1000 / r['short_mean_ms']:>7.0f} {r['long_p50_ms']:>9.2f} {r['long_p99_ms']:>7.2f} "
            f"{1000 / r['long_mean_ms']:>6.0f} {r['baseline_mean_ms']:>9.2f} {r['ours_same_mean_ms']:>8.2f} "
            f"{r['baseline_mean_ms'] / r['ours_same_mean_ms']:>7.0f}x {r['peak_rss_mb']:>8.0f}"
        )
    print("\nCPU time of the same runs (what the process itself used; unaffected by waiting for the core):")
    print(f"{'claims':>8} {'build s':>8} {'tweet p50':>9} {'p99 ms':>7} {'800ch p50':>9}")
    for r in rows:
        print(
            f"{r['size']:>8,} {r['build_cpu_s']:>8.2f} {r['short_cpu_p50_ms']:>9.2f} {r['short_cpu_p99_ms']:>7.2f} "
            f"{r['long_cpu_p50_ms']:>9.2f}"
        )
    if args.semantic:
        print(
            "\nrebuild with the same phrasings (vectors reused): " + ", ".join(f"{r['rebuild_s']:.2f} s" for r in rows)
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"\ntweets: {rows[0]['short_n']} per size; 800-character messages: {rows[0]['long_n']}; brute force: "
        + ", ".join(f"{r['baseline_n']} tweets at {r['size']:,}" for r in rows)
        + ". peak MB = max RSS of the process (Python, NumPy, data and index)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
