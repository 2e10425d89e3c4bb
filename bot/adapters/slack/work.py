"""Work done after Slack has been acknowledged: counted so shutdown can wait for it, and never lost silently."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.adapters.slack.timing import WorkTimes
from bot.ops.metrics import prometheus

log = logging.getLogger(__name__)


class Work:
    """Tracks listener work that runs after the ack; failures are logged with what was being done."""

    def __init__(self, times: WorkTimes | None = None) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.failures = 0
        self.times = times or WorkTimes()

    @property
    def running(self) -> int:
        """How many pieces of work are in flight."""
        return self._running

    @asynccontextmanager
    async def run(self, kind: str, **fields: Any) -> AsyncIterator[None]:
        """Run one piece of work; an exception is logged with `kind` and `fields` (ids only) and swallowed."""
        self._running += 1
        self._idle.clear()
        started = time.perf_counter()
        exported = prometheus()
        exported.in_flight.labels("slack").inc()
        try:
            with self.times.measure():
                yield
        except Exception:
            self.failures += 1
            log.exception("Slack %s failed after it was acknowledged", kind, extra={"work": kind, **fields})
        finally:
            exported.in_flight.labels("slack").dec()
            exported.work.labels("slack").observe(time.perf_counter() - started)
            self._running -= 1
            if self._running == 0:
                self._idle.set()
            log.debug(
                "Slack %s done",
                kind,
                extra={"work": kind, "ms": round((time.perf_counter() - started) * 1000), **fields},
            )

    async def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for work in flight; False (and a warning) if some is still running."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("stopping with Slack work still running", extra={"running": self._running})
            return False
        return True
