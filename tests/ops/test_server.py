"""The ops server for Discord and Slack Socket Mode (OPS_PORT), and /metrics summed over a worker pool."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import aiohttp

from bot.app import open_services
from bot.settings import load_settings
from tests.conftest import FIXTURE_CLAIMS, PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_discord_and_socket_mode_serve_healthz_and_metrics_on_ops_port(monkeypatch, tmp_path):
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    monkeypatch.setenv("CATALOGUE_DIR", str(FIXTURE_CLAIMS))
    monkeypatch.setenv("OPS_HOST", "127.0.0.1")
    monkeypatch.setenv("OPS_PORT", str(port))
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    async with open_services(settings) as services, aiohttp.ClientSession() as session:
        async with services.ops_server() as bound:
            assert bound == port
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                body = await response.json()
                assert response.status == 200 and body["status"] == "ok" and body["database"] == "ok"
            async with session.get(f"http://127.0.0.1:{port}/metrics", headers={"Accept": "text/plain"}) as response:
                assert "# TYPE factbot_events_total counter" in await response.text()
            async with session.get(f"http://127.0.0.1:{port}/metrics?format=json") as response:
                assert (await response.json())["pid"] == os.getpid()
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                raise AssertionError(f"still serving after the block: {response.status}")
        except aiohttp.ClientConnectionError:
            pass


async def test_ops_port_zero_serves_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    monkeypatch.setenv("CATALOGUE_DIR", str(FIXTURE_CLAIMS))
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    async with open_services(settings) as services, services.ops_server() as bound:
        assert bound is None


WORKER = """
import sys
from bot.ops.metrics import prometheus
prometheus().counted("replies_fact-check", int(sys.argv[1]))
prometheus().in_flight.labels("slack").inc(int(sys.argv[1]))
"""
READER = """
from bot.ops.metrics import exposition
print(exposition()[0].decode())
"""


def test_any_worker_reports_the_sum_of_the_pool(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for amount in (2, 3):
        subprocess.run([sys.executable, "-c", WORKER, str(amount)], env=env, check=True, cwd=PROJECT_ROOT)
    text = subprocess.run(
        [sys.executable, "-c", READER], env=env, check=True, capture_output=True, text=True, cwd=PROJECT_ROOT
    ).stdout
    assert 'factbot_events_total{event="replies_fact-check"} 5.0' in text
    assert 'factbot_work_in_flight{platform="slack"} 5.0' in text
