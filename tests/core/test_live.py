"""The live catalogue rebuilds its matcher when the source changes, and not otherwise."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.core.live import LiveCatalogue
from bot.domain.models import StoredClaim
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


async def eventually_version(live: LiveCatalogue, version: int, rounds: int = 200) -> None:
    """Let background rebuilds run until the live catalogue hands out `version`."""
    for _ in range(rounds):
        if (await live.current()).version == version:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"still at version {(await live.current()).version}, expected {version}")


async def test_rebuilds_only_when_the_version_changes(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=1.0, monotonic=ticker)
    first = await live.current()
    ticker.t = 5
    assert await live.current() is first
    await asyncio.sleep(0.02)  # the check it started runs and finds the same version
    assert await live.current() is first and source.loads == 1, "the version did not change: no reload"
    source.version, source.claims = 2, fixture_claims[:1]
    ticker.t = 5.5
    assert await live.current() is first, "within the check interval the old snapshot is used"
    await asyncio.sleep(0.02)
    assert await live.current() is first and source.loads == 1
    ticker.t = 7
    await eventually_version(live, 2)
    assert len((await live.current()).claims) == 1


async def test_invalidate_after_a_local_edit_makes_the_next_caller_wait_for_it(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=60, monotonic=ticker)
    await live.current()
    source.version = 2
    live.invalidate()
    assert (await live.current()).version == 2


async def test_no_caller_waits_for_a_rebuild_once_a_snapshot_exists(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=1.0, monotonic=ticker)
    first = await live.current()
    source.version, source.gate, ticker.t = 2, asyncio.Event(), 10
    # The caller that finds the catalogue due for a check starts the rebuild and does not wait for it either.
    assert await asyncio.wait_for(live.current(), 1) is first
    while not live._lock.locked():
        await asyncio.sleep(0)
    assert await asyncio.wait_for(live.current(), 1) is first
    source.gate.set()
    await eventually_version(live, 2)


async def test_a_change_announced_during_a_rebuild_is_not_lost(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=3600, monotonic=ticker)
    await live.current()
    source.version, source.gate = 2, asyncio.Event()
    live.announce()  # another process's edit: version 2
    while not live._lock.locked():
        await asyncio.sleep(0)
    source.version = 3
    live.announce()  # a second edit while version 2 is being built
    source.gate.set()
    await eventually_version(live, 3)  # the clock never moved: only the second notice can bring version 3


async def test_a_background_rebuild_is_stopped_at_shutdown(fixture_claims):
    source, ticker = CountingSource(fixture_claims), Ticker()
    live = LiveCatalogue(source, Thresholds(), check_interval=1.0, monotonic=ticker)
    await live.current()
    source.version, source.gate = 2, asyncio.Event()
    live.announce()
    while not live._lock.locked():
        await asyncio.sleep(0)
    await asyncio.wait_for(live.aclose(), 1)
    assert not live._lock.locked()
