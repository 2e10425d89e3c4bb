"""The catalogue as the bot sees it right now: claims plus a matcher, rebuilt when the source changes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.core.errors import StorageError
from bot.core.ports import CatalogueSource
from bot.domain.models import StoredClaim
from bot.matching.matcher import ClaimMatcher, Thresholds
from bot.matching.overlay import CommunityMatcher
from bot.matching.semantic import SemanticReranker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view: in-flight messages keep the snapshot they started with."""

    version: int
    claims: Mapping[str, StoredClaim]
    matcher: ClaimMatcher | CommunityMatcher  # the shared matcher, or a community's view of it


class LiveCatalogue:
    """Hands out the current snapshot, checking the source's version at most every `check_interval` seconds.

    A rebuild (a new matcher index: seconds for a large catalogue) never holds up a message: while it runs in the
    background, callers get the previous snapshot. Only the first load, and the first call after this process's
    own edit (so a moderator reads their own write), wait for it.
    """

    def __init__(
        self,
        source: CatalogueSource,
        thresholds: Thresholds,
        *,
        check_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        semantic: SemanticReranker | None = None,
    ) -> None:
        self.source = source
        self.thresholds = thresholds
        self.semantic = semantic
        self.check_interval = check_interval
        self._monotonic = monotonic
        self._snapshot: Snapshot | None = None
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()
        self._generation = 0  # counts announced changes, so one announced during a rebuild is not lost
        self._wait_for_change = False
        self._background: asyncio.Task[None] | None = None

    def invalidate(self) -> None:
        """This process changed the catalogue: the next caller waits for the new snapshot."""
        self._generation += 1
        self._checked_at = float("-inf")
        self._wait_for_change = True

    def announce(self) -> None:
        """Another process changed the catalogue (a PostgreSQL notice): rebuild in the background now."""
        self._generation += 1
        self._checked_at = float("-inf")
        if self._snapshot is not None:
            self._refresh_in_background()

    async def current(self) -> Snapshot:
        """The newest snapshot; while a rebuild runs, callers keep using the previous one."""
        snapshot = self._snapshot
        if snapshot is None or self._wait_for_change:
            return await self._refresh()
        if self._monotonic() - self._checked_at >= self.check_interval:
            self._refresh_in_background()
        return snapshot

    async def aclose(self) -> None:
        """Stop a background rebuild still running at shutdown."""
        if self._background is not None and not self._background.done():
            self._background.cancel()
            await asyncio.gather(self._background, return_exceptions=True)

    def _refresh_in_background(self) -> None:
        if self._background is None or self._background.done():
            self._background = asyncio.create_task(self._refresh_quietly(), name="factbot-catalogue-rebuild")

    async def _refresh_quietly(self) -> None:
        try:
            await self._refresh()
        except Exception:
            log.exception("catalogue rebuild failed; using the last loaded catalogue")

    async def _refresh(self) -> Snapshot:
        async with self._lock:
            snapshot = self._snapshot
            fresh = self._monotonic() - self._checked_at < self.check_interval
            if snapshot is not None and fresh and not self._wait_for_change:
                return snapshot
            generation = self._generation
            self._wait_for_change = False
            try:
                version = await self.source.catalogue_version()
                if self._snapshot is None or version != self._snapshot.version:
                    self._snapshot = await self._build(version)
            except StorageError:
                if self._snapshot is None:
                    raise
                # The database is away: keep answering from the last catalogue we had, and try again later.
                log.warning("catalogue check failed; using the last loaded catalogue", exc_info=True)
            if generation == self._generation:  # else a change was announced meanwhile: check again next time
                self._checked_at = self._monotonic()
            return self._snapshot

    async def _build(self, version: int) -> Snapshot:
        stored = await self.source.all()
        started = time.perf_counter()
        matcher = await asyncio.to_thread(ClaimMatcher, [s.claim for s in stored], self.thresholds, self.semantic)
        build_ms = round(1000 * (time.perf_counter() - started))
        log.info(
            "catalogue loaded",
            extra={"catalogue_version": version, "claims": len(stored), "active": len(matcher), "build_ms": build_ms},
        )
        return Snapshot(version, {s.claim.id: s for s in stored}, matcher)
