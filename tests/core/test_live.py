"""The live catalogue rebuilds its matcher when the source changes, and not otherwise."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.core.live import LiveCatalogue
from bot.core.models import StoredClaim
from bot.matching.matcher import Thresholds


class CountingSource:
    def __init__(self, claims):
        self.version = 1
        self.claims = claims
        self.loads = 0
        self.gate: asyncio.Event | None = None

    async def catalogue_version(self) -> int:
        return self.version

    async def all(self):
        self.loads += 1
        if self.gate:
            await self.gate.wait()
        now = dt.datetime.now(dt.UTC)
        return [StoredClaim(c, 1, now, "test") for c in self.claims]


class Ticker:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


async def test_rebuilds_only_when_the_version_changes(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=1.0, monotonic=ticker)
    first = await live.current()
    ticker.t = 5
    assert await live.current() is first and source.loads == 1
    source.version, source.claims = 2, fixture_claims[:1]
    assert await live.current() is first, "within the check interval the old snapshot is used"
    ticker.t = 7
    second = await live.current()
    assert second is not first and second.version == 2 and len(second.claims) == 1


async def test_invalidate_forces_a_check(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=60, monotonic=ticker)
    await live.current()
    source.version = 2
    live.invalidate()
    assert (await live.current()).version == 2


async def test_callers_keep_the_old_snapshot_while_a_rebuild_runs(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=1.0, monotonic=ticker)
    first = await live.current()
    source.version, source.gate, ticker.t = 2, asyncio.Event(), 10
    rebuild = asyncio.create_task(live.current())
    await asyncio.sleep(0)
    while not live._lock.locked():
        await asyncio.sleep(0)
    assert await asyncio.wait_for(live.current(), 1) is first
    source.gate.set()
    assert (await rebuild).version == 2
