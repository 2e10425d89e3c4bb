"""In-process counters and match latencies, reported as a periodic log line (and by adapters that serve HTTP)."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

LATENCY_WINDOW = 10_000


class MetricsListener(Protocol):
    """Somewhere else the figures go as they happen, such as a Prometheus exporter."""

    def counted(self, name: str, amount: int) -> None:
        """An event was counted."""
        ...

    def timed(self, seconds: float) -> None:
        """A match took this long."""
        ...


class Metrics:
    """Cheap to update on every message; `snapshot()` reads them for a report, and a listener may mirror them."""

    def __init__(self, listener: MetricsListener | None = None) -> None:
        self.counters: Counter[str] = Counter()
        self._latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self.listener = listener

    def incr(self, name: str, amount: int = 1) -> None:
        """Count an event: replies, suggestions, no-match, duplicates dropped, database errors..."""
        self.counters[name] += amount
        if self.listener is not None:
            self.listener.counted(name, amount)

    @contextmanager
    def timed_match(self) -> Iterator[None]:
        """Record how long one match took."""
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self._latencies.append(seconds * 1000)
            if self.listener is not None:
                self.listener.timed(seconds)

    def snapshot(self) -> dict[str, float]:
        """Counters plus match latency p50/p99 (ms) over the last 10,000 matches."""
        data: dict[str, float] = dict(self.counters)
        ordered = sorted(self._latencies)
        if ordered:
            data["match_ms_p50"] = round(ordered[len(ordered) // 2], 2)
            data["match_ms_p99"] = round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)
            data["matches"] = len(ordered)
        return data
