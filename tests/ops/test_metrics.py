"""Prometheus metrics through prometheus_client."""

from __future__ import annotations

from bot.ops.metrics import exposition, prometheus


def test_the_exposition_is_prometheus_client_s_with_real_families():
    before = exposition()[0].decode()
    prometheus().counted("replies_fact-check", 2)
    prometheus().timed(0.004)
    text, content_type = exposition()
    lines = text.decode().splitlines()
    assert content_type.startswith("text/plain; version=")
    assert "# TYPE factbot_events_total counter" in lines
    assert "# TYPE factbot_match_seconds histogram" in lines
    assert "# TYPE factbot_work_in_flight gauge" in lines
    assert any(line.startswith('factbot_match_seconds_bucket{le="0.005"}') for line in lines)
    assert text.decode() != before
