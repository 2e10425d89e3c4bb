"""The matching thread: results and errors come back to the caller, and the event loop gets a turn between jobs
once the thread has worked its share, however many jobs are queued."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.core import offload


def busy(seconds: float, trace: list[str], name: str) -> str:
    """Pure-Python work that holds the GIL, as matching does."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    trace.append(name)
    return name


async def test_results_and_errors_come_back_from_the_matching_thread() -> None:
    assert await offload.off_loop(sorted, [3, 1, 2]) == [1, 2, 3]
    with pytest.raises(ZeroDivisionError):
        await offload.off_loop(lambda: 1 / 0)
    names = {await offload.off_loop(lambda: threading.current_thread().name) for _ in range(3)}
    assert len(names) == 1 and next(iter(names)).startswith("factbot-match")  # one thread, always the same


async def test_after_a_turn_of_work_the_thread_waits_for_the_loop_before_its_next_job() -> None:
    # A job longer than a turn, then a short one, both queued; then the loop itself is kept busy (a synchronous
    # sleep on the loop thread, shorter than TURN_WAIT). The second job must not start until the loop has run again:
    # without turns it would start as soon as the first ended, and a loop that must win the GIL back could wait
    # behind every queued job (benchmarks/loop_lag.py).
    trace: list[str] = []
    started: list[float] = []

    def second() -> None:
        started.append(time.perf_counter())

    first_job = asyncio.ensure_future(offload.off_loop(busy, 2 * offload.TURN, trace, "first"))
    second_job = asyncio.ensure_future(offload.off_loop(second))
    await asyncio.sleep(0)  # both handed to the thread
    time.sleep(offload.TURN_WAIT / 2)  # the loop is busy: the thread, done with the first job, must wait
    loop_free_again = time.perf_counter()
    await asyncio.gather(first_job, second_job)
    assert trace == ["first"] and started[0] >= loop_free_again


def test_a_closed_loop_does_not_hold_the_thread() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    started = time.perf_counter()
    offload._give_turn(loop)  # nobody to give a turn to: returns at once
    assert time.perf_counter() - started < offload.TURN_WAIT


def test_a_loop_that_never_runs_holds_the_thread_for_at_most_the_turn_wait() -> None:
    loop = asyncio.new_event_loop()  # created, never run: the turn is never taken
    try:
        started = time.perf_counter()
        offload._give_turn(loop)
        waited = time.perf_counter() - started
    finally:
        loop.close()
    assert offload.TURN_WAIT <= waited < offload.TURN_WAIT + 1.0
