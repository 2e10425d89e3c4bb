"""A table read whole into memory and re-read every so often, or at once when another process says it changed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Refreshed:
    """When to re-read: `refresh_seconds` after the last read, or at once after `invalidate()`; one read at a time."""

    def __init__(self, refresh_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Re-read on the next look-up (another process changed the table)."""
        self._loaded_at = float("-inf")

    def _due(self) -> bool:
        return self._monotonic() - self._loaded_at >= self.refresh_seconds

    async def ensure(self, read: Callable[[], Awaitable[None]]) -> None:
        """Run `read` if the copy in memory is due, once however many callers ask at the same time."""
        if self._due():
            async with self._lock:
                if self._due():
                    await read()
                    self._loaded_at = self._monotonic()
