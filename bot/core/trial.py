"""Trial mode: a channel's unprompted replies wait in its community's queue until a moderator approves or rejects.

A community can judge factbot before letting it speak unprompted. Only the moderators of the community the reply
was held in see it and decide (editors too, but only when they act inside that community). An approval posts the
reply once, in its channel, as a reply to the message it answers; it is rebuilt from the catalogue as it is then,
and is dropped (not posted, with the reason) when its claim was retired or hidden in the community meanwhile.
"""

from __future__ import annotations

import dataclasses
import logging

from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused
from bot.core.factcheck import fact_check_reply, recorded
from bot.core.live import Snapshot
from bot.core.params import Args, Kind, Param
from bot.core.parsing import CommandError
from bot.core.permissions import Authority
from bot.core.policy import ReplyPolicy
from bot.core.ports import HeldReplies
from bot.core.services import Stores
from bot.domain.models import (
    Candidate,
    Decision,
    HeldReply,
    HeldState,
    MatchResult,
    Origin,
    Reply,
    ReplyAction,
    ReplyKind,
)
from bot.domain.textcut import shorten

log = logging.getLogger(__name__)

NO_DATABASE = "Trial mode needs the database; this factbot runs from a YAML directory (--catalogue)."
# How many waiting replies `queue list` shows with their buttons (each is its own message).
SHOWN_WITH_BUTTONS = 5


async def hold(stores: Stores, policy: ReplyPolicy, origin: Origin, result: MatchResult) -> None:
    """Keep an unprompted reply back in a trial channel: once per claim, channel and cooldown."""
    best = result.best
    if stores.held is None or best is None:
        log.warning("trial channel without a database: the reply is neither posted nor held")
        return
    if not await policy.take_cooldown(origin, best.claim_id, kind="held"):
        log.info("trial: this claim is already held here", extra={"claim_id": best.claim_id})
        return
    held = await stores.held.hold(origin, result)
    log.info("trial: reply held", extra={"held_id": held.id, "claim_id": best.claim_id, "channel": origin.channel_id})


def _store(ctx: CommandContext) -> HeldReplies:
    if ctx.stores.held is None:
        raise EditRefused(NO_DATABASE)
    return ctx.stores.held


def held_card(item: HeldReply) -> Reply:
    """One waiting reply as moderators see it, with approve and reject buttons where the platform has them."""
    where = f"{item.origin.platform}:{item.origin.channel_id}"
    text = (
        f"Held reply #{item.id} {item.created_at:%Y-%m-%d %H:%M} in {where}: would answer with `{item.claim_id}` "
        f"(score {item.score:.2f}) a message that said \u201c{shorten(item.window, 200)}\u201d. "
        f"`queue approve {item.id}` posts it, `queue reject {item.id}` drops it."
    )
    return Reply(
        kind=ReplyKind.INFO,
        text=text,
        ephemeral=True,
        actions=(ReplyAction.APPROVE, ReplyAction.REJECT),
        held_id=item.id,
    )


async def held_cards(ctx: CommandContext) -> list[Reply]:
    """The community's waiting replies for `queue list`; the replies held elsewhere are never shown here."""
    if ctx.stores.held is None or not ctx.origin.workspace_id or ctx.origin.is_direct:
        return []
    waiting = await ctx.stores.held.waiting(ctx.origin, limit=SHOWN_WITH_BUTTONS + 1)
    cards = [held_card(item) for item in waiting[:SHOWN_WITH_BUTTONS]]
    if len(waiting) > SHOWN_WITH_BUTTONS:
        cards.append(info(f"More held replies wait; decide these {SHOWN_WITH_BUTTONS} to see the next ones."))
    return cards


async def _waiting(ctx: CommandContext, number: int) -> HeldReply:
    """A held reply of this community that still waits, or a clear answer why not."""
    item = await _store(ctx).get(number, ctx.origin)
    if item is None:
        raise CommandError(f"There is no held reply #{number} in this community; `queue list` shows the waiting ones.")
    if item.state is not HeldState.HELD:
        raise CommandError(_already(item))
    return item


def _already(item: HeldReply) -> str:
    when = f" at {item.decided_at:%Y-%m-%d %H:%M} UTC" if item.decided_at else ""
    why = f" ({item.note})" if item.note else ""
    return f"Held reply #{item.id} was already {item.state.value} by {item.decided_by}{when}{why}; nothing was posted."


async def _decided(ctx: CommandContext, item: HeldReply, state: HeldState, note: str | None) -> HeldReply:
    """Claim the decision in storage; whoever came second is told who came first."""
    store = _store(ctx)
    decided = await store.decide(item.id, state, actor=ctx.actor, community=ctx.origin, note=note)
    if decided is None:
        current = await store.get(item.id, ctx.origin)
        raise CommandError(_already(current) if current is not None else f"Held reply #{item.id} is gone.")
    return decided


async def _why_stale(ctx: CommandContext, snapshot: Snapshot, item: HeldReply) -> str | None:
    """Why an approved reply must not be posted any more, or None."""
    stored = snapshot.claims.get(item.claim_id)
    if stored is None or not stored.claim.is_active:
        return f"claim `{item.claim_id}` was retired since the reply was held"
    if item.claim_id in await ctx.stores.hidden_claims(item.origin):
        return f"claim `{item.claim_id}` is hidden in this community"
    return None


def _result(item: HeldReply) -> MatchResult:
    """The match as it was when the reply was held, so the reply shows what it would have shown."""
    first = Candidate(item.claim_id, item.score, item.matched_variant, item.window)
    others = tuple(Candidate(claim_id, score) for claim_id, score in item.candidates if claim_id != item.claim_id)
    return MatchResult(Decision.REPLY, (first, *others))


async def queue_approve(ctx: CommandContext, args: Args) -> list[Reply]:
    """`queue approve NUMBER`: post a held reply, once, where it would have been posted."""
    item = await _waiting(ctx, args.number("number"))
    snapshot = await ctx.catalogue.current()
    stale = await _why_stale(ctx, snapshot, item)
    if stale is not None:
        await _decided(ctx, item, HeldState.DROPPED, stale)
        return [info(f"Held reply #{item.id} was not posted: {stale}. It has left the queue.")]
    await _decided(ctx, item, HeldState.APPROVED, None)
    result = _result(item)
    reply = fact_check_reply(snapshot, result, origin=item.origin, unprompted=True)
    reply = await recorded(reply, result, origin=item.origin, log=ctx.stores.replies)
    if ctx.policy is not None:  # the cooldown starts now that the claim is said in the channel
        await ctx.policy.take_cooldown(item.origin, item.claim_id)
    posted = dataclasses.replace(reply, deliver_to=item.origin, reply_to=item.origin.message_id)
    return [info(f"Held reply #{item.id} approved: it is posted in its channel."), posted]


async def queue_reject(ctx: CommandContext, args: Args) -> list[Reply]:
    """`queue reject NUMBER [| NOTE]`: a held reply is never posted."""
    item = await _waiting(ctx, args.number("number"))
    await _decided(ctx, item, HeldState.REJECTED, args.text("note") or None)
    return [info(f"Held reply #{item.id} rejected: it will not be posted.")]


def register(registry: CommandRegistry) -> None:
    """Add the commands that decide held replies."""
    number = Param("number", Kind.NUMBER, "The held reply's number in queue list", what="held reply")
    note = Param("note", Kind.TEXT, "Why, for the record", required=False, max_length=500)
    moderator = Authority.COMMUNITY_MODERATOR
    registry.add(
        CommandSpec("queue approve", "post a reply held in trial mode", queue_approve, (number,), authority=moderator)
    )
    registry.add(
        CommandSpec(
            "queue reject", "drop a reply held in trial mode", queue_reject, (number, note), authority=moderator
        )
    )
