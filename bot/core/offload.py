"""Matching off the event loop, on one worker thread per process.

Matching is pure Python, so it holds the GIL: with asyncio's default executor a burst of requests ran on up to
six threads at once, and the event loop waited behind all of them for its turn (224 ms in a 1,000-request
burst; a late loop is a late heartbeat or a late 3-second Slack acknowledgement). One thread matches as many
messages per second and leaves the loop to wait for one thread only (benchmarks/loop_lag.py).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor | None:
    """The process's matching thread, started on first use (a forked worker starts its own)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="factbot-match")
        return _pool


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run CPU-bound work (matching, building an index) on the matching thread and await its result."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), functools.partial(fn, *args, **kwargs))
