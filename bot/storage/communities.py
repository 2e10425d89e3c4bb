"""What each community changed for itself on top of the shared catalogue: the shared claims it hid.

Read into memory and refreshed every `refresh_seconds`, and at once on a PostgreSQL notice from another process,
so a message never waits for the database; the shared index is never rebuilt for one community's choice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, select

from bot.domain.models import Actor, Origin
from bot.storage.audit import write_audit
from bot.storage.claims import actor_label
from bot.storage.db import Database
from bot.storage.notify import COMMUNITIES_CHANNEL, notify
from bot.storage.refresh import Refreshed
from bot.storage.tables import community_hidden_claims
from bot.storage.time import Clock, utc_now

CommunityKey = tuple[str, str]


class SqlCommunityStore:
    """Each community's hidden claims, cached; changes are audited in the same transaction."""

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
        self._hidden: dict[CommunityKey, frozenset[str]] = {}
        self._refreshed = Refreshed(refresh_seconds, monotonic)

    def invalidate(self) -> None:
        """Re-read the hidden claims on the next look-up (another process changed them)."""
        self._refreshed.invalidate()

    async def _refresh(self) -> None:
        async with self.database.reading() as connection:
            rows = (await connection.execute(select(community_hidden_claims))).all()
        hidden: dict[CommunityKey, set[str]] = {}
        for row in rows:
            hidden.setdefault((row.platform, row.workspace_id), set()).add(row.claim_id)
        self._hidden = {key: frozenset(ids) for key, ids in hidden.items()}

    async def hidden_claims(self, origin: Origin) -> frozenset[str]:
        """The shared claims hidden in the community an event happened in."""
        await self._refreshed.ensure(self._refresh)
        return self._hidden.get((origin.platform, origin.workspace_id), frozenset())

    async def set_hidden(
        self, origin: Origin, claim_id: str, *, hidden: bool, actor: Actor, reason: str | None
    ) -> bool:
        """Hide or show a shared claim in one community; False when it already was so."""
        now = self.clock()
        here = (
            community_hidden_claims.c.platform == origin.platform,
            community_hidden_claims.c.workspace_id == origin.workspace_id,
            community_hidden_claims.c.claim_id == claim_id,
        )
        async with self.database.transaction() as connection:
            if hidden:
                statement = self.database.upsert(community_hidden_claims).values(
                    platform=origin.platform,
                    workspace_id=origin.workspace_id,
                    claim_id=claim_id,
                    hidden_by=actor_label(actor)[:200],
                    hidden_at=now,
                    reason=reason[:500] if reason else None,
                )
                result = await connection.execute(statement.on_conflict_do_nothing())
            else:
                result = await connection.execute(delete(community_hidden_claims).where(*here))
            changed = result.rowcount == 1
            if changed:
                await notify(connection, self.database, COMMUNITIES_CHANNEL)
                await write_audit(
                    connection,
                    actor=actor,
                    action="claim hide" if hidden else "claim unhide",
                    target=claim_id,
                    outcome="ok",
                    now=now,
                    detail={"reason": reason},
                    community=origin.community,
                )
        self.invalidate()
        return changed
