"""The seams between the core and the world: small protocols that storage and adapters satisfy."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from bot.core.models import Reply, StoredClaim


class CatalogueSource(Protocol):
    """Where the live catalogue comes from: the database, or a YAML directory held in memory."""

    async def catalogue_version(self) -> int:
        """A number that changes whenever any claim changes."""
        ...

    async def all(self) -> list[StoredClaim]:
        """Every claim, retired ones included."""
        ...


class KeyStore(Protocol):
    """Atomic expiring keys: the basis of cooldowns and de-duplication."""

    async def acquire(self, key: str, ttl: dt.timedelta) -> bool:
        """Take `key` for `ttl` unless it is held; True if this call took it."""
        ...


class PlatformAdapter(Protocol):
    """What every platform adapter offers; the core never calls platform libraries itself."""

    name: str

    async def start(self) -> None:
        """Run until cancelled."""
        ...

    async def send(self, channel_id: str, reply: Reply, *, thread_id: str | None = None) -> None:
        """Render and post a reply."""
        ...
