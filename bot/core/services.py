"""The stores the core's commands use; any may be absent (a YAML-only run has no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.ports import (
    AuditLog,
    CatalogueEditor,
    ChannelSwitches,
    CommunityChoices,
    HeldReplies,
    LocalClaims,
    ProposalQueue,
    ReplyLog,
    ReportQueue,
)
from bot.domain.models import Origin


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class Stores:
    """Storage behind moderation, reports, feedback and channel switches."""

    editor: CatalogueEditor | None = None
    reports: ReportQueue | None = None
    replies: ReplyLog | None = None
    channels: ChannelSwitches | None = None
    communities: CommunityChoices | None = None
    audit: AuditLog | None = None
    held: HeldReplies | None = None
    local: LocalClaims | None = None
    proposals: ProposalQueue | None = None
    clock: Callable[[], dt.datetime] = field(default=_utc_now)

    async def hidden_claims(self, origin: Origin) -> frozenset[str]:
        """The shared claims the community of an event hid (none without a database)."""
        return await self.communities.hidden_claims(origin) if self.communities is not None else frozenset()
