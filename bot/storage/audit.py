"""The audit trail: every change and every refusal, written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.models import Actor, AuditEntry
from bot.storage.db import Database
from bot.storage.tables import audit_log
from bot.storage.time import Clock, as_utc, utc_now


async def write_audit(
    connection: AsyncConnection,
    *,
    actor: Actor,
    action: str,
    target: str,
    outcome: str,
    now: dt.datetime,
    detail: dict[str, Any] | None = None,
    community: str | None = None,
) -> None:
    """Append one audit row on an open connection, inside the caller's transaction; `community` is where it
    happened ("platform:workspace"), None for the shared catalogue."""
    await connection.execute(
        insert(audit_log).values(
            created_at=now,
            actor_platform=actor.platform,
            actor_workspace=actor.workspace_id,
            actor_id=actor.user_id,
            actor_name=(actor.display_name or actor.user_id)[:200],
            action=action[:60],
            target=target[:200],
            outcome=outcome,
            detail=detail,
            community=community[:150] if community else None,
        )
    )


class SqlAuditLog:
    """Audit rows for events that change nothing else, such as a refused command."""

    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    async def record(
        self,
        actor: Actor,
        action: str,
        target: str,
        outcome: str,
        detail: dict[str, Any] | None = None,
        community: str | None = None,
    ) -> None:
        """Write one audit row in its own transaction."""
        async with self.database.transaction() as connection:
            await write_audit(
                connection,
                actor=actor,
                action=action,
                target=target,
                outcome=outcome,
                now=self.clock(),
                detail=detail,
                community=community,
            )

    async def recent(self, community: str | None, limit: int = 20) -> list[AuditEntry]:
        """The newest rows, of one community when given, else of every community and the shared catalogue."""
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if community is not None:
            query = query.where(audit_log.c.community == community)
        async with self.database.reading() as connection:
            rows = (await connection.execute(query)).all()
        return [
            AuditEntry(
                as_utc(row.created_at),
                f"{row.actor_platform}:{row.actor_name}",
                row.action,
                row.target,
                row.outcome,
                row.community,
            )
            for row in rows
        ]
