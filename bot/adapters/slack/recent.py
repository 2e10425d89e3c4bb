"""Keys this process has already claimed: a repeat delivery to the same process is dropped without asking the
database, which still decides between processes."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from bot.core.dispatcher import DEDUPE_TTL

CAPACITY = 50_000


class RecentKeys:
    """De-duplication keys this process sent to the database, kept as long as the database keeps them (at most
    `capacity`, oldest forgotten first; forgetting only costs a database round trip)."""

    def __init__(
        self,
        ttl: float = DEDUPE_TTL.total_seconds(),
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self.clock = clock
        self._expires: OrderedDict[str, float] = OrderedDict()

    def claim(self, keys: Sequence[str]) -> bool:
        """False if any of `keys` was claimed here within the TTL; otherwise remember them all and return True."""
        now = self.clock()
        while self._expires and next(iter(self._expires.values())) <= now:
            self._expires.popitem(last=False)
        if any(key in self._expires for key in keys):
            return False
        for key in keys:
            self._expires[key] = now + self.ttl
        while len(self._expires) > self.capacity:
            self._expires.popitem(last=False)
        return True

    def forget(self, keys: Sequence[str]) -> None:
        """The database could not be asked: let a later delivery of these keys try again."""
        for key in keys:
            self._expires.pop(key, None)

    def __len__(self) -> int:
        return len(self._expires)
