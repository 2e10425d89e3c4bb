"""What a community's moderators change for their own community only: which shared claims it is answered with."""

from __future__ import annotations

from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info, unknown_claim
from bot.core.errors import EditRefused
from bot.core.params import Args, Kind, Param
from bot.core.permissions import Authority
from bot.core.ports import CommunityChoices
from bot.domain.models import Reply
from bot.domain.textcut import shorten

NO_DATABASE = "Hiding claims needs the database; this factbot runs from a YAML directory (--catalogue)."


def _choices(ctx: CommandContext) -> CommunityChoices:
    if ctx.stores.communities is None:
        raise EditRefused(NO_DATABASE)
    if not ctx.origin.workspace_id or ctx.origin.is_direct:
        raise EditRefused("Use this in a server or workspace channel: a direct message belongs to no community.")
    return ctx.stores.communities


async def _set(ctx: CommandContext, args: Args, hidden: bool) -> list[Reply]:
    claim_id = args.target().claim_id
    stored = ctx.snapshot.claims.get(claim_id)
    if stored is None:
        return [unknown_claim(ctx.snapshot, claim_id)]
    if stored.community is not None:
        raise EditRefused(f"`{claim_id}` is this community's own claim: `local retire {claim_id}` stops matching it.")
    reason = args.text("reason") or None
    changed = await _choices(ctx).set_hidden(ctx.origin, claim_id, hidden=hidden, actor=ctx.actor, reason=reason)
    if hidden:
        text = f"`{claim_id}` is hidden in this community" if changed else f"`{claim_id}` was already hidden here"
        return [info(f"{text}: factbot no longer answers with it here; other communities are not affected.")]
    text = f"`{claim_id}` is shown again in this community" if changed else f"`{claim_id}` was not hidden here"
    return [info(f"{text}.")]


async def claim_hide(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim hide ID [| REASON]`: this community is no longer answered with a shared claim."""
    return await _set(ctx, args, True)


async def claim_unhide(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim unhide ID`: this community is answered with the claim again."""
    return await _set(ctx, args, False)


async def claim_hidden(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim hidden`: the shared claims this community hid."""
    hidden = await _choices(ctx).hidden_claims(ctx.origin)
    if not hidden:
        return [info("This community hides no claim.")]
    return [info("Hidden in this community: " + ", ".join(f"`{c}`" for c in sorted(hidden)))]


MAX_AUDIT_ROWS = 50


async def audit(ctx: CommandContext, args: Args) -> list[Reply]:
    """`audit [NUMBER]`: the latest audited actions of this community (editors: of every community)."""
    if ctx.stores.audit is None:
        raise EditRefused("The audit log needs the database; this factbot runs from a YAML directory (--catalogue).")
    count = min(args.optional_number("count", 20), MAX_AUDIT_ROWS)
    everywhere = ctx.authority >= Authority.EDITOR
    entries = await ctx.stores.audit.recent(None if everywhere else ctx.community, count)
    if not entries:
        return [info("Nothing has been audited here yet.")]
    title = "Latest audited actions (every community):" if everywhere else "Latest audited actions in this community:"
    lines = [
        f"{e.at:%Y-%m-%d %H:%M} {e.actor} {e.action} {shorten(e.target, 80)}: {e.outcome}"
        + (f" [{e.community or 'shared catalogue'}]" if everywhere else "")
        for e in entries
    ]
    return [info("\n".join([title, *lines]))]


def register(registry: CommandRegistry) -> None:
    """Add the community's own choices."""
    claim = Param("id", Kind.TARGET, "The claim's id (autocompleted)", max_length=200, label="ID")
    reason = Param("reason", Kind.TEXT, "Why, for the audit log", required=False, max_length=500)
    moderator = Authority.COMMUNITY_MODERATOR
    registry.add(
        CommandSpec(
            "claim hide",
            "stop answering with a shared claim in this community",
            claim_hide,
            (claim, reason),
            authority=moderator,
        )
    )
    registry.add(
        CommandSpec(
            "claim unhide", "answer with a hidden claim here again", claim_unhide, (claim,), authority=moderator
        )
    )
    registry.add(CommandSpec("claim hidden", "list the claims this community hid", claim_hidden, authority=moderator))
    count = Param("count", Kind.NUMBER, "How many rows (20 when left out, at most 50)", required=False, what="row")
    registry.add(
        CommandSpec("audit", "who changed or tried to change what, here", audit, (count,), authority=moderator)
    )
