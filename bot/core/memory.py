"""In-memory catalogue and keys, for `--catalogue DIR` runs that need no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from bot.core.models import Claim, StoredClaim


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
        self.clock = clock

    async def acquire(self, key: str, ttl: dt.timedelta) -> bool:
        """Take `key` unless it is held and unexpired."""
        now = self.clock()
        expires = self._expiry.get(key)
        if expires is not None and expires > now:
            return False
        self._expiry[key] = now + ttl
        return True
