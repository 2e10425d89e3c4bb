"""The moderators' queue of reported messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from bot.domain.models import Actor, Origin, Report, ReportState, community_name
from bot.storage.audit import write_audit
from bot.storage.claims import actor_label
from bot.storage.db import Database
from bot.storage.tables import reports
from bot.storage.time import Clock, as_utc, utc_now

MAX_REPORT_TEXT = 4000
MAX_REASON = 500


class SqlReportStore:
    """Reports keep the reported text (that is their purpose) until moderators handle them and retention ends."""

    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    @staticmethod
    def _report(row: Any) -> Report:
        origin = Origin(
            platform=row.platform, channel_id=row.channel_id, workspace_id=row.workspace_id, message_id=row.message_id
        )
        return Report(
            id=row.id,
            created_at=as_utc(row.created_at),
            origin=origin,
            reporter=row.reporter_name,
            text=row.text,
            reason=row.reason,
            state=ReportState(row.state),
            handled_by=row.handled_by,
            handled_at=as_utc(row.handled_at) if row.handled_at else None,
            resolution=row.resolution,
        )

    async def add(self, *, actor: Actor, origin: Origin, text: str, reason: str | None) -> Report:
        """Queue a report; text and reason are bounded."""
        now = self.clock()
        async with self.database.transaction() as connection:
            result = await connection.execute(
                insert(reports)
                .values(
                    created_at=now,
                    platform=origin.platform,
                    workspace_id=origin.workspace_id,
                    channel_id=origin.channel_id,
                    message_id=origin.message_id,
                    reporter_id=actor.user_id,
                    reporter_name=actor_label(actor)[:200],
                    text=text[:MAX_REPORT_TEXT],
                    reason=reason[:MAX_REASON] if reason else None,
                    state=ReportState.OPEN.value,
                )
                .returning(reports)
            )
            row = result.first()
        return self._report(row)

    async def get(self, report_id: int) -> Report | None:
        """One report by number."""
        async with self.database.reading() as connection:
            row = (await connection.execute(select(reports).where(reports.c.id == report_id))).first()
        return self._report(row) if row else None

    async def list(
        self, *, include_handled: bool = False, limit: int = 20, community: Origin | None = None
    ) -> list[Report]:
        """Open reports, oldest first; or every report, newest first; only one community's when it is given."""
        query = select(reports)
        if community is not None:
            query = query.where(
                reports.c.platform == community.platform, reports.c.workspace_id == community.workspace_id
            )
        if include_handled:
            query = query.order_by(reports.c.id.desc())
        else:
            query = query.where(reports.c.state == ReportState.OPEN.value).order_by(reports.c.id)
        async with self.database.reading() as connection:
            rows = (await connection.execute(query.limit(limit))).all()
        return [self._report(row) for row in rows]

    async def close(self, report_id: int, state: ReportState, *, actor: Actor, resolution: str | None) -> Report | None:
        """Resolve or dismiss an open report; None if it was not open (already handled or unknown)."""
        now = self.clock()
        async with self.database.transaction() as connection:
            result = await connection.execute(
                update(reports)
                .where(reports.c.id == report_id, reports.c.state == ReportState.OPEN.value)
                .values(
                    state=state.value,
                    handled_by=actor_label(actor)[:200],
                    handled_at=now,
                    resolution=resolution[:MAX_REASON] if resolution else None,
                )
            )
            if result.rowcount != 1:
                return None
            row = (await connection.execute(select(reports).where(reports.c.id == report_id))).one()
            await write_audit(
                connection,
                actor=actor,
                action=f"queue {state.value}",
                target=f"report #{report_id}",
                outcome="ok",
                now=now,
                detail={"resolution": resolution},
                community=community_name(row.platform, row.workspace_id),
            )
        return self._report(row)

    async def open_count(self, reporter: Actor) -> int:
        """How many of this person's reports in their community are still open."""
        query = select(func.count()).where(
            reports.c.state == ReportState.OPEN.value,
            reports.c.platform == reporter.platform,
            reports.c.workspace_id == reporter.workspace_id,
            reports.c.reporter_id == reporter.user_id,
        )
        async with self.database.reading() as connection:
            return int(await connection.scalar(query) or 0)

    async def count_since(self, since: dt.datetime | None, community: Origin | None = None) -> int:
        """How many reports were filed since a time, in one community when given."""
        query = select(reports.c.id)
        if community is not None:
            query = query.where(
                reports.c.platform == community.platform, reports.c.workspace_id == community.workspace_id
            )
        if since is not None:
            query = query.where(reports.c.created_at >= since)
        async with self.database.reading() as connection:
            return len((await connection.execute(query)).all())

    async def prune(self, older_than: dt.timedelta) -> int:
        """Delete handled reports past retention; open ones stay until a moderator handles them."""
        cutoff = self.clock() - older_than
        async with self.database.transaction() as connection:
            result = await connection.execute(
                delete(reports).where(reports.c.state != ReportState.OPEN.value, reports.c.created_at < cutoff)
            )
        return result.rowcount
