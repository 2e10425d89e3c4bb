"""Feedback on replies: helpful, not helpful, or the wrong claim; one vote per person per reply."""

from __future__ import annotations

from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused
from bot.core.models import FEEDBACK_ACTIONS, Reply, ReplyAction
from bot.core.parsing import CommandError

THANKS = {
    ReplyAction.HELPFUL: "Thanks: marked as helpful.",
    ReplyAction.NOT_HELPFUL: "Thanks: marked as not helpful.",
    ReplyAction.WRONG_CLAIM: "Thanks: marked as the wrong claim. Moderators see this in `stats`; "
    "`report TEXT` sends the message to them directly.",
}


async def feedback(ctx: CommandContext, args: str) -> list[Reply]:
    """`feedback REPLY_ID helpful|not-helpful|wrong-claim`: what the buttons under a reply send."""
    parts = args.split()
    kinds = ", ".join(a.value for a in FEEDBACK_ACTIONS)
    if len(parts) != 2 or parts[1].lower() not in {a.value for a in FEEDBACK_ACTIONS}:
        raise CommandError(f"Usage: `feedback REPLY_ID KIND` where KIND is one of {kinds}.")
    reply_id, action = parts[0][:32], ReplyAction(parts[1].lower())
    log = ctx.stores.replies
    if log is None:
        raise EditRefused("Feedback needs the database; this factbot runs from a YAML directory (--catalogue).")
    known, _ = await log.claim_of(reply_id)
    if not known:
        raise CommandError("That reply is no longer known (replies are kept for the retention period).")
    await log.add_feedback(reply_id, ctx.actor, action)
    return [info(THANKS[action])]


def register(registry: CommandRegistry) -> None:
    """Add the feedback command."""
    registry.add(
        CommandSpec(
            "feedback",
            "feedback REPLY_ID helpful|not-helpful|wrong-claim",
            "tell the moderators how a reply did",
            feedback,
        )
    )
