"""The matching thread: results and errors come back to their callers, batched per event loop, none dropped; and the
event loop gets a turn before a burst is matched and between turns of work, however many jobs are queued."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import warnings

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


def double_unless_seventh(i: int) -> int:
    """A job that fails for some inputs, as matching can."""
    if i % 7 == 0:
        raise ValueError(i)
    return 2 * i


async def test_a_burst_of_a_thousand_jobs_is_answered_completely_each_caller_its_own_result_or_error() -> None:
    outcomes = await asyncio.gather(
        *(offload.off_loop(double_unless_seventh, i) for i in range(1000)), return_exceptions=True
    )
    for i, outcome in enumerate(outcomes):
        if i % 7 == 0:
            assert isinstance(outcome, ValueError) and outcome.args == (i,)
        else:
            assert outcome == 2 * i


async def test_a_cancelled_caller_leaves_the_rest_of_its_batch_answered() -> None:
    trace: list[str] = []
    jobs = [asyncio.ensure_future(offload.off_loop(busy, 0.001, trace, f"job {i}")) for i in range(20)]
    await asyncio.sleep(0)  # all queued
    jobs[5].cancel()
    jobs[12].cancel()
    outcomes = await asyncio.gather(*jobs, return_exceptions=True)
    for i, outcome in enumerate(outcomes):
        if i in (5, 12):
            assert isinstance(outcome, asyncio.CancelledError)
        else:
            assert outcome == f"job {i}"
    assert "job 5" not in trace  # cancelled before it ran: never run


async def test_stop_iteration_from_a_job_reaches_the_caller_as_an_error() -> None:
    with pytest.raises(RuntimeError, match="StopIteration"):
        await offload.off_loop(next, iter(()))


async def test_the_first_job_of_a_burst_waits_until_the_loop_has_finished_admitting_it() -> None:
    started: list[float] = []
    job = asyncio.ensure_future(offload.off_loop(lambda: started.append(time.perf_counter())))
    await asyncio.sleep(0)  # queued, and the matching thread woken
    time.sleep(offload.TURN_WAIT / 2)  # the loop is still busy in the iteration that queued it (admitting a burst)
    loop_free_again = time.perf_counter()
    await job
    assert started[0] >= loop_free_again


def test_jobs_from_two_event_loops_at_once_each_come_back_to_their_own_loop() -> None:
    async def burst(name: str) -> list[tuple[str, int]]:
        jobs = (offload.off_loop(lambda i=i: (name, i)) for i in range(300))
        return await asyncio.gather(*jobs)

    results: dict[str, list[tuple[str, int]]] = {}

    def run(name: str) -> None:
        results[name] = asyncio.run(burst(name), debug=True)  # debug: touching a loop from another thread raises

    threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)  # a result settled on the wrong loop leaves its task waiting forever: fail, not hang
    assert not any(thread.is_alive() for thread in threads)
    assert results == {name: [(name, i) for i in range(300)] for name in ("a", "b")}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_matches_on_its_own_thread() -> None:
    assert asyncio.run(offload.off_loop(sorted, [2, 1])) == [1, 2]  # the parent's thread is running
    with warnings.catch_warnings():  # Python 3.12+ warns about forking a process that has threads: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: the parent's thread did not come along
        ok = asyncio.run(asyncio.wait_for(offload.off_loop(sorted, [4, 3]), timeout=10)) == [3, 4]
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 30
    while (status := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if status[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert status[0] == pid and os.waitstatus_to_exitcode(status[1]) == 0


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
