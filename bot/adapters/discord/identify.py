"""IDENTIFY turns: at most one IDENTIFY per max_concurrency bucket per window, across every process of the bot.

Discord lets a bot start `max_concurrency` sessions per 5 seconds (GET /gateway/bot,
`session_start_limit`): shard `s` belongs to bucket `s % max_concurrency`, and each bucket allows one
IDENTIFY per 5 s. discord.py awaits `Client.before_identify_hook(shard_id, initial=...)` right before it
sends each IDENTIFY; its default sleeps 5 s and knows only its own process. factbot's hook waits for the
bucket's turn instead:

1. a local lock per bucket orders the shards of this process;
2. with PostgreSQL, a session-level advisory lock on (bot, bucket) orders every process sharing the
   database. `pg_advisory_lock` waits in PostgreSQL's lock queue, first come first served, and the lock
   lives on a connection of its own, so it is released when the turn ends or when the process dies.

The turn is held for the window plus a tenth (the IDENTIFY still has to reach Discord) after the hook
returns, and only then given back. So whichever processes send them, two IDENTIFYs of one bucket leave at
least a window apart, and IDENTIFYs of different buckets do not wait for each other.

Every wait on PostgreSQL is bounded inside what discord.py allows the hook: a database that accepts connections
but never answers (a failover, a black-holed host) makes the shard pace itself locally after `shared_timeout`
(`first_shared_timeout` for its first IDENTIFY, when every process queues at once), instead of letting discord.py
cancel the connection attempt and retry for as long as the database is away.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib

from bot.core.errors import StorageError
from bot.core.ports import LockKey, SharedLock

log = logging.getLogger(__name__)

IDENTIFY_WINDOW_SECONDS = 5.0
# The longest a shard waits for the shared lock (queueing behind other processes included) before it paces itself
# locally: discord.py cancels a reconnect after 60 s in all, the local lock's wait included. A shard's first
# IDENTIFY in this process (the start, when every process queues at once) has 180 s in discord.py, so it may
# queue longer.
SHARED_WAIT_SECONDS = 20.0
FIRST_SHARED_WAIT_SECONDS = 150.0
# Part of the window added to each turn: the IDENTIFY leaves after the hook returns and travels to Discord.
MARGIN = 0.1


def namespace_of(application_id: int | None) -> int:
    """A 32-bit lock namespace per bot, so bots sharing a database do not wait for each other."""
    value = zlib.crc32(f"factbot discord identify {application_id or 0}".encode())
    return value - (1 << 32) if value >= 1 << 31 else value


class ProcessOnly:
    """No lock across processes: SQLite (one process by design) or no database; the local lock does it all."""

    async def acquire(self, key: LockKey) -> None:
        """Nothing to wait for beyond this process."""

    async def release(self, key: LockKey) -> None:
        """Nothing was taken."""

    async def aclose(self) -> None:
        """Nothing was opened."""


class IdentifyGate:
    """Waits for a shard's IDENTIFY turn (`wait_turn`, called from discord.py's hook) and ends it a window later."""

    def __init__(
        self,
        shared: SharedLock,
        *,
        window: float = IDENTIFY_WINDOW_SECONDS,
        shared_timeout: float = SHARED_WAIT_SECONDS,
        first_shared_timeout: float = FIRST_SHARED_WAIT_SECONDS,
    ) -> None:
        self.shared = shared
        self.window = window
        self.shared_timeout = shared_timeout
        self.first_shared_timeout = first_shared_timeout
        self._identified: set[int] = set()
        self.max_concurrency = 1
        self.namespace = namespace_of(None)
        self._local: dict[int, asyncio.Lock] = {}
        self._waiting: set[asyncio.Task[object]] = set()
        self._ending: set[asyncio.Task[None]] = set()

    @property
    def hold(self) -> float:
        """How long a turn lasts after the hook returns: the window and a margin for the trip to Discord."""
        return self.window * (1 + MARGIN)

    def configure(self, *, max_concurrency: int, application_id: int | None) -> None:
        """Discord's concurrency for this bot (from GET /gateway/bot) and the bot's lock namespace."""
        self.max_concurrency = max(1, max_concurrency)
        self.namespace = namespace_of(application_id)

    def bucket(self, shard_id: int | None) -> int:
        """Discord's rate-limit bucket of a shard (an unsharded session counts as shard 0)."""
        return (shard_id or 0) % self.max_concurrency

    async def wait_turn(self, shard_id: int | None) -> None:
        """Return when this shard may IDENTIFY; the turn ends by itself `hold` seconds later."""
        bucket = self.bucket(shard_id)
        local = self._local.setdefault(bucket, asyncio.Lock())
        began = time.monotonic()
        task = asyncio.current_task()
        if task is not None:
            self._waiting.add(task)
        try:
            await local.acquire()
            try:
                first = (shard_id or 0) not in self._identified
                shared = await self._acquire_shared(bucket, self.first_shared_timeout if first else self.shared_timeout)
            except BaseException:
                local.release()
                raise
        finally:
            if task is not None:
                self._waiting.discard(task)
        self._identified.add(shard_id or 0)
        log.info(
            "discord identify turn",
            extra={"shard_id": shard_id, "bucket": bucket, "waited_seconds": round(time.monotonic() - began, 3)},
        )
        ending = asyncio.create_task(self._end_turn(bucket, local, shared), name=f"discord-identify-turn-{bucket}")
        self._ending.add(ending)
        ending.add_done_callback(self._ending.discard)

    async def _acquire_shared(self, bucket: int, timeout: float) -> bool:
        """The shared turn within `timeout`, or False: better paced locally than cancelled by discord.py."""
        try:
            async with asyncio.timeout(timeout):
                await self.shared.acquire((self.namespace, bucket))
        except (StorageError, TimeoutError) as exc:
            # Better an IDENTIFY paced only locally than no connection at all; Discord answers a too-early one
            # with an invalid session, and discord.py identifies again on its next turn.
            error = str(exc) if isinstance(exc, StorageError) else f"no turn within {timeout:g} s"
            log.warning("identify lock unavailable: pacing this process only", extra={"error": error})
            return False
        return True

    async def _end_turn(self, bucket: int, local: asyncio.Lock, shared: bool) -> None:
        try:
            await asyncio.sleep(self.hold)
        finally:
            try:
                if shared:
                    # Bounded: a silent database must not keep this bucket's local lock (the connection is
                    # dropped either way, which ends the turn in PostgreSQL).
                    async with asyncio.timeout(self.shared_timeout):
                        await self.shared.release((self.namespace, bucket))
            except TimeoutError:
                log.warning("identify lock: release timed out", extra={"bucket": bucket})
            finally:
                local.release()

    async def aclose(self) -> None:
        """Stop shards still waiting for a turn, let running turns end (at most `hold`), close the lock."""
        for task in list(self._waiting):
            task.cancel()
        if self._ending:
            await asyncio.gather(*self._ending, return_exceptions=True)
        await self.shared.aclose()
