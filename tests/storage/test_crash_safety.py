"""kill -9 during a stream of edits loses no acknowledged edit and leaves nothing half-done (short run; the
benchmark `benchmarks/crash_safety.py` runs 100 rounds)."""

from __future__ import annotations

from tests.storage.crash_harness import run_rounds


def test_acknowledged_edits_survive_kill_9(database_url):
    results = run_rounds(database_url, rounds=4, seed=7, min_delay=0.8, max_delay=1.6)
    assert sum(r.acknowledged for r in results[-1:]) > 0, "the worker must have acknowledged edits to check"
    for result in results:
        assert (result.lost, result.partial) == (0, 0)
        assert result.integrity in {"ok", "n/a"}
