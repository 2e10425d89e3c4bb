"""Two factbot workers sharing one database (SQLite file or PostgreSQL) answer a redelivered event once (SL-3);
the supervisor's pool retries a worker that cannot start and stops every worker it started."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable

import pytest

from bot.adapters.slack.workers import MAX_CRASHES, WorkerPool
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.fakes.fake_slack import channel_message, event_body, mention


async def test_event_delivered_four_times_across_two_workers_is_answered_once(fake_slack, start_bot, database_url):
    settings = make_settings(database_url, fake_slack, watch_channels=True)
    first, second = await start_bot(settings), await start_bot(settings)
    assert first.services.database is not second.services.database, "two engines, as two processes would have"
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="60.000100"), event_id="EvTwoWorkers")
    deliveries = [worker.send.event(body, retry=n) for n, worker in enumerate([first, second, first, second])]
    # The same message also arrives as a `message` event (different event id) on both workers.
    also = event_body(channel_message(f"<@UBOT1> {STAGED}", ts="60.000100"), event_id="EvTwoWorkersMessage")
    deliveries += [first.send.event(also), second.send.event(also, retry=1)]
    results = await asyncio.gather(*deliveries)
    await first.settle()
    await second.settle()
    assert {r.status for r in results} == {200}
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def run_pool(pool: WorkerPool, stop: asyncio.Event, *, within: float) -> int:
    return await asyncio.wait_for(pool.run(stop), within)


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def alive(process: asyncio.subprocess.Process) -> bool:
    try:
        os.kill(process.pid, 0)
    except ProcessLookupError:
        return False
    return process.returncode is None


async def test_a_worker_that_cannot_be_started_counts_as_a_crash_and_the_pool_gives_up(tmp_path, caplog):
    """A failed spawn must not silently leave the pool a worker short: it is logged, retried, and counted."""
    pool = WorkerPool(1, os.environ, command=[str(tmp_path / "no-such-program")], first_restart_delay=0.01)
    assert await run_pool(pool, asyncio.Event(), within=10) == 1
    assert pool.gave_up
    failures = [r for r in caplog.records if r.getMessage() == "Slack worker could not be started"]
    assert len(failures) == MAX_CRASHES + 1
    assert all(r.levelno == logging.ERROR for r in failures)


async def test_a_worker_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path, caplog):
    ready = tmp_path / "ready"
    stubborn = (
        f"import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"
    )
    pool = WorkerPool(1, os.environ, command=[sys.executable, "-c", stubborn], stop_seconds=0.3)
    stop = asyncio.Event()
    running = asyncio.create_task(run_pool(pool, stop, within=10))
    await wait_until(ready.exists)
    started = time.monotonic()
    stop.set()
    assert await running == 1, "a killed worker is not a clean stop"
    assert 0.3 <= time.monotonic() - started < 3
    assert pool.exit_codes == [-signal.SIGKILL]
    assert any(r.getMessage() == "Slack worker did not stop in time; killing it" for r in caplog.records)


async def test_cancelling_the_pool_stops_its_workers_instead_of_replacing_them():
    pool = WorkerPool(2, os.environ, command=[sys.executable, "-c", "import time; time.sleep(60)"])
    running = asyncio.create_task(pool.run(asyncio.Event()))
    await wait_until(lambda: len(pool.processes) == 2)
    workers = list(pool.processes.values())
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 10)
    assert not any(alive(p) for p in workers)
    assert pool.processes == dict(enumerate(workers)), "none was started again"
    assert not pool.crashes
