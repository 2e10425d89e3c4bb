"""Prometheus metrics through prometheus_client: the core's events and match latencies, and adapters' work.

With several worker processes on one port (Slack HTTP workers), the supervisor sets PROMETHEUS_MULTIPROC_DIR
before starting them; each worker then writes its figures there and any of them answers /metrics with the sum
of all, so a scrape that lands on any worker sees the whole pool.
"""

from __future__ import annotations

import os
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class PrometheusMetrics:
    """The metric families factbot exports, created once per process (prometheus_client's registry is global)."""

    def __init__(self) -> None:
        self.events = Counter("factbot_events", "Things factbot did, by event", ["event"])
        self.match = Histogram("factbot_match_seconds", "Time to match one message", buckets=LATENCY_BUCKETS)
        self.work = Histogram(
            "factbot_work_seconds", "Adapter work after acknowledging a request", ["platform"], buckets=LATENCY_BUCKETS
        )
        self.in_flight = Gauge(
            "factbot_work_in_flight", "Acknowledged work still running", ["platform"], multiprocess_mode="livesum"
        )

    def counted(self, name: str, amount: int) -> None:
        """Count a core event (replies, duplicates dropped, errors...)."""
        self.events.labels(name).inc(amount)

    def timed(self, seconds: float) -> None:
        """Record one match's latency."""
        self.match.observe(seconds)


@cache
def prometheus() -> PrometheusMetrics:
    """This process's metric families."""
    return PrometheusMetrics()


def exposition() -> tuple[bytes, str]:
    """The Prometheus text of every metric: this process's, or the whole worker pool's in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    prometheus()
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int, folder: str | None) -> None:
    """Forget a dead worker's live gauges in the pool's metrics folder (its counters stay, as Prometheus expects)."""
    if folder:
        prometheus_multiprocess.mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]
