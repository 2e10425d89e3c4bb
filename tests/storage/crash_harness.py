"""kill -9 harness: a worker streams catalogue edits and acknowledges each after commit; a supervisor kills it at
random moments, restarts it, and checks that every acknowledged edit survived and nothing half-done shows.

Run as a worker with `python -m tests.storage.crash_harness worker URL SEED`; the supervisor is `run_rounds`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text

from bot.catalogue.loader import load_claims
from bot.domain.models import Actor
from bot.storage.claims import SqlClaimStore
from bot.storage.db import Database
from bot.storage.tables import audit_log, claim_revisions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "claims"
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
CLAIM_IDS = ("moon-landing-staged", "moon-landing-real", "vaccines-contain-microchips")
EDITOR = Actor(platform="crash", user_id="worker", display_name="worker")


async def worker(url: str, seed: int) -> None:
    """Edit forever; print `ack CLAIM VERSION SUMMARY` only after the transaction has committed."""
    database = Database(url)
    await database.upgrade()
    store = SqlClaimStore(database)
    if await store.is_empty():
        await store.sync_from_files(load_claims(FIXTURES))
    rng = random.Random(seed)
    number = 0
    while True:
        claim_id = rng.choice(CLAIM_IDS)
        current = await store.get(claim_id)
        assert current is not None
        number += 1
        summary = f"edit {seed}-{number}"
        stored = await store.update(
            claim_id,
            lambda c, s=summary: dataclasses.replace(c, summary=s),
            actor=EDITOR,
            action="edit",
            expected_version=current.version,
        )
        print(f"ack {claim_id} {stored.version} {summary}", flush=True)


@dataclass
class RoundResult:
    """What one kill round found."""

    acknowledged: int
    lost: int
    partial: int
    integrity: str


async def check(url: str, acknowledged: list[tuple[str, int, str]]) -> RoundResult:
    """Every acknowledged edit present; versions contiguous; one audit row per revision; integrity ok."""
    database = Database(url)
    store = SqlClaimStore(database)
    lost = partial = 0
    try:
        summaries = {
            claim_id: {r.version: r.after.summary for r in await store.history(claim_id, limit=1_000_000)}
            for claim_id in CLAIM_IDS
        }
        for claim_id, version, summary in acknowledged:
            if summaries[claim_id].get(version) != summary:
                lost += 1
        async with database.engine.connect() as connection:
            for claim_id in CLAIM_IDS:
                stored = await store.get(claim_id)
                assert stored is not None
                versions = sorted(
                    (
                        await connection.execute(
                            select(claim_revisions.c.version).where(claim_revisions.c.claim_id == claim_id)
                        )
                    ).scalars()
                )
                history = await store.history(claim_id, limit=1)
                if versions != list(range(1, stored.version + 1)) or history[0].after != stored.claim:
                    partial += 1
            revisions_total = await connection.scalar(select(func.count()).select_from(claim_revisions))
            audits_total = await connection.scalar(select(func.count()).select_from(audit_log))
            if revisions_total != audits_total:
                partial += 1
            # PostgreSQL has no whole-database check like SQLite's; its WAL guarantees are covered by the checks above.
            check_sql = "PRAGMA integrity_check" if database.is_sqlite else "SELECT 'n/a'"
            integrity = str(await connection.scalar(text(check_sql)))
    finally:
        await database.dispose()
    return RoundResult(len(acknowledged), lost, partial, integrity)


def _kill_after(url: str, seed: int, delay: float) -> list[tuple[str, int, str]]:
    command = [sys.executable, "-m", "tests.storage.crash_harness", "worker", url, str(seed)]
    lines: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT, text=True
    ) as process:
        assert process.stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
        reader.start()
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        reader.join(timeout=10)
    acknowledged = []
    for line in lines:
        parts = line.rstrip("\n").split(" ", 3)
        if len(parts) == 4 and parts[0] == "ack":
            acknowledged.append((parts[1], int(parts[2]), parts[3]))
    return acknowledged


async def _prepare(url: str) -> None:
    database = Database(url)
    try:
        await database.upgrade()
        store = SqlClaimStore(database)
        if await store.is_empty():
            await store.sync_from_files(load_claims(FIXTURES))
    finally:
        await database.dispose()


def run_rounds(
    url: str, rounds: int, *, seed: int = 1, min_delay: float = 0.3, max_delay: float = 1.5
) -> list[RoundResult]:
    """Kill the worker `rounds` times at random moments, checking the database after each kill."""
    asyncio.run(_prepare(url))
    rng = random.Random(seed)
    results: list[RoundResult] = []
    everything: list[tuple[str, int, str]] = []
    for number in range(rounds):
        everything += _kill_after(url, seed * 1000 + number, rng.uniform(min_delay, max_delay))
        results.append(asyncio.run(check(url, everything)))
    return results


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    asyncio.run(worker(sys.argv[2], int(sys.argv[3])))
