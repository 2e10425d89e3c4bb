"""factbot as separate OS processes (`python -m bot run slack`, HTTP mode) pointed at the fake Slack: start them,
wait until they serve, deliver signed events across them, stop them, and read their JSON logs.

Shared by the multi-process tests and benchmarks/slack_scale.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.fake_slack import SIGNING_SECRET, FakeSlack, SlackSender, event_body, mention

PROJECT_ROOT = Path(__file__).resolve().parents[3]
EVENT_TS_BASE = 1_700_000_000


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def factbot_env(
    fake: FakeSlack, database_url: str, port: int, *, home: Path, catalogue: Path, **extra: str
) -> dict[str, str]:
    """The environment of one factbot process: HTTP mode on 127.0.0.1:`port`, Slack at the fake, JSON logs."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "xdg"),
        "SLACK_MODE": "http",
        "SLACK_HOST": "127.0.0.1",
        "SLACK_PORT": str(port),
        "SLACK_API_URL": fake.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-team1",
        "DATABASE_URL": database_url,
        "CATALOGUE_DIR": str(catalogue),
        "CATALOGUE_CHECK_INTERVAL_SECONDS": "0",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    return env | extra


@dataclass
class FactbotProcess:
    """One `python -m bot run slack` (a single worker, or a supervisor with its workers), stderr collected."""

    process: asyncio.subprocess.Process
    port: int
    stderr: asyncio.Task[bytes] = field(init=False)
    served_by: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Read stderr all along, or a chatty child would fill the pipe and block.
        assert self.process.stderr is not None
        self.stderr = asyncio.create_task(self.process.stderr.read())

    @classmethod
    async def start(cls, env: Mapping[str, str], port: int) -> FactbotProcess:
        """Start factbot with this environment; it is not serving yet (see `healthy`)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "slack",
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process, port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    async def health(self, session: aiohttp.ClientSession) -> tuple[int, dict[str, Any]]:
        """GET /healthz on a fresh connection: its status and JSON body."""
        headers = {"Connection": "close"}
        timeout = aiohttp.ClientTimeout(total=10)
        async with session.get(f"{self.url}/healthz", headers=headers, timeout=timeout) as response:
            return response.status, await response.json()

    async def healthy(self, session: aiohttp.ClientSession, *, pids: int = 1, timeout: float = 60) -> set[int]:
        """Wait until /healthz answers 200 from `pids` different processes (workers sharing the port)."""
        deadline = time.monotonic() + timeout
        seen: set[int] = set()
        while len(seen) < pids:
            if self.process.returncode is not None:
                raise AssertionError(f"factbot exited with {self.process.returncode}:\n{await self.logs_text()}")
            try:
                status, body = await self.health(session)
                if status == 200:
                    seen.add(int(body["pid"]))
                    self.served_by.add(int(body["pid"]))
                    continue
            except (aiohttp.ClientConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"factbot did not start ({len(seen)} of {pids}):\n{await self.logs_text()}")
            await asyncio.sleep(0.1)
        return seen

    async def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then wait for the exit status (killing it if it takes longer than `timeout`)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise

    def kill_all(self) -> None:
        """Kill the process and any worker of it that answered /healthz and is still running (test clean-up)."""
        if self.process.returncode is None:
            self.process.kill()
        for pid in self.served_by - {self.pid}:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"bot.adapters.slack.workers" in cmdline:
                os.kill(pid, signal.SIGKILL)

    async def logs_text(self) -> str:
        """Everything the process wrote to stderr (waits for it to exit)."""
        return (await self.stderr).decode(errors="replace")

    async def logs(self) -> list[dict[str, Any]]:
        """Its JSON log lines (waits for it to exit)."""
        return [json.loads(line) for line in (await self.logs_text()).splitlines() if line.startswith("{")]


def mention_bodies(texts: Sequence[str], count: int) -> list[dict[str, Any]]:
    """`count` app_mention events, each a different message (its ts encodes its number) stating a claim, from
    many people (each within the per-user request limit, as in a busy workspace)."""
    return [
        event_body(
            mention(f"<@UBOT1> {texts[i % len(texts)]}", ts=f"{EVENT_TS_BASE + i}.000100", user=f"U{i % 100:03d}"),
            event_id=f"EvScale{i}",
        )
        for i in range(count)
    ]


def event_number(thread_ts: str) -> int:
    """Which event of `mention_bodies` a reply answers, from its thread_ts."""
    return int(thread_ts.split(".")[0]) - EVENT_TS_BASE


@dataclass(frozen=True, slots=True)
class Delivery:
    """One HTTP delivery of one event: when it started, its status, how long the acknowledgement took."""

    event: int
    attempt: int
    started: float
    status: int
    seconds: float


async def deliver(
    senders: Sequence[SlackSender],
    bodies: Sequence[dict[str, Any]],
    deliveries: int,
    *,
    concurrency: int = 50,
    rate: float = 0.0,
    seed: int = 1,
) -> list[Delivery]:
    """Deliver every event `deliveries` times in a shuffled order, at most `concurrency` at once.

    Attempt n of event i goes to sender (i + n) % len(senders), so with two senders every event reaches both; every
    attempt after the first carries X-Slack-Retry-Num, as Slack's retries do. rate 0 sends everything at once; rate
    R sends event i first at i/R seconds and its retries within the following 2 seconds.
    """
    rng = random.Random(seed)
    jobs = [(event, attempt) for event in range(len(bodies)) for attempt in range(deliveries)]
    rng.shuffle(jobs)
    due = {job: (job[0] / rate + (rng.uniform(0, 2) if job[1] else 0.0)) if rate else 0.0 for job in jobs}
    gate = asyncio.Semaphore(concurrency)
    begin = time.monotonic()

    async def one(event: int, attempt: int) -> Delivery:
        if rate:
            await asyncio.sleep(max(0.0, begin + due[(event, attempt)] - time.monotonic()))
        async with gate:
            sender = senders[(event + attempt) % len(senders)]
            started = time.monotonic()
            sent = await sender.event(bodies[event], retry=attempt)
            return Delivery(event, attempt, started, sent.status, sent.seconds)

    return list(await asyncio.gather(*(one(event, attempt) for event, attempt in jobs)))
