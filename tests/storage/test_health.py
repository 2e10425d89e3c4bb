"""/healthz's database probe: refused, hung, cut mid-query, cached, one check at a time."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.engine import make_url

from bot.storage.db import Database, normalise_url
from bot.storage.health import CACHE_SECONDS, DatabaseProbe
from tests.adapters.slack.processes import free_port
from tests.conftest import PG_URL
from tests.fakes.tcp import PausingProxy, SilentServer


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
