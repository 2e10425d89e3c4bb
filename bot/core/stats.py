"""What factbot did and how people rated it, for a period: as text and as a chart."""

from __future__ import annotations

import asyncio
import importlib.util

from bot.core.chart import stats_chart
from bot.core.commands import CommandContext, CommandRegistry, CommandSpec
from bot.core.errors import EditRefused
from bot.core.params import Args, Kind, Param
from bot.core.parsing import parse_period
from bot.core.permissions import Authority
from bot.core.services import Stores
from bot.domain.models import Attachment, Origin, Reply, ReplyKind, Stats


def period_label(stats: Stats) -> str:
    """`since 2026-11-20 12:00 UTC` or `since the start`."""
    return f"since {stats.since:%Y-%m-%d %H:%M} UTC" if stats.since else "since the start"


def stats_text(stats: Stats) -> str:
    """The figures as plain text."""
    helpful, not_helpful, wrong = (stats.feedback.get(k, 0) for k in ("helpful", "not-helpful", "wrong-claim"))
    lines = [
        f"factbot stats {period_label(stats)}:",
        f"  fact-check replies: {stats.replies} (unprompted {sum(c.unprompted for c in stats.claims)}, "
        f"on request {sum(c.explicit for c in stats.claims)}); of these at the suggestion tier: {stats.suggestions}",
        f"  requests nothing matched: {stats.unmatched}",
        f"  reports: {stats.reports}",
        f"  feedback: helpful {helpful}, not helpful {not_helpful}, wrong claim {wrong}",
    ]
    if stats.claims:
        lines.append("  replies per claim:")
        lines += [f"    {c.claim_id}: {c.total} ({c.unprompted} unprompted)" for c in stats.claims[:15]]
    if stats.most_wrong():
        lines.append("  most often marked as the wrong claim:")
        lines += [f"    {c.claim_id}: {c.wrong_claim}" for c in stats.most_wrong()]
    return "\n".join(lines)


async def gather(stores: Stores, period: str, community: Origin | None = None) -> Stats:
    """Gather the figures for a period such as 7d or all: every community's, or one's."""
    if stores.replies is None or stores.reports is None:
        raise EditRefused("Stats need the database; this factbot runs from a YAML directory (--catalogue).")
    span = parse_period(period)
    since = stores.clock() - span if span is not None else None
    reports = await stores.reports.count_since(since, community)
    return await stores.replies.stats(since, reports, community)


def chart_of(figures: Stats) -> Attachment:
    """The stats chart as a PNG attachment."""
    return Attachment(
        "factbot-stats.png", stats_chart(figures, f"factbot replies {period_label(figures)}"), "image/png"
    )


async def stats(ctx: CommandContext, args: Args) -> list[Reply]:
    """`stats [PERIOD]`: figures as text, with a bar chart where the platform can show images."""
    # Editors see every community's figures; a community's moderators see their own community's.
    community = None if ctx.authority >= Authority.EDITOR else ctx.origin
    figures = await gather(ctx.stores, args.text("period"), community)
    text = stats_text(figures) + ("" if community is None else "\n(This community only.)")
    if not charts_available():
        note = "\n(The chart needs the charts extra: pip install 'factbot[charts]'.)"
        return [Reply(kind=ReplyKind.INFO, text=text + note, ephemeral=True)]
    chart = await asyncio.to_thread(chart_of, figures)
    return [Reply(kind=ReplyKind.INFO, text=text, ephemeral=True, attachment=chart)]


def charts_available() -> bool:
    """Whether matplotlib (the `charts` extra) is installed."""
    return importlib.util.find_spec("matplotlib") is not None


def register(registry: CommandRegistry) -> None:
    """Add the stats command."""
    registry.add(
        CommandSpec(
            "stats",
            "replies, feedback and reports for a period (7d, 30d, all)",
            stats,
            (Param("period", Kind.WORD, "7d, 30d, all ... (7d when left out)", required=False, max_length=10),),
            authority=Authority.COMMUNITY_MODERATOR,
        )
    )
