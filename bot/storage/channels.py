"""Per-channel switches set by moderators (watch on/off, mute), cached so every message need not ask the database."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import select

from bot.domain.models import Actor, ChannelState, Origin
from bot.storage.audit import write_audit
from bot.storage.claims import actor_label
from bot.storage.db import Database
from bot.storage.notify import CHANNELS_CHANNEL, notify
from bot.storage.refresh import Refreshed
from bot.storage.tables import channel_settings
from bot.storage.time import Clock, as_utc, utc_now

ChannelKey = tuple[str, str, str]


def channel_key(origin: Origin) -> ChannelKey:
    """The identity of a channel across platforms and workspaces."""
    return origin.platform, origin.workspace_id, origin.channel_id


class SqlChannelStore:
    """Reads every channel's switches into memory and refreshes them every `refresh_seconds` (other processes)."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock = utc_now,
        refresh_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.clock = clock
        self._cache: dict[ChannelKey, ChannelState] = {}
        self._refreshed = Refreshed(refresh_seconds, monotonic)

    def invalidate(self) -> None:
        """Re-read the switches on the next look-up (another process changed them)."""
        self._refreshed.invalidate()

    async def _refresh(self) -> None:
        async with self.database.reading() as connection:
            rows = (await connection.execute(select(channel_settings))).all()
        self._cache = {
            (r.platform, r.workspace_id, r.channel_id): ChannelState(
                r.watched, as_utc(r.muted_until) if r.muted_until else None, bool(r.trial)
            )
            for r in rows
        }

    async def state(self, origin: Origin) -> ChannelState:
        """The channel's switches (defaults when a moderator never set any)."""
        await self._refreshed.ensure(self._refresh)
        return self._cache.get(channel_key(origin), ChannelState())

    async def set(
        self,
        origin: Origin,
        *,
        actor: Actor,
        watched: bool | None = None,
        muted_until: dt.datetime | None = None,
        clear_mute: bool = False,
        trial: bool | None = None,
    ) -> ChannelState:
        """Change a channel's switches; the audit row is written in the same transaction."""
        now = self.clock()
        current = await self.state(origin)
        new = ChannelState(
            watched=current.watched if watched is None else watched,
            muted_until=None if clear_mute else (muted_until or current.muted_until),
            trial=current.trial if trial is None else trial,
        )
        values = {
            "platform": origin.platform,
            "workspace_id": origin.workspace_id,
            "channel_id": origin.channel_id,
            "watched": new.watched,
            "muted_until": new.muted_until,
            "trial": new.trial,
            "updated_by": actor_label(actor)[:200],
            "updated_at": now,
        }
        statement = self.database.upsert(channel_settings).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[
                channel_settings.c.platform,
                channel_settings.c.workspace_id,
                channel_settings.c.channel_id,
            ],
            set_={k: statement.excluded[k] for k in ("watched", "muted_until", "trial", "updated_by", "updated_at")},
        )
        async with self.database.transaction() as connection:
            await connection.execute(statement)
            await notify(connection, self.database, CHANNELS_CHANNEL)
            await write_audit(
                connection,
                actor=actor,
                action="channel settings",
                target=":".join(channel_key(origin)),
                outcome="ok",
                now=now,
                detail={
                    "watched": new.watched,
                    "trial": new.trial,
                    "muted_until": new.muted_until.isoformat() if new.muted_until else None,
                },
                community=origin.community,
            )
        self._cache[channel_key(origin)] = new
        return new
