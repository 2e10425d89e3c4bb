"""Discord at scale: 1, 2 and 4 `factbot run discord --shards ...` processes on one PostgreSQL database.

    .venv/bin/python -m benchmarks.discord_scale [--processes 1,2,4] [--shards 4] [--servers 8]
                                                 [--messages 2000] [--rate 100] [--paced 1000]
                                                 [--database postgresql://postgres@127.0.0.1:5432/postgres]

For each process count, a fresh PostgreSQL database is migrated and filled with the shipped catalogue (the
release step), the fake Discord (`tests/fakes/fake_discord.py`) serves REST and the gateway on loopback with
`--shards` shards recommended and max_concurrency equal to the shard count, and the bot processes split the
shards between them (1 process: 0-3; 2: 0-1 and 2-3; 4: one each). Every process is the real command line
(`bot.cli.main`) in its own interpreter; only Discord is fake. Messages are mentions of factbot (each gets an
answer: a claim, or "no known claim matched") with texts of the labelled development set
(`../shared/eval/nato-dev.jsonl`), spread round-robin over `--servers` servers, so over every shard.

Two passes per process count:

- **burst**: `--messages` messages pushed at once; messages per second = messages / (last reply - first send).
- **paced**: `--paced` messages at `--rate` per second; reply latency p50/p99 (from the event leaving the fake
  gateway to the reply reaching the fake REST API).

The database's share: each bot process times every database connection checkout -> checkin (SQLAlchemy pool
events: the whole transaction, statements, commit and waits for locks) and reports them at exit. Their sum
within a pass, divided by the sum of the reply latencies, is the share of the latency spent holding a
database connection. CPU: the machine's busy share during each pass (/proc/stat), and the fake's own CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import CLAIMS_DIR, DEFAULT_NATO, ROOT, SEED, append_json, machine, read_jsonl
from tests.fakes import fake_discord as fd
from tests.scratch_databases import create_scratch_database, drop_scratch_database

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SPLITS = {1: ["0-3"], 2: ["0-1", "2-3"], 4: ["0", "1", "2", "3"]}
# A developer's own settings must not leak into the bot processes.
PREFIXES = ("DISCORD_", "DATABASE_", "CATALOGUE_", "POLICY_", "MODERATORS_", "MATCHER_", "LOG_", "FACTBOT_CONFIG")


# --------------------------------------------------------------------------- inside each bot process


def worker(report: Path, argv: list[str]) -> int:
    """Run `factbot <argv>` with every database connection checkout -> checkin timed; write them at exit."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from bot.cli import main

    spans: list[tuple[float, float]] = []
    out: dict[int, float] = {}

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        out[id(record)] = time.time()

    def checkin(_dbapi: Any, record: Any) -> None:
        began = out.pop(id(record), None)
        if began is not None:
            spans.append((began, time.time()))

    event.listen(Pool, "checkout", checkout)
    event.listen(Pool, "checkin", checkin)
    code = 1
    try:
        code = main(argv)
    finally:
        report.write_text(json.dumps({"code": code, "spans": spans, "cpu_seconds": time.process_time()}))
    return code


# --------------------------------------------------------------------------- the harness


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def process_cpu(pids: Sequence[int]) -> float:
    """CPU seconds (user + system) the processes have used so far (0 for those gone)."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (field 3 of proc(5) is index 0)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def postgres_cpu() -> float:
    """CPU seconds of the local PostgreSQL server so far: the postmaster, its live backends, and (through the
    postmaster's children counters) every backend that has already exited."""
    comm: dict[int, str] = {}
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm[int(entry.name)] = (entry / "comm").read_text().strip()
                parent[int(entry.name)] = int(_stat(int(entry.name))[1])
            except OSError:
                continue
    ticks = 0
    for pid, name in comm.items():
        if name != "postgres" or comm.get(parent[pid]) == "postgres":
            continue
        try:
            fields = _stat(pid)
            ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime
            children = [c for c, p in parent.items() if p == pid]
            ticks += sum(int(_stat(c)[11]) + int(_stat(c)[12]) for c in children)
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class Bot:
    """One `factbot run discord --shards ...` process."""

    shards: str
    report: Path
    process: asyncio.subprocess.Process | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    async def start(self, env: dict[str, str], count: int) -> None:
        argv = ["run", "discord", "--shards", self.shards, "--shard-count", str(count)]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.discord_scale", "worker", str(self.report), *argv,
            cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        async for line in self.process.stderr:  # always drained: a full pipe would stall the bot
            if b'"health": "ready"' in line:
                self.ready.set()
            elif b'"levelname": "ERROR"' in line or b"Traceback" in line:
                sys.stderr.write(line.decode(errors="replace"))

    async def stop(self) -> dict[str, Any]:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), 60)
        if self.reader is not None:
            await self.reader
        return json.loads(self.report.read_text())


async def prepare(url: str) -> None:
    """The release step: migrate and import the shipped catalogue, before any bot starts."""
    from bot.app import open_database
    from bot.settings import CatalogueSettings, DatabaseSettings, Settings, sections

    values_by_section: dict[str, object] = {name: cls() for name, cls in sections().items()}
    values_by_section |= {"database": DatabaseSettings(url=url), "catalogue": CatalogueSettings(dir=CLAIMS_DIR)}
    database, _ = await open_database(Settings(**values_by_section))
    await database.dispose()


async def one_pass(
    fake: fd.FakeDiscord, texts: list[str], servers: list[int], count: int, rate: float, pids: Sequence[int]
) -> dict[str, Any]:
    """Send `count` mentions (all at once when rate is 0) and wait for every reply; times and CPU."""
    sent_at: dict[str, float] = {}
    replied_before = len(fake.requests)
    bots_cpu0, database_cpu0 = process_cpu(pids), postgres_cpu()
    busy0, total0 = cpu_ticks()
    fake_cpu0 = time.process_time()
    wall0, began = time.time(), time.monotonic()
    for index in range(count):
        if rate:
            await asyncio.sleep(max(0.0, began + index / rate - time.monotonic()))
        text = texts[index % len(texts)]
        payload = fd.message(f"<@{fd.BOT_ID}> {text}", guild_id=servers[index % len(servers)])
        sent_at[payload["id"]] = time.monotonic()
        await fake.dispatch("MESSAGE_CREATE", payload)
    latency: dict[str, float] = {}
    replies: list[fd.Recorded] = []
    seen, deadline = replied_before, time.monotonic() + 600
    while len(latency) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # polled, so that waiting costs the fake nothing per request
        fresh, seen = fake.requests[seen:], len(fake.requests)
        for reply in fresh:
            reference = (reply.body or {}).get("message_reference") or {}
            source = str(reference.get("message_id"))
            if source in sent_at:
                replies.append(reply)
                latency.setdefault(source, reply.at - sent_at[source])
    wall1 = time.time()
    busy1, total1 = cpu_ticks()
    last = max(r.at for r in replies)
    return {
        "messages": count,
        "replies": len(replies),
        "failed_replies": sum(1 for r in replies if r.status != 200),
        "answered_messages": len(latency),
        "seconds": last - began,
        "messages_per_second": count / (last - began),
        "p50_ms": 1000 * statistics.median(latency.values()),
        "p99_ms": 1000 * percentile(list(latency.values()), 0.99),
        "latency_sum_s": sum(latency.values()),
        "window": (wall0, wall1),
        "machine_busy": (busy1 - busy0) / max(1, total1 - total0),
        "machine_busy_cpu_s": (busy1 - busy0) / os.sysconf("SC_CLK_TCK"),
        "fake_cpu_s": time.process_time() - fake_cpu0,
        "bots_cpu_s": process_cpu(pids) - bots_cpu0,
        "postgres_cpu_s": postgres_cpu() - database_cpu0,
    }


def database_share(spans: list[tuple[float, float]], window: tuple[float, float], pass_: dict[str, Any]) -> None:
    """Connection-held time within the pass, per message and as a share of the summed reply latencies."""
    inside = [(a, b) for a, b in spans if a >= window[0] and b <= window[1] + 1.0]
    held = sum(b - a for a, b in inside)
    pass_["db_calls_per_message"] = len(inside) / pass_["messages"]
    pass_["db_ms_per_message"] = 1000 * held / pass_["messages"]
    pass_["db_share"] = held / pass_["latency_sum_s"]


async def run_config(processes: int, args: argparse.Namespace, texts: list[str]) -> dict[str, Any]:
    """Start the fake, the database and the bot processes; a burst pass and a paced pass; stop and measure."""
    url = await create_scratch_database(args.database, "factbot_discord_scale")
    fake = await fd.FakeDiscord(heartbeat_ms=5000, recommended_shards=args.shards, max_concurrency=args.shards).start()
    servers = [fd.guild_on_shard(i % args.shards, args.shards, index=i // args.shards) for i in range(args.servers)]
    for server in servers:
        fake.add_guild(server)
    bots: list[Bot] = []
    try:
        await prepare(url)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(PREFIXES)},
            "DATABASE_URL": url,
            "CATALOGUE_DIR": str(CLAIMS_DIR),
            "DISCORD_TOKEN": fd.TOKEN,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DISCORD_IDENTIFY_WINDOW_SECONDS": "0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        with tempfile.TemporaryDirectory() as scratch:
            split = SPLITS[processes] if args.shards == 4 else even_split(args.shards, processes)
            bots = [Bot(shards, Path(scratch) / f"bot{n}.json") for n, shards in enumerate(split)]
            for bot in bots:
                await bot.start(env, args.shards)
            await asyncio.wait_for(asyncio.gather(*(b.ready.wait() for b in bots)), 120)
            pids = [b.process.pid for b in bots if b.process is not None]
            await one_pass(fake, texts, servers, 50, 0, pids)  # warm-up: matchers built, connections open
            burst = await one_pass(fake, texts, servers, args.messages, 0, pids)
            paced = await one_pass(fake, texts, servers, args.paced, args.rate, pids)
            reports = [await b.stop() for b in bots]
        spans = [tuple(s) for r in reports for s in r["spans"]]
        for pass_ in (burst, paced):
            database_share(spans, pass_["window"], pass_)
            ours = pass_["bots_cpu_s"] + pass_["postgres_cpu_s"] + pass_["fake_cpu_s"]
            pass_["other_cpu_s"] = max(0.0, pass_["machine_busy_cpu_s"] - ours)  # anything else on the machine
            del pass_["window"]
        return {
            "processes": processes,
            "split": ",".join(split),
            "burst": burst,
            "paced": paced,
            "exit_codes": [r["code"] for r in reports],
            "violations": len(fake.violations),
        }
    finally:
        for bot in bots:
            if bot.process is not None and bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()
        await fake.stop()
        await drop_scratch_database(args.database, url)


def even_split(shards: int, processes: int) -> list[str]:
    """Contiguous shard ranges, as equal as possible."""
    size, extra = divmod(shards, processes)
    ranges, first = [], 0
    for n in range(processes):
        last = first + size + (1 if n < extra else 0) - 1
        ranges.append(f"{first}-{last}" if last > first else str(first))
        first = last + 1
    return ranges


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["worker"]:
        return worker(Path(argv[1]), argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", default="1,2,4", help="comma-separated process counts")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--servers", type=int, default=8)
    parser.add_argument("--messages", type=int, default=2000, help="messages in the burst pass")
    parser.add_argument("--paced", type=int, default=1000, help="messages in the paced pass")
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second in the paced pass")
    parser.add_argument("--database", default=os.environ.get("FACTBOT_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL,
                        help="PostgreSQL server (a database there is created and dropped per run)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="append each process count's figures to this file as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    texts = [str(line["text"]) for line in read_jsonl(DEFAULT_NATO)]
    random.Random(SEED).shuffle(texts)
    results = [asyncio.run(run_config(int(p), args, texts)) for p in args.processes.split(",")]
    print(
        f"Discord at scale: {args.shards} shards, {args.servers} servers, mentions (every message answered); "
        f"burst of {args.messages}, then {args.paced} at {args.rate:g}/s; PostgreSQL"
    )
    print("burst: messages/s, reply p50/p99, machine busy, CPU ms per message (bots / PostgreSQL / fake), other load")
    for r in results:
        b = r["burst"]
        cpu = " / ".join(f"{1000 * b[k] / b['messages']:.1f}" for k in ("bots_cpu_s", "postgres_cpu_s", "fake_cpu_s"))
        print(
            f"  {r['processes']} process(es) [{r['split']}]: {b['messages_per_second']:.0f} msg/s, "
            f"p50 {b['p50_ms']:.0f} ms, p99 {b['p99_ms']:.0f} ms, busy {b['machine_busy']:.0%}, CPU {cpu}, "
            f"other processes {b['other_cpu_s']:.1f} CPU s in {b['seconds']:.1f} s"
        )
    print(f"paced ({args.rate:g}/s): reply p50/p99, machine busy, database calls and connection time per message")
    for r in results:
        b, p = r["burst"], r["paced"]
        print(
            f"  {r['processes']} process(es): p50 {p['p50_ms']:.1f} ms, p99 {p['p99_ms']:.1f} ms, busy "
            f"{p['machine_busy']:.0%}, {p['db_calls_per_message']:.1f} DB calls and {p['db_ms_per_message']:.1f} ms "
            f"per message = {p['db_share']:.0%} of the latency (burst: {b['db_share']:.0%}), other processes "
            f"{p['other_cpu_s']:.1f} CPU s in {p['seconds']:.1f} s"
        )
    print(f"machine: {machine()}, {os.cpu_count()} CPUs")
    for result in results:
        append_json(args.json, result)
    ok = all(r["exit_codes"] == [0] * r["processes"] and r["violations"] == 0 for r in results)
    ok = ok and all(
        r[k]["answered_messages"] == r[k]["messages"] == r[k]["replies"] and not r[k]["failed_replies"]
        for r in results
        for k in ("burst", "paced")
    )  # every message answered, once
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
