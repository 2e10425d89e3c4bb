"""Matching off the event loop, on one worker thread per process, which hands results back in batches and gives the
loop a turn every few milliseconds.

Matching is pure Python, so it holds the GIL. With asyncio's default executor a burst of requests ran on up to six
threads at once and the loop waited behind all of them (224 ms in a 1,000-request burst). One thread matches as many
messages per second, but the loop still starved: each time it gives up the GIL for a system call (epoll, the wake-up
pipe) it must win it back, and a worker that briefly releases and retakes the GIL restarts the loop's wait, so the
loop could wait over 100 ms for a GIL nobody held long. So the matching thread works in turns: it starts only once the
loop has finished the iteration that queued the work (a burst of 1,000 requests is admitted in one iteration), runs
queued jobs for at most TURN seconds, hands all their results to the loop in one callback (one wake-up per turn, not
one per job) and, when more jobs are queued, waits until the loop has run the code awaiting those results. The loop's
wait is bounded by one job plus TURN, whatever the burst, and no time is lost, since the two never ran at once anyway
(benchmarks/loop_lag.py measures this against asyncio's default executor and a thread that hands back each result).
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

TURN = 0.005  # seconds of matching after which the loop gets a turn: CPython's own switch interval
TURN_WAIT = 0.25  # the longest the matching thread waits for its turn to end (a stopped or stuck loop)

# A queued job: the loop awaiting it, the future it awaits, the work.
Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[], Any]]
# A finished job: the future, and its result or the exception it raised.
Done = tuple["asyncio.Future[Any]", Any, BaseException | None]

_lock = threading.Lock()  # guards _pool, _queue and _draining, between the loop(s) and the matching thread
_pool: ThreadPoolExecutor | None = None
_queue: deque[Job] = deque()
_draining = False  # a drain is queued or running on the matching thread


def _forget_parent() -> None:
    """In a forked child: the parent's matching thread did not come along, so its pool, queue and lock are not ours."""
    global _lock, _pool, _queue, _draining
    _lock, _pool, _queue, _draining = threading.Lock(), None, deque(), False


os.register_at_fork(after_in_child=_forget_parent)


def _executor() -> ThreadPoolExecutor:
    """The process's matching thread, started on first use (a forked worker starts its own). Caller holds _lock."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="factbot-match")
    return _pool


def _give_turn(loop: asyncio.AbstractEventLoop) -> None:
    """Block this thread until the loop has finished the iteration it is in and started the next one."""
    _hand_back({loop: []}, wait=True)


def _settle(finished: list[Done], turn: threading.Event | None) -> None:
    """On the loop: resolve a batch of futures (skipping any whose caller gave up), then end the turn."""
    for future, result, error in finished:
        if future.done():  # cancelled while queued or running
            continue
        if error is None:
            future.set_result(result)
        elif isinstance(error, StopIteration):  # a future cannot carry StopIteration (asyncio raises TypeError)
            future.set_exception(RuntimeError(f"StopIteration raised off the loop: {error!r}"))
        else:
            future.set_exception(error)
    if turn is not None:
        # Set once the loop has run what awaited these results (the tasks wake in the iteration after this one).
        asyncio.get_running_loop().call_soon(turn.set)


def _hand_back(batches: dict[asyncio.AbstractEventLoop, list[Done]], *, wait: bool) -> None:
    """Send each loop its finished jobs in one callback; with `wait`, block until they have taken their turn."""
    turns: list[threading.Event] = []
    for loop, finished in batches.items():
        turn = threading.Event() if wait else None
        try:
            loop.call_soon_threadsafe(_settle, finished, turn)
        except RuntimeError:  # the loop is closed: its callers are gone
            continue
        if turn is not None:
            turns.append(turn)
    batches.clear()
    deadline = time.perf_counter() + TURN_WAIT
    for turn in turns:
        turn.wait(max(0.0, deadline - time.perf_counter()))


def _drain() -> None:
    """On the matching thread: after the loop's turn, run queued jobs until none is left, handing results back after
    every TURN of work."""
    global _draining
    batches: dict[asyncio.AbstractEventLoop, list[Done]] = {}
    with _lock:
        first = _queue[0][0] if _queue else None
    if first is not None:
        # Started by a loop in the middle of an iteration (a burst admits all its requests in one): let it finish
        # that iteration before matching competes with it for the GIL.
        _give_turn(first)
    started = time.perf_counter()
    while True:
        with _lock:
            if not _queue:
                _draining = False
                break
            loop, future, call = _queue.popleft()
        if future.done():  # cancelled before it ran
            continue
        try:
            batches.setdefault(loop, []).append((future, call(), None))
        except BaseException as error:  # every error belongs to the caller that awaits it
            batches.setdefault(loop, []).append((future, None, error))
        if time.perf_counter() - started >= TURN:
            with _lock:
                more = bool(_queue)
            _hand_back(batches, wait=more)
            started = time.perf_counter()
    _hand_back(batches, wait=False)


def _submit(loop: asyncio.AbstractEventLoop, call: Callable[[], T]) -> asyncio.Future[T]:
    """Queue one job for the matching thread and start a drain there unless one is already under way."""
    global _draining
    future: asyncio.Future[T] = loop.create_future()
    with _lock:
        _queue.append((loop, future, call))
        if not _draining:
            _draining = True
            try:
                _executor().submit(_drain)
            except BaseException:
                _draining = False
                _queue.pop()
                raise
    return future


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run CPU-bound work (matching, building an index) on the matching thread and await its result."""
    return await _submit(asyncio.get_running_loop(), functools.partial(fn, *args, **kwargs))
