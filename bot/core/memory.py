"""In-memory catalogue and keys, for `--catalogue DIR` runs that need no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from bot.domain.models import Claim, StoredClaim


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MemoryCatalogue:
    """A fixed set of claims, as read from a YAML directory; it never changes, so its version is constant."""

    def __init__(self, claims: Sequence[Claim], *, loaded_at: dt.datetime | None = None) -> None:
        when = loaded_at or _utc_now()
        self._claims = [StoredClaim(c, 1, when, "catalogue files", from_files=True) for c in claims]

    async def catalogue_version(self) -> int:
        """Always 1: the files were read once."""
        return 1

    async def all(self) -> list[StoredClaim]:
        """Every claim read from the files."""
        return list(self._claims)


class MemoryKeyStore:
    """Expiring keys in a dict: right for one short-lived process such as `factbot check --catalogue`."""

    def __init__(self, *, clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self._expiry: dict[str, dt.datetime] = {}
        self._counts: dict[str, tuple[int, int]] = {}
        self.clock = clock

    async def count(self, key: str, window: dt.timedelta) -> int:
        """Count one more use of `key` in the current window; a new window starts again at 1."""
        period = int(self.clock().timestamp()) // max(1, int(window.total_seconds()))
        last_period, last = self._counts.get(key, (period, 0))
        count = last + 1 if last_period == period else 1
        if len(self._counts) > 100_000:
            self._counts.clear()  # a console or a one-shot check never gets here; bounded all the same
        self._counts[key] = (period, count)
        return count

    async def acquire(self, key: str, ttl: dt.timedelta) -> bool:
        """Take `key` unless it is held and unexpired."""
        now = self.clock()
        expires = self._expiry.get(key)
        if expires is not None and expires > now:
            return False
        self._expiry[key] = now + ttl
        return True
