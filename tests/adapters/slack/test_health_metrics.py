"""/healthz checks the database (refused, hung, cached, one check at a time) and /metrics shows the dispatcher's and
the adapter's figures as JSON or Prometheus text."""

from __future__ import annotations

import asyncio
import os
import re
import time

import pytest
from sqlalchemy.engine import make_url

from bot.adapters.slack.health import CACHE_SECONDS, DatabaseProbe
from bot.adapters.slack.web import prometheus_text
from bot.storage.db import Database, normalise_url
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.adapters.slack.processes import free_port
from tests.conftest import PG_URL
from tests.fakes.fake_slack import event_body, mention


class SilentServer:
    """A TCP server that accepts connections and never answers: a database that hangs."""

    def __init__(self) -> None:
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> SilentServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


async def test_a_database_that_refuses_connections_is_reported_at_once():
    probe = DatabaseProbe(Database(f"postgresql://factbot:CANARY-pw@127.0.0.1:{free_port()}/factbot"), timeout=2.0)
    try:
        started = time.monotonic()
        health = await probe.check()
        assert time.monotonic() - started < 1.5
        assert not health.ok and health.reason == "connection refused"
        assert health.as_json() == {"database": "unreachable", "reason": "connection refused"}
    finally:
        await probe.close()


async def test_a_database_that_hangs_is_reported_after_the_timeout_with_one_connection_for_many_requests():
    async with SilentServer() as server:
        probe = DatabaseProbe(Database(f"postgresql://factbot@127.0.0.1:{server.port}/factbot"), timeout=0.3)
        try:
            started = time.monotonic()
            results = await asyncio.gather(*(probe.check() for _ in range(20)))
            assert time.monotonic() - started < 0.3 * 1.3, "the whole check, cleanup included, fits the timeout"
            assert {r.reason for r in results} == {"no answer within 0.3 s"}
            assert server.connections == 1, "concurrent health requests share one check"
            await probe.check()
            assert server.connections == 1, f"the result is reused for {CACHE_SECONDS} s"
        finally:
            await probe.close()


class PausingProxy:
    """Forwards TCP to PostgreSQL until `paused`, then passes nothing either way: a database that stops answering
    in the middle of a query, on a connection that is already open."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.paused = False
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._pipes: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> PausingProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [client_writer, server_writer]
        self._pipes += [
            asyncio.create_task(self._pipe(client_reader, server_writer)),
            asyncio.create_task(self._pipe(server_reader, client_writer)),
        ]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                while self.paused:
                    await asyncio.sleep(0.01)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()  # one side hung up: so does the other

    async def __aexit__(self, *exc: object) -> None:
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        self._server.close()
        await self._server.wait_closed()


@pytest.mark.postgres
async def test_a_database_that_stops_answering_mid_query_is_reported_within_the_timeout():
    """SQLAlchemy's clean-up after a cancelled query waits for the server; the check must not wait with it."""
    if not PG_URL:
        pytest.skip("FACTBOT_TEST_DATABASE_URL is not set")
    target = make_url(normalise_url(PG_URL))
    async with PausingProxy(target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        probe = DatabaseProbe(Database(url), timeout=0.5)
        try:
            assert (await probe.check()).ok
            await asyncio.sleep(CACHE_SECONDS)
            proxy.paused = True  # the pooled connection is open: the check's ping or SELECT 1 hangs
            started = time.monotonic()
            health = await probe.check()
            assert time.monotonic() - started < 0.5 * 1.3
            assert health.reason == "no answer within 0.5 s"
            proxy.paused = False
            await asyncio.sleep(CACHE_SECONDS)
            assert (await probe.check()).ok, "healthy again once the database answers"
        finally:
            await probe.close()


async def test_a_reachable_database_is_ok(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    probe = DatabaseProbe(database, timeout=1.0)
    try:
        health = await probe.check()
        assert health.ok and health.as_json()["database"] == "ok"
    finally:
        await probe.close()
        await database.dispose()


async def test_healthz_and_metrics_over_http(slack, fake_slack):
    session = slack.send.session
    async with session.get(f"{slack.base_url}/healthz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["pid"] == os.getpid()

    await slack.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="95.000100")))
    await fake_slack.wait_calls("chat.postMessage")
    await slack.settle()

    async with session.get(f"{slack.base_url}/metrics") as response:
        assert response.status == 200 and response.content_type == "application/json"
        figures = (await response.json())["metrics"]
    assert figures["replies_fact-check"] == 1 and figures["matches"] == 1
    assert figures["slack_work_count"] == 1 and figures["slack_in_flight"] == 0
    assert 0 < figures["slack_work_db_seconds_total"] < figures["slack_work_seconds_total"]
    assert 0 < figures["slack_work_db_share"] < 1

    scraper = {"Accept": "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4"}
    async with session.get(f"{slack.base_url}/metrics", headers=scraper) as response:
        assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        text = await response.text()
    assert f'factbot_replies_fact_check_total{{pid="{os.getpid()}"}} 1\n' in text


async def test_metrics_can_be_turned_off(fake_slack, start_bot, tmp_path):
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack), metrics=False)
    async with harness.send.session.get(f"{harness.base_url}/metrics") as response:
        assert response.status == 404
    async with harness.send.session.get(f"{harness.base_url}/healthz") as response:
        assert response.status == 200


def test_prometheus_text_has_one_family_per_name_counters_and_quantiles():
    figures = {
        "replies_fact-check": 3,
        "duplicates_dropped": 9,
        "match_ms_p50": 2.5,
        "match_ms_p99": 8.0,
        "matches": 3,
        "slack_work_seconds_total": 1.25,
        "slack_work_db_share": 0.4,
    }
    text = prometheus_text(figures, 42)
    assert text.endswith("\n")
    lines = text.splitlines()
    types = [line for line in lines if line.startswith("# TYPE")]
    assert len(types) == len({t.split()[2] for t in types}) == 6
    assert "# TYPE factbot_replies_fact_check_total counter" in lines
    assert 'factbot_replies_fact_check_total{pid="42"} 3' in lines
    assert 'factbot_slack_work_seconds_total{pid="42"} 1.25' in lines
    assert "# TYPE factbot_match_ms gauge" in lines
    assert 'factbot_match_ms{pid="42",quantile="0.5"} 2.5' in lines
    assert 'factbot_match_ms{pid="42",quantile="0.99"} 8' in lines
    assert 'factbot_slack_work_db_share{pid="42"} 0.4' in lines
    sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*\{pid="42"(,quantile="[0-9.]+")?\} [0-9.e+-]+$')
    assert all(sample.match(line) for line in lines if not line.startswith("#"))


@pytest.mark.parametrize("accept", ["*/*", "text/html,application/xhtml+xml", ""])
async def test_browsers_and_curl_get_json(slack, accept):
    async with slack.send.session.get(f"{slack.base_url}/metrics", headers={"Accept": accept}) as response:
        assert response.content_type == "application/json"
