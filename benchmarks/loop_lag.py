"""How long the event loop waits while a burst of fact-checks is matched: the core answers 1,000 concurrent
requests (the shipped catalogue, in memory) while a ticker that wants to run every 5 ms records how late it runs.

    .venv/bin/python -m benchmarks.loop_lag [--requests 1000]

A late ticker is a late heartbeat, a late Discord gateway ack, a late 3-second Slack acknowledgement. Matching is
pure Python, so threads running it take the GIL from the loop; factbot matches on one worker thread (see
bot/core/offload.py). The baseline is the same burst through asyncio's default executor, as before.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence

from benchmarks.common import CLAIMS_DIR, HARD_NEGATIVES_DEV, machine, read_jsonl
from bot.app import open_services
from bot.core import offload
from bot.domain.models import Origin
from bot.settings import load_settings

TICK = 0.005


async def burst(requests: int, texts: Sequence[str]) -> tuple[list[float], float]:
    """Lateness of every tick during the burst, and the burst's duration."""
    settings = load_settings()
    async with open_services(settings, catalogue_dir=CLAIMS_DIR) as services:
        await services.catalogue.current()  # the index is built before the burst
        origin = Origin(platform="bench", channel_id="c", workspace_id="w")
        late: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            while not done.is_set():
                started = time.perf_counter()
                await asyncio.sleep(TICK)
                late.append(time.perf_counter() - started - TICK)

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        await asyncio.gather(
            *(services.dispatcher.fact_check(origin, texts[i % len(texts)], record=False) for i in range(requests))
        )
        elapsed = time.perf_counter() - started
        done.set()
        await ticking
    return late, elapsed


def report(name: str, late: list[float], elapsed: float, requests: int) -> None:
    ms = sorted(1000 * x for x in late)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    print(
        f"{name:<34} loop lag p50 {statistics.median(ms):6.1f} ms  p99 {p99:6.1f} ms  max {ms[-1]:6.1f} ms  "
        f"{requests / elapsed:6.0f} requests/s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args(argv)
    texts = [str(line["text"]) for line in read_jsonl(HARD_NEGATIVES_DEV)]
    texts += [str(line["text"]) for line in read_jsonl(HARD_NEGATIVES_DEV.with_name("nato-new-claims.jsonl"))]
    print(f"event-loop lag, {args.requests} concurrent fact-checks of {len(texts)} messages; machine: {machine()}")
    matching_thread = offload._executor
    offload._executor = lambda: None  # the baseline: run_in_executor(None, ...), asyncio's default executor
    report("asyncio's default executor", *asyncio.run(burst(args.requests, texts)), args.requests)
    offload._executor = matching_thread
    report("factbot (one matching thread)", *asyncio.run(burst(args.requests, texts)), args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
