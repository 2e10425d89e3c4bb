"""Reports: anyone can send a message to the moderators' queue; moderators resolve it, dismiss it, or turn it
into a claim or an alias in one step."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused
from bot.core.forms import REPORT
from bot.core.moderation import EVIDENCE_PARAMS, NEW_CLAIM_PARAMS, add_alias, evidence_from, new_claim, saved
from bot.core.params import Args, Kind, Param
from bot.core.parsing import CommandError
from bot.core.permissions import Authority
from bot.core.ports import ReportQueue
from bot.core.trial import held_cards
from bot.domain.models import Reply, Report, ReportState
from bot.domain.textcut import shorten

NO_DATABASE = "Reports need the database; this factbot runs from a YAML directory (--catalogue)."


def queue_of(ctx: CommandContext) -> ReportQueue:
    """The report queue, or a clear refusal when there is no database."""
    if ctx.stores.reports is None:
        raise EditRefused(NO_DATABASE)
    return ctx.stores.reports


async def _report(ctx: CommandContext, text: str, reason: str) -> list[Reply]:
    if not text.strip():
        raise CommandError("Usage: `report TEXT [| REASON]`: give the message that should be fact-checked.")
    queue = queue_of(ctx)
    if ctx.limits is not None:
        await ctx.limits.check_report(ctx.actor, text.strip(), reason.strip(), queue)
    report = await queue.add(actor=ctx.actor, origin=ctx.origin, text=text.strip(), reason=reason.strip() or None)
    return [info(f"Thanks: report #{report.id} is in the moderators' queue.")]


async def report(ctx: CommandContext, args: Args) -> list[Reply]:
    """`report TEXT [| REASON]`."""
    return await _report(ctx, args.text("text"), args.text("reason"))


async def report_form(ctx: CommandContext, fields: Mapping[str, str]) -> list[Reply]:
    """The report modal, e.g. from the button under a reply that found nothing."""
    return await _report(ctx, fields.get("text", ""), fields.get("reason", ""))


def report_line(item: Report) -> str:
    """One report in a list."""
    reason = f" \u2014 reason: {shorten(item.reason, 120)}" if item.reason else ""
    handled = f" [{item.state.value} by {item.handled_by}]" if item.state is not ReportState.OPEN else ""
    where = f"{item.origin.platform}:{item.origin.channel_id}"
    return (
        f"#{item.id} {item.created_at:%Y-%m-%d %H:%M} by {item.reporter} in {where}{handled}: "
        f"\u201c{shorten(item.text, 200)}\u201d{reason}"
    )


async def queue_list(ctx: CommandContext, args: Args) -> list[Reply]:
    """`queue list [all]`: open reports, oldest first (or the latest of every state), then this community's held
    replies (trial mode)."""
    everything = args.flag("all")
    community = None if ctx.authority >= Authority.EDITOR else ctx.origin
    items = await queue_of(ctx).list(include_handled=everything, community=community)
    held = await held_cards(ctx)
    if not items:
        empty = "The queue is empty." if not everything else "No reports yet."
        return [info("No open reports. Replies held in trial mode, oldest first:" if held else empty), *held]
    title = "Reports (newest first):" if everything else "Open reports (oldest first):"
    return [info("\n".join([title, *(report_line(i) for i in items)])), *held]


async def _close(ctx: CommandContext, args: Args, state: ReportState) -> list[Reply]:
    number, note = args.number("number"), args.text("note")
    await _visible_report(ctx, number)
    closed = await queue_of(ctx).close(number, state, actor=ctx.actor, resolution=note or None)
    if closed is None:
        raise CommandError(await _why_not_open(ctx, number))
    return [info(f"Report #{number} {state.value}.")]


def _verb(state: ReportState) -> str:
    return "resolve" if state is ReportState.RESOLVED else "dismiss"


async def _visible_report(ctx: CommandContext, number: int) -> Report | None:
    """A report this person may see: editors see every community's, community moderators only their own."""
    item = await queue_of(ctx).get(number)
    if item is not None and ctx.authority < Authority.EDITOR and item.origin.community != ctx.community:
        raise CommandError(f"There is no report #{number} in this community; `queue list` shows the open ones.")
    return item


async def _why_not_open(ctx: CommandContext, number: int) -> str:
    existing = await _visible_report(ctx, number)
    if existing is None:
        return f"There is no report #{number}; `queue list` shows the open ones."
    return f"Report #{number} was already {existing.state.value} by {existing.handled_by}."


async def queue_resolve(ctx: CommandContext, args: Args) -> list[Reply]:
    """`queue resolve NUMBER [| NOTE]`."""
    return await _close(ctx, args, ReportState.RESOLVED)


async def queue_dismiss(ctx: CommandContext, args: Args) -> list[Reply]:
    """`queue dismiss NUMBER [| NOTE]`."""
    return await _close(ctx, args, ReportState.DISMISSED)


async def _open_report(ctx: CommandContext, number: int) -> Report:
    item = await _visible_report(ctx, number)
    if item is None or item.state is not ReportState.OPEN:
        raise CommandError(await _why_not_open(ctx, number))
    return item


async def queue_to_claim(ctx: CommandContext, args: Args) -> list[Reply]:
    """`queue to-claim N | ID | VERDICT | SUMMARY | TITLE | DATE | SOURCE | URL | STANCE | EXCERPT`."""
    item = await _open_report(ctx, args.number("number"))
    evidence = evidence_from({p.name: args.text(p.name) for p in EVIDENCE_PARAMS})
    claim = new_claim(args.text("id"), item.text, args.text("verdict"), args.text("summary"), evidence)
    if ctx.stores.editor is None:
        raise EditRefused(NO_DATABASE)
    stored = await ctx.stores.editor.add(claim, actor=ctx.actor, note=f"from report #{item.id}")
    ctx.catalogue.invalidate()
    await queue_of(ctx).close(item.id, ReportState.RESOLVED, actor=ctx.actor, resolution=f"new claim {claim.id}")
    return [saved(stored, f"added from report #{item.id}, which is resolved")]


async def queue_to_alias(ctx: CommandContext, args: Args) -> list[Reply]:
    """`queue to-alias N | CLAIM_ID[@VERSION] [| LANG]`: the reported text becomes another way to say a claim."""
    item = await _open_report(ctx, args.number("number"))
    target = args.target()
    replies = await add_alias(ctx, target, item.text, args.text("lang"))
    resolution = f"alias of {target.claim_id}"
    await queue_of(ctx).close(item.id, ReportState.RESOLVED, actor=ctx.actor, resolution=resolution)
    return replies


REPORT_NUMBER = Param("number", Kind.NUMBER, "The report's number in queue list", what="report")
NOTE = Param("note", Kind.TEXT, "A note for the record", required=False)


def register(registry: CommandRegistry) -> None:
    """Add the report and queue commands."""
    community, editor = Authority.COMMUNITY_MODERATOR, Authority.EDITOR
    registry.add(
        CommandSpec(
            "report",
            "send a message to the moderators' queue",
            report,
            (
                Param("text", Kind.TEXT, "The message to check", required=False, max_length=20_000, label="TEXT"),
                Param("reason", Kind.TEXT, "Why", required=False, max_length=20_000),
            ),
            form=REPORT,
            form_handler=report_form,
        )
    )
    everything = Param("all", Kind.FLAG, "Include resolved and dismissed reports", required=False)
    registry.add(CommandSpec("queue list", "show reported messages", queue_list, (everything,), authority=community))
    registry.add(
        CommandSpec("queue resolve", "mark a report handled", queue_resolve, (REPORT_NUMBER, NOTE), authority=community)
    )
    registry.add(
        CommandSpec("queue dismiss", "dismiss a report", queue_dismiss, (REPORT_NUMBER, NOTE), authority=community)
    )
    registry.add(
        CommandSpec(
            "queue to-claim",
            "turn a report into a new claim",
            queue_to_claim,
            (
                REPORT_NUMBER,
                Param("id", Kind.TEXT, "A new id, lowercase-with-hyphens", max_length=80),
                *(p for p in NEW_CLAIM_PARAMS if p.name != "claim"),
            ),
            authority=editor,
        )
    )
    registry.add(
        CommandSpec(
            "queue to-alias",
            "turn a report into an alias of a claim",
            queue_to_alias,
            (
                REPORT_NUMBER,
                Param("id", Kind.TARGET, "The claim's id", max_length=200, label="CLAIM_ID"),
                Param("lang", Kind.WORD, "Its language (en, de, ru, ...)", required=False, max_length=3),
            ),
            authority=editor,
        )
    )
