"""The catalogue as the bot sees it right now: claims plus a matcher, rebuilt when the source changes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.errors import StorageError
from bot.core.models import StoredClaim
from bot.core.ports import CatalogueSource
from bot.matching.matcher import ClaimMatcher, Thresholds
from bot.matching.semantic import SemanticReranker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view: in-flight messages keep the snapshot they started with."""

    version: int
    claims: dict[str, StoredClaim]
    matcher: ClaimMatcher


class LiveCatalogue:
    """Hands out the current snapshot, checking the source's version at most every `check_interval` seconds."""

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

    def invalidate(self) -> None:
        """Make the next `current()` check the source, e.g. right after a local edit."""
        self._checked_at = float("-inf")

    async def current(self) -> Snapshot:
        """The newest snapshot; while a rebuild runs, other callers keep using the previous one."""
        snapshot = self._snapshot
        if snapshot is not None and (self._monotonic() - self._checked_at < self.check_interval or self._lock.locked()):
            return snapshot
        async with self._lock:
            if self._snapshot is not None and self._monotonic() - self._checked_at < self.check_interval:
                return self._snapshot
            try:
                version = await self.source.catalogue_version()
                if self._snapshot is None or version != self._snapshot.version:
                    self._snapshot = await self._build(version)
            except StorageError:
                if self._snapshot is None:
                    raise
                # The database is away: keep answering from the last catalogue we had, and try again later.
                log.warning("catalogue check failed; using the last loaded catalogue", exc_info=True)
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
