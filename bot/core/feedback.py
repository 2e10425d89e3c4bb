"""Feedback on replies (helpful, not helpful, the wrong claim) and the moderators' view of why a reply was given."""

from __future__ import annotations

from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused
from bot.core.params import Args, Kind, Param
from bot.core.parsing import CommandError
from bot.core.permissions import Authority
from bot.domain.models import FEEDBACK_ACTIONS, Reply, ReplyAction
from bot.domain.textcut import shorten

THANKS = {
    ReplyAction.HELPFUL: "Thanks: marked as helpful.",
    ReplyAction.NOT_HELPFUL: "Thanks: marked as not helpful.",
    ReplyAction.WRONG_CLAIM: "Thanks: marked as the wrong claim. Moderators see this in `stats`; "
    "`report TEXT` sends the message to them directly.",
}


async def feedback(ctx: CommandContext, args: Args) -> list[Reply]:
    """`feedback REPLY_ID helpful|not-helpful|wrong-claim`: what the buttons under a reply send."""
    reply_id, action = args.text("reply-id")[:32], ReplyAction(args.text("kind"))
    log = ctx.stores.replies
    if log is None:
        raise EditRefused("Feedback needs the database; this factbot runs from a YAML directory (--catalogue).")
    known, _ = await log.claim_of(reply_id)
    if not known:
        raise CommandError("That reply is no longer known (replies are kept for the retention period).")
    await log.add_feedback(reply_id, ctx.actor, action)
    return [info(THANKS[action])]


async def reply_details(ctx: CommandContext, args: Args) -> list[Reply]:
    """`reply details REF`: the matcher's internals behind one reply, kept out of what users read."""
    reference = args.text("ref").removeprefix("ref").strip()[:32]
    if not reference:
        raise CommandError("Usage: `reply details REF` (the ref is in the footer of a fact-check).")
    log = ctx.stores.replies
    if log is None:
        raise EditRefused("Reply details need the database; this factbot runs from a YAML directory (--catalogue).")
    record = await log.details(reference)
    if record is not None and ctx.authority < Authority.EDITOR and record.origin.community != ctx.community:
        record = None  # another community's reply: as unknown here as one past retention
    if record is None:
        raise CommandError("That reply is no longer known (replies are kept for the retention period).")
    score = f"{record.score:.3f}" if record.score is not None else "none"
    lines = [
        f"Reply `{record.id}` at {record.created_at:%Y-%m-%d %H:%M} UTC, {record.origin.platform} "
        f"channel {record.origin.channel_id}, {'unprompted' if record.unprompted else 'asked for'}:",
        f"  showed `{record.claim_id or 'no claim'}`; decision {record.decision.value}, score {score}",
    ]
    if record.matched_variant:
        lines.append(f"  matched phrasing: \u201c{shorten(record.matched_variant, 200)}\u201d")
    lines += [f"  {rank}. `{claim_id}` {value:.3f}" for rank, (claim_id, value) in enumerate(record.candidates, 1)]
    return [info("\n".join(lines))]


def register(registry: CommandRegistry) -> None:
    """Add the feedback command and the moderators' reply details."""
    registry.add(
        CommandSpec(
            "reply details",
            "why a reply was given: scores and the matched phrasing",
            reply_details,
            (Param("ref", Kind.TEXT, "The ref in the reply's footer", max_length=40),),
            authority=Authority.COMMUNITY_MODERATOR,
        )
    )
    registry.add(
        CommandSpec(
            "feedback",
            "tell the moderators how a reply did",
            feedback,
            (
                Param("reply-id", Kind.WORD, "The reply's id", max_length=64),
                Param("kind", Kind.CHOICE, "What you thought of it", choices=tuple(a.value for a in FEEDBACK_ACTIONS)),
            ),
            spaced=2,
        )
    )
