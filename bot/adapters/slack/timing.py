"""Where acknowledged Slack work spends its time: in total, and holding a database connection."""

from __future__ import annotations

import contextvars
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

WINDOW = 10_000
_CHECKED_OUT = "factbot_checked_out"


@dataclass(slots=True)
class Span:
    """One piece of work: its time in the database so far (seconds), and whether a timed database call is running."""

    database: float = 0.0
    calling: int = 0


_current: contextvars.ContextVar[Span | None] = contextvars.ContextVar("factbot_slack_span", default=None)


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@contextmanager
def database_call() -> Iterator[None]:
    """Charge the whole enclosed call, waiting for a free pooled connection included, to the current work's
    database time (the adapter wraps its own storage calls, the de-duplication claims, in this)."""
    span = _current.get()
    if span is None:
        yield
        return
    span.calling += 1
    started = time.perf_counter()
    try:
        yield
    finally:
        span.calling -= 1
        if span.calling == 0:
            span.database += time.perf_counter() - started


class WorkTimes:
    """Per piece of work, its duration and its time in the database: recent percentiles and totals.

    Database time is the adapter's own storage calls from start to end (`database_call`), plus, for the core's
    calls (cooldowns, reply records, catalogue reloads), the time they held a pooled connection (checkout to
    checkin on the engine's pool). The core's calls waiting for a free connection are therefore not counted.
    """

    def __init__(self) -> None:
        self._total: deque[float] = deque(maxlen=WINDOW)
        self._database: deque[float] = deque(maxlen=WINDOW)
        self.count = 0
        self.total_seconds = 0.0
        self.database_seconds = 0.0
        self._engines: list[AsyncEngine] = []

    def watch(self, engine: AsyncEngine) -> None:
        """Charge connection time on `engine` to the work that holds the connection."""
        event.listen(engine.sync_engine, "checkout", _on_checkout)
        event.listen(engine.sync_engine, "checkin", _on_checkin)
        self._engines.append(engine)

    def unwatch(self) -> None:
        """Stop listening to the engines' pools."""
        for engine in self._engines:
            event.remove(engine.sync_engine, "checkout", _on_checkout)
            event.remove(engine.sync_engine, "checkin", _on_checkin)
        self._engines.clear()

    @contextmanager
    def measure(self) -> Iterator[Span]:
        """Time the enclosed work; database time is added to its span as connections are returned."""
        span = Span()
        token = _current.set(span)
        started = time.perf_counter()
        try:
            yield span
        finally:
            _current.reset(token)
            elapsed = time.perf_counter() - started
            self.count += 1
            self.total_seconds += elapsed
            self.database_seconds += span.database
            self._total.append(elapsed * 1000)
            self._database.append(span.database * 1000)

    def snapshot(self) -> dict[str, float]:
        """Counts, totals and p50/p99 (ms) over the last 10,000 pieces of work, under `slack_work_`."""
        data: dict[str, float] = {
            "slack_work_count": self.count,
            "slack_work_seconds_total": round(self.total_seconds, 3),
            "slack_work_db_seconds_total": round(self.database_seconds, 3),
        }
        if self.total_seconds > 0:
            data["slack_work_db_share"] = round(self.database_seconds / self.total_seconds, 4)
        for name, window in (("slack_work_ms", self._total), ("slack_work_db_ms", self._database)):
            ordered = sorted(window)
            if ordered:
                data[f"{name}_p50"] = round(_percentile(ordered, 0.5), 2)
                data[f"{name}_p99"] = round(_percentile(ordered, 0.99), 2)
        return data


def _on_checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
    span = _current.get()
    if span is not None and span.calling == 0:
        record.info[_CHECKED_OUT] = (span, time.perf_counter())


def _on_checkin(_dbapi: Any, record: Any) -> None:
    # Connection records carry the span themselves: checkin may run in another task's context.
    if record is None:
        return
    held = record.info.pop(_CHECKED_OUT, None)
    if held is not None:
        span, since = held
        span.database += time.perf_counter() - since
