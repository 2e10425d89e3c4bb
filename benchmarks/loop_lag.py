"""How long the event loop waits while a burst of fact-checks is matched: the core answers 1,000 concurrent
requests (the shipped catalogue, in memory) while a ticker that wants to run every 5 ms records how late it runs.

    .venv/bin/python -m benchmarks.loop_lag [--requests 1000]

A late ticker is a late heartbeat, a late Discord gateway ack, a late 3-second Slack acknowledgement. Matching is
pure Python, so threads running it take the GIL from the loop; factbot matches on one worker thread (see
bot/core/offload.py), which waits for the loop to finish admitting a burst, hands results back in batches and gives
the loop a turn every 5 ms of work. Bursts take turns between factbot and three baselines: asyncio's default executor
(what factbot first used), one matching thread handing back each result as it comes with no turns, and the same with
turns (factbot before batches). Lateness and throughput of all four come from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.common import CLAIMS_DIR, HARD_NEGATIVES_DEV, machine, read_jsonl
from bot.app import open_services
from bot.core import offload
from bot.domain.models import Origin
from bot.settings import load_settings

TICK = 0.005


async def burst(requests: int, texts: Sequence[str]) -> tuple[list[float], float, float]:
    """Lateness of every tick during the burst, the burst's duration, and the CPU time the process spent in it."""
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
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(
            *(services.dispatcher.fact_check(origin, texts[i % len(texts)], record=False) for i in range(requests))
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        done.set()
        await ticking
    return late, elapsed, cpu


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank)."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(name: str, runs: list[tuple[list[float], float, float]], requests: int) -> tuple[float, float]:
    """The ticks of every burst together: their median, p99 and worst lateness, and the p99 counting the ticks a stall
    swallowed (a tick late by L stands for the ticks due every 5 ms during L, late by L - 5, L - 10, ... ms: without
    them a loop that stalls often has few, mostly prompt, ticks); per burst its worst, the median of those across
    bursts; the throughput and the CPU time per request (all threads; other work on the machine changes it less than
    throughput) are the median burst's. Returns the p99 and the throughput."""
    ticks = sorted(1000 * x for late, _, _ in runs for x in late)
    missed = sorted(ticks + [x - k for x in ticks for k in range(int(1000 * TICK), int(x), int(1000 * TICK))])
    p99 = percentile(ticks, 0.99)
    worst = sorted(1000 * max(late) for late, _, _ in runs)
    rate = statistics.median(requests / elapsed for _, elapsed, _ in runs)
    cpu = statistics.median(1000 * cpu / requests for _, _, cpu in runs)
    print(
        f"{name:<36} lateness ms: median {statistics.median(ticks):4.1f}, p99 {p99:5.1f}, max {ticks[-1]:5.1f} "
        f"({len(ticks)} ticks), p99 with missed ticks {percentile(missed, 0.99):5.1f}; "
        f"worst per burst, median {statistics.median(worst):5.1f}; {rate:5.0f} requests/s, "
        f"CPU {cpu:.2f} ms per request"
    )
    return p99, rate


Submit = Callable[[asyncio.AbstractEventLoop, Callable[[], Any]], "asyncio.Future[Any]"]


def default_executor(loop: asyncio.AbstractEventLoop, call: Callable[[], Any]) -> asyncio.Future[Any]:
    """The baseline: run_in_executor(None, ...), asyncio's default executor, what factbot first used."""
    return loop.run_in_executor(None, call)


def one_thread(turns: bool) -> Submit:
    """One matching thread handing back each result as it comes (one wake-up of the loop per job): with no turns,
    as factbot had it first; with turns (after TURN of work without a pause, the next job waits until the loop has
    run an iteration), as factbot had it before results were handed back in batches."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-match")
    busy = {"seconds": 0.0, "ended": 0.0}

    def in_turns(loop: asyncio.AbstractEventLoop, call: Callable[[], Any]) -> Any:
        now = time.perf_counter()
        if now - busy["ended"] >= offload.TURN:
            busy["seconds"] = 0.0
        if busy["seconds"] >= offload.TURN:
            offload._give_turn(loop)
            busy["seconds"] = 0.0
        started = time.perf_counter()
        try:
            return call()
        finally:
            busy["ended"] = time.perf_counter()
            busy["seconds"] += busy["ended"] - started

    def submit(loop: asyncio.AbstractEventLoop, call: Callable[[], Any]) -> asyncio.Future[Any]:
        return loop.run_in_executor(pool, in_turns, loop, call) if turns else loop.run_in_executor(pool, call)

    return submit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--bursts", type=int, default=7, help="bursts per variant, in turns (default 7)")
    args = parser.parse_args(argv)
    texts = [str(line["text"]) for line in read_jsonl(HARD_NEGATIVES_DEV)]
    texts += [str(line["text"]) for line in read_jsonl(HARD_NEGATIVES_DEV.with_name("nato-new-claims.jsonl"))]
    print(f"event-loop lag, {args.requests} concurrent fact-checks of {len(texts)} messages; machine: {machine()}")
    load = os.getloadavg()[0]
    factbot = offload._submit
    factbot_name = f"factbot (batches, turns of {1000 * offload.TURN:.0f} ms)"
    variants: dict[str, Submit] = {
        "asyncio's default executor": default_executor,
        "one matching thread, no turns": one_thread(turns=False),
        "one thread, turns, result per job": one_thread(turns=True),
        factbot_name: factbot,
    }
    runs: dict[str, list[tuple[list[float], float, float]]] = {name: [] for name in variants}
    for _ in range(args.bursts):
        for name, submit in variants.items():
            offload._submit = submit  # type: ignore[assignment]
            runs[name].append(asyncio.run(burst(args.requests, texts)))
    offload._submit = factbot
    print(
        f"{args.bursts} bursts per variant, in turns; load average (1 min) before / after: {load:.2f} / "
        f"{os.getloadavg()[0]:.2f} (2 means both cores busy)"
    )
    results = {name: report(name, found, args.requests) for name, found in runs.items()}
    lag, rate = results[factbot_name]
    for baseline in ("asyncio's default executor", "one thread, turns, result per job"):
        base_lag, base_rate = results[baseline]
        print(f"factbot / {baseline}: p99 lateness {lag / base_lag:.2f}x, throughput {rate / base_rate:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
