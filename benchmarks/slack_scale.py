"""Slack at scale: throughput and reply latency of 1, 2 and 4 factbot worker processes on one port and one PostgreSQL.

    .venv/bin/python -m benchmarks.slack_scale [--workers 1,2,4] [--events 1000] [--deliveries 4]
                                               [--concurrency 50] [--rate 0] [--database ADMIN_URL]

For each worker count, `factbot run slack` starts as its own OS process in HTTP mode with SLACK_WORKERS=N (N
worker processes bound to one port with SO_REUSEPORT, under the supervisor), on a fresh PostgreSQL database
created (and dropped afterwards) through ADMIN_URL, against the local fake Slack. This process signs and delivers
`--events` app_mention events (each stating a claim of claims/) `--deliveries` times each (later copies carry
X-Slack-Retry-Num), shuffled, at most `--concurrency` in flight, all at once (`--rate 0`) or paced at R events a
second. Reported: events per second (events / time from the first delivery to the last reply), acknowledgement
and reply latency (first delivery to the fake receiving chat.postMessage), duplicates, the database's share of
the workers' time (connection-held time over time spent on acknowledged work, from the workers' own figures),
CPU seconds used by the workers, by this process (load generator and fake Slack) and by PostgreSQL, and the size
of the shared state at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.common import CLAIMS_DIR, SEED, append_json, machine
from benchmarks.slack_load import percentile, phrases
from bot.storage.db import normalise_url
from tests.adapters.slack.processes import (
    FactbotProcess,
    deliver,
    event_number,
    factbot_env,
    free_port,
    mention_bodies,
)
from tests.fakes.fake_slack import FakeSlack, SlackSender
from tests.scratch_databases import create_scratch_database, drop_scratch_database

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, user_only: bool = False) -> float:
    """User plus system (or only user) CPU time of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + (0 if user_only else int(fields[12]))) / CLOCK_TICKS


def machine_seconds() -> tuple[float, float, float]:
    """CPU time the whole machine spent busy so far (every CPU, kernel included), in user space, and stolen by the
    hypervisor (a virtual machine's neighbours), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLOCK_TICKS, (fields[0] + fields[1]) / CLOCK_TICKS, fields[7] / CLOCK_TICKS


def user_seconds(pids: Sequence[int]) -> float:
    """User-space CPU time of these processes, this one included."""
    return sum(cpu_seconds(pid, user_only=True) for pid in pids) + os.times().user


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (the database is local here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL server process on this machine."""
    return sum(cpu_seconds(pid) for pid in postgres_pids())


async def state_and_drop(admin_url: str, url: str) -> dict[str, int]:
    """Rows of shared state the run left (dedupe and cooldown keys, reply records) and the database's size; then
    drop the database."""
    engine = create_async_engine(normalise_url(url))
    async with engine.connect() as connection:
        sizes = {
            "expiring_keys_rows": int(await connection.scalar(text("SELECT count(*) FROM expiring_keys")) or 0),
            "replies_rows": int(await connection.scalar(text("SELECT count(*) FROM replies")) or 0),
            "claims_rows": int(await connection.scalar(text("SELECT count(*) FROM claims")) or 0),
            "database_bytes": int(await connection.scalar(text("SELECT pg_database_size(current_database())")) or 0),
        }
    await engine.dispose()
    await drop_scratch_database(admin_url, url)
    return sizes


async def run_one(
    workers: int, events: int, deliveries: int, concurrency: int, rate: float, admin_url: str, scratch: Path
) -> dict[str, Any]:
    """One measured run with `workers` worker processes."""
    database_url = await create_scratch_database(admin_url, "factbot_scale")
    fake = FakeSlack()
    await fake.start()
    port = free_port()
    env = factbot_env(fake, database_url, port, home=scratch, catalogue=CLAIMS_DIR, SLACK_WORKERS=str(workers))
    env["CATALOGUE_CHECK_INTERVAL_SECONDS"] = "1.0"  # the default, as in production
    factbot = await FactbotProcess.start(env, port)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
            pids = await factbot.healthy(session, pids=workers)
            sender = SlackSender(f"{factbot.url}/slack/events", session)
            texts = phrases()
            bodies = mention_bodies(texts, events + 20)
            # Warm-up: every worker opens its database connections and answers a few events first.
            await deliver([sender], bodies[events:], 1, concurrency=concurrency)
            await fake.wait_for(lambda: len(fake.calls_to("chat.postMessage")) >= 20, timeout=60)
            warm = len(fake.calls)
            processes = sorted({factbot.pid, *pids})
            cpu_before = [cpu_seconds(pid) for pid in processes]
            pg_before, own_before, machine_before = postgres_cpu_seconds(), time.process_time(), machine_seconds()
            mine_before = user_seconds([*processes, *postgres_pids()])
            began = time.monotonic()
            sent = await deliver([sender], bodies[:events], deliveries, concurrency=concurrency, rate=rate, seed=SEED)
            delivered = time.monotonic()

            def answered() -> bool:
                return len({event_number(c.params["thread_ts"]) for c in replies_of(fake, warm)}) >= events

            await fake.wait_for(answered, timeout=600)
            ended = time.monotonic()
            workers_cpu = sum(cpu_seconds(pid) - before for pid, before in zip(processes, cpu_before, strict=True))
            pg_cpu, own_cpu = postgres_cpu_seconds() - pg_before, time.process_time() - own_before
            machine_after = machine_seconds()
            machine_cpu = machine_after[0] - machine_before[0]
            others_user = (
                machine_after[1] - machine_before[1] - (user_seconds([*processes, *postgres_pids()]) - mine_before)
            )
        status = await factbot.stop(timeout=60)
        finals = [line for line in await factbot.logs() if line["message"] == "final metrics"]
    finally:
        factbot.kill_all()
        await fake.close()
        sizes = await state_and_drop(admin_url, database_url)
    replies = replies_of(fake, warm)
    per_event = Counter(event_number(c.params["thread_ts"]) for c in replies)
    first_sent: dict[int, float] = {}
    for delivery in sent:
        first_sent[delivery.event] = min(first_sent.get(delivery.event, delivery.started), delivery.started)
    reply_at: dict[int, float] = {}
    for call in replies:
        reply_at.setdefault(event_number(call.params["thread_ts"]), call.at)
    latency = [reply_at[e] - first_sent[e] for e in reply_at]
    acks = [d.seconds for d in sent]
    wall = ended - began
    work = sum(f.get("slack_work_seconds_total", 0.0) for f in finals)
    database = sum(f.get("slack_work_db_seconds_total", 0.0) for f in finals)
    return {
        "workers": workers,
        "events_per_second": events / wall,
        "ack_ms_p50": 1000 * statistics.median(acks),
        "ack_ms_p99": 1000 * percentile(acks, 0.99),
        "reply_ms_p50": 1000 * statistics.median(latency),
        "reply_ms_p99": 1000 * percentile(latency, 0.99),
        "replies": len(replies),
        "duplicate_replies": sum(count - 1 for count in per_event.values()),
        "unanswered": events - len(per_event),
        "non_200": sum(1 for d in sent if d.status != 200),
        "db_share": database / work if work else float("nan"),
        "work_ms_p50_max": max((f.get("slack_work_ms_p50", 0.0) for f in finals), default=0.0),
        "events_per_worker": "/".join(str(int(f.get("replies_fact-check", 0))) for f in finals),
        "cpu_workers_s": workers_cpu,
        "cpu_load_and_fake_s": own_cpu,
        "cpu_postgres_s": pg_cpu,
        "cpu_busy_share": (workers_cpu + own_cpu + pg_cpu) / (wall * (os.cpu_count() or 1)),
        "cpu_machine_busy_share": machine_cpu / (wall * (os.cpu_count() or 1)),
        "cpu_kernel_unattributed_s": machine_cpu - workers_cpu - own_cpu - pg_cpu - others_user,
        "cpu_other_programs_s": others_user,
        "cpu_stolen_s": machine_after[2] - machine_before[2],
        "wall_s": wall,
        "delivered_s": delivered - began,
        "exit_status": status,
        "failures_after_ack": sum(int(f.get("slack_failures_after_ack", 0)) for f in finals),
        **sizes,
    }


def replies_of(fake: FakeSlack, after: int) -> list[Any]:
    """The chat.postMessage calls after the warm-up."""
    return [c for c in fake.calls[after:] if c.method == "chat.postMessage"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure (default 1,2,4)")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--deliveries", type=int, default=4, help="deliveries per event (retries after the first)")
    parser.add_argument("--concurrency", type=int, default=50, help="deliveries in flight at once")
    parser.add_argument("--rate", type=float, default=0.0, help="events per second (default 0: all at once)")
    parser.add_argument(
        "--database",
        default=os.environ.get("FACTBOT_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL,
        help="PostgreSQL URL whose server gets a scratch database per run",
    )
    parser.add_argument("--json", type=Path, help="also append each run's figures to this file, one JSON per line")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    pace = f"{args.rate:g} events/s" if args.rate else "all at once"
    print(
        f"Slack scale: {args.events} events x {args.deliveries} deliveries, {pace}, {args.concurrency} in flight, "
        f"PostgreSQL at {make_url(args.database).render_as_string(hide_password=True)}"
    )
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        for workers in counts:
            figures = asyncio.run(
                run_one(
                    workers, args.events, args.deliveries, args.concurrency, args.rate, args.database, Path(scratch)
                )
            )
            print(f"\n  {workers} worker(s)")
            if figures["cpu_other_programs_s"] > 0.1 * figures["wall_s"]:
                print("    WARNING: other processes used the CPUs during this run; the figures are not clean")
            for key, value in figures.items():
                print(f"    {key:22} {value:,.3f}" if isinstance(value, float) else f"    {key:22} {value}")
            append_json(args.json, {"events": args.events, "deliveries": args.deliveries, **figures})
            ok &= figures["duplicate_replies"] == 0 and figures["unanswered"] == 0 and figures["non_200"] == 0
    print(f"\n  machine: {machine()}; {os.cpu_count()} CPUs")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
