"""Matching off the event loop, on one worker thread per process, which gives the loop a turn every few
milliseconds.

Matching is pure Python, so it holds the GIL. With asyncio's default executor a burst of requests ran on up to six
threads at once and the loop waited behind all of them (224 ms in a 1,000-request burst). One thread matches as many
messages per second, but the loop still starved: each time it gives up the GIL for a system call (epoll, the wake-up
pipe) it must win it back, and a worker that briefly releases and retakes the GIL restarts the loop's wait, so the
loop could wait over 100 ms for a GIL nobody held long. So after every TURN seconds of work the matching thread waits
until the loop has run one full iteration: the loop's wait is bounded by one job plus TURN, whatever the burst, and
no time is lost, since the two never ran at once anyway (benchmarks/loop_lag.py measures both).
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

TURN = 0.005  # seconds of matching after which the loop gets a turn: CPython's own switch interval
TURN_WAIT = 0.25  # the longest the matching thread waits for its turn to end (a stopped or stuck loop)

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_busy = threading.local()  # per worker thread: `seconds` worked since the loop's last turn, when the last job `ended`


def _executor() -> ThreadPoolExecutor | None:
    """The process's matching thread, started on first use (a forked worker starts its own)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="factbot-match")
        return _pool


def _give_turn(loop: asyncio.AbstractEventLoop) -> None:
    """Block this thread until the loop has finished the iteration it is in and started the next one."""
    done = threading.Event()
    try:
        # Set from the next iteration, so the loop's whole current iteration runs without competing for the GIL.
        loop.call_soon_threadsafe(loop.call_soon, done.set)
    except RuntimeError:  # the loop is closed: nobody to give a turn to
        return
    done.wait(TURN_WAIT)


def _in_turns(loop: asyncio.AbstractEventLoop, call: Callable[[], T]) -> T:
    """Run one job on the matching thread; first give the loop a turn if this thread has worked TURN since the last
    one without a pause of TURN (when it paused, the loop had the GIL to itself). A job's result is never held back."""
    state = _busy.__dict__
    now = time.perf_counter()
    if now - state.get("ended", now) >= TURN:
        state["seconds"] = 0.0
    if state.get("seconds", 0.0) >= TURN:
        _give_turn(loop)
        state["seconds"] = 0.0
    started = time.perf_counter()
    try:
        return call()
    finally:
        state["ended"] = time.perf_counter()
        state["seconds"] = state.get("seconds", 0.0) + state["ended"] - started


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run CPU-bound work (matching, building an index) on the matching thread and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), _in_turns, loop, functools.partial(fn, *args, **kwargs))
