"""Per-user limits in each community, counted in the shared database: one person cannot make the bot work for them
a thousand times a second, nor bury the moderators' queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.parsing import CommandError
from bot.core.ports import KeyStore, ReportQueue
from bot.domain.models import Actor, Reply, ReplyKind

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
SLOW_DOWN = "You are asking faster than factbot answers; please wait a minute and try again."


@dataclass(frozen=True, slots=True)
class LimitConfig:
    """The limits, per user and community (0 turns a count limit off)."""

    requests_per_minute: int = 20
    reports_per_hour: int = 10
    max_open_reports: int = 20
    max_report_chars: int = 2000


class Limits:
    """Counts each user's requests and reports per community (platform and workspace) through the key store."""

    def __init__(self, keys: KeyStore, config: LimitConfig | None = None) -> None:
        self.keys = keys
        self.config = config or LimitConfig()

    @staticmethod
    def _who(actor: Actor) -> str:
        return f"{actor.platform}:{actor.workspace_id}:{actor.user_id}"

    async def request(self, actor: Actor, *, always_answer: bool) -> list[Reply] | None:
        """None if the request may go ahead; otherwise what to answer instead.

        The first request over the limit gets a polite private note; later ones get it only where the platform
        needs an answer (a command or a button), and are otherwise ignored, so a flood costs one counter each.
        """
        limit = self.config.requests_per_minute
        if limit <= 0:
            return None
        count = await self.keys.count(f"limit:requests:{self._who(actor)}", MINUTE)
        if count <= limit:
            return None
        if count == limit + 1 or always_answer:
            return [Reply(kind=ReplyKind.ERROR, text=SLOW_DOWN, ephemeral=True)]
        return []

    async def check_report(self, actor: Actor, text: str, reason: str, queue: ReportQueue) -> None:
        """Refuse (CommandError) a report that is too long, too frequent, or over the user's open reports."""
        size = len(text) + len(reason)
        if size > self.config.max_report_chars:
            raise CommandError(
                f"A report can be at most {self.config.max_report_chars:,} characters with its reason "
                f"(this one is {size:,}); send the part that should be checked."
            )
        if self.config.max_open_reports > 0:
            open_now = await queue.open_count(actor)
            if open_now >= self.config.max_open_reports:
                raise CommandError(
                    f"You have {open_now} reports waiting for the moderators; they will look at those first."
                )
        if self.config.reports_per_hour > 0:
            count = await self.keys.count(f"limit:reports:{self._who(actor)}", HOUR)
            if count > self.config.reports_per_hour:
                raise CommandError("That is a lot of reports in one hour; please send more later.")
