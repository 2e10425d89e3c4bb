"""Proposals: a community's moderators suggest a change to a shared claim; a catalogue editor accepts it (through
the normal edit path: versioned, audited, undoable) or rejects it, in one step.

The proposer's community is not messaged when it is decided: its moderators read the outcome, and the editor's
reason, with `proposal list`. Nothing is posted into a community on another's behalf.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from bot.catalogue.schema import EVIDENCE_FIELDS, check_claim_text, check_lang, claim_to_dict
from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused, UnknownClaim
from bot.core.moderation import (
    ALIAS_PARAMS,
    EDITABLE_FIELDS,
    EVIDENCE_PARAMS,
    ID,
    change_fields,
    checked,
    describe_change,
    editor_of,
    evidence_from,
    saved,
)
from bot.core.params import Args, Kind, Param
from bot.core.parsing import CommandError
from bot.core.permissions import Authority
from bot.core.ports import ProposalQueue
from bot.domain.models import Alias, Claim, Proposal, Reply, StoredClaim
from bot.domain.textcut import shorten

NO_DATABASE = "Proposals need the database; this factbot runs from a YAML directory (--catalogue)."
MAX_LISTED = 20


def queue_of(ctx: CommandContext) -> ProposalQueue:
    """The proposals queue, or a clear refusal without a database."""
    if ctx.stores.proposals is None:
        raise EditRefused(NO_DATABASE)
    return ctx.stores.proposals


def change_of(proposal: Proposal) -> Callable[[Claim], Claim]:
    """What accepting a proposal does to the claim, validated again with the catalogue's rules."""
    change = proposal.change
    if proposal.action == "edit":
        return change_fields({str(change["field"]): str(change["value"])})
    if proposal.action == "alias add":
        alias = Alias(checked("alias", check_claim_text, change["text"]), checked("lang", check_lang, change["lang"]))
        return lambda claim: dataclasses.replace(claim, aliases=(*claim.aliases, alias))
    if proposal.action == "evidence add":
        evidence = evidence_from(change["evidence"])
        return lambda claim: dataclasses.replace(claim, evidence=(*claim.evidence, evidence))
    raise EditRefused(f"Proposal #{proposal.id} has an unknown kind `{proposal.action[:40]}`.")


def diff(proposal: Proposal, current: Claim) -> str:
    """The proposed change against the claim as it is now: the field before and after, or what is added."""
    change = proposal.change
    if proposal.action == "edit":
        field = str(change["field"])
        key = "claim" if field == "text" else field
        before = claim_to_dict(current).get(key) or ""
        return f"{key}: \u201c{shorten(str(before), 300)}\u201d \u2192 \u201c{shorten(str(change['value']), 300)}\u201d"
    if proposal.action == "alias add":
        return f"+ alias \u201c{shorten(str(change['text']), 300)}\u201d ({change['lang']})"
    evidence = change["evidence"]
    return "+ evidence: " + "; ".join(f"{name}: {shorten(str(evidence[name]), 200)}" for name in EVIDENCE_FIELDS)


async def _shared(ctx: CommandContext, claim_id: str) -> StoredClaim:
    stored = ctx.snapshot.claims.get(claim_id)
    if stored is None:
        raise UnknownClaim(claim_id)
    if stored.community is not None:
        raise EditRefused(f"`{claim_id}` is this community's own claim: change it with the `local` commands.")
    return stored


async def _propose(ctx: CommandContext, claim_id: str, action: str, change: dict[str, Any]) -> list[Reply]:
    if not ctx.origin.workspace_id or ctx.origin.is_direct:
        raise EditRefused("Use this in a server or workspace channel: a direct message belongs to no community.")
    stored = await _shared(ctx, claim_id)
    proposal = Proposal(0, stored.updated_at, ctx.community, "", claim_id, stored.version, action, change, "open")
    after = change_of(proposal)(stored.claim)  # refuses now what accepting would refuse later
    if claim_to_dict(after) == claim_to_dict(stored.claim):
        raise EditRefused(f"`{claim_id}` already reads like that; there is nothing to propose.")
    queued = await queue_of(ctx).add(
        origin=ctx.origin,
        actor=ctx.actor,
        claim_id=claim_id,
        base_version=stored.version,
        action=action,
        change=change,
        note=None,
    )
    return [
        info(
            f"Proposal #{queued.id} for the shared claim `{claim_id}` (v{stored.version}) is in the catalogue "
            f"editors' queue: {diff(queued, stored.claim)}. Nothing changes until an editor accepts it; "
            "`proposal list` shows what they decided."
        )
    ]


async def propose_edit(ctx: CommandContext, args: Args) -> list[Reply]:
    """`propose edit ID claim|verdict|summary|brief VALUE`."""
    name, value = args.text("field").lower(), args.text("value")
    if name not in EDITABLE_FIELDS:
        raise CommandError(f"`{name[:30]}` cannot be proposed this way; propose claim, verdict, summary or brief.")
    checked(name, EDITABLE_FIELDS[name], value)
    return await _propose(ctx, args.target().claim_id, "edit", {"field": name, "value": value})


async def propose_alias(ctx: CommandContext, args: Args) -> list[Reply]:
    """`propose alias ID | TEXT [| LANG]`."""
    text = checked("alias", check_claim_text, args.text("text"))
    lang = checked("lang", check_lang, args.text("lang") or "en")
    return await _propose(ctx, args.target().claim_id, "alias add", {"text": text, "lang": lang})


async def propose_evidence(ctx: CommandContext, args: Args) -> list[Reply]:
    """`propose evidence ID | TITLE | DATE | SOURCE | URL | STANCE | EXCERPT`."""
    fields = {name: args.text(name) for name in EVIDENCE_FIELDS}
    evidence_from(fields)  # the catalogue's rules, now
    return await _propose(ctx, args.target().claim_id, "evidence add", {"evidence": fields})


def _line(proposal: Proposal, everywhere: bool) -> str:
    where = f" from {proposal.community}" if everywhere else ""
    decided = ""
    if proposal.state != "open":
        reason = f": {shorten(proposal.resolution, 200)}" if proposal.resolution else ""
        decided = f" \u2014 {proposal.state} by {proposal.decided_by}{reason}"
    return (
        f"#{proposal.id} [{proposal.state}] `{proposal.claim_id}` v{proposal.base_version} {proposal.action}"
        f"{where} by {proposal.proposer}{decided}"
    )


async def proposal_list(ctx: CommandContext, args: Args) -> list[Reply]:
    """`proposal list`: editors see every community's open proposals; a community's moderators see their own,
    decided ones included."""
    everywhere = ctx.authority >= Authority.EDITOR
    found = await queue_of(ctx).list(
        community=None if everywhere else ctx.origin, include_decided=not everywhere, limit=MAX_LISTED
    )
    if not found:
        return [info("No open proposals." if everywhere else "This community has proposed nothing yet.")]
    title = "Open proposals (`proposal show NUMBER` for the diff):" if everywhere else "This community's proposals:"
    return [info("\n".join([title, *(_line(p, everywhere) for p in found)]))]


async def _proposal(ctx: CommandContext, number: int) -> Proposal:
    proposal = await queue_of(ctx).get(number)
    everywhere = ctx.authority >= Authority.EDITOR
    if proposal is None or (not everywhere and proposal.community != ctx.community):
        raise EditRefused(f"There is no proposal #{number}{'' if everywhere else ' from this community'}.")
    return proposal


async def proposal_show(ctx: CommandContext, args: Args) -> list[Reply]:
    """`proposal show NUMBER`: the proposed change against the shared claim as it is now."""
    proposal = await _proposal(ctx, args.number("number"))
    current = await editor_of(ctx).get(proposal.claim_id)
    if current is None:
        raise UnknownClaim(proposal.claim_id)
    moved = (
        f" (proposed on v{proposal.base_version}; the claim is now v{current.version})"
        if current.version != proposal.base_version
        else ""
    )
    return [info(f"{_line(proposal, True)}{moved}\n{diff(proposal, current.claim)}")]


async def proposal_accept(ctx: CommandContext, args: Args) -> list[Reply]:
    """`proposal accept NUMBER`: apply the change through the normal edit path (a revision `undo` can revert)."""
    number = args.number("number")
    proposal = await _proposal(ctx, number)
    before = await editor_of(ctx).get(proposal.claim_id)
    if before is None:
        raise UnknownClaim(proposal.claim_id)
    queue = queue_of(ctx)
    note = f"proposal #{number} from {proposal.community} by {proposal.proposer}"
    try:
        done = await queue.accept(number, actor=ctx.actor, change=change_of(proposal), note=note)
    except Exception as exc:
        await queue.record_failure(number, actor=ctx.actor, why=str(exc) or type(exc).__name__)
        raise
    if done is None:
        raise EditRefused(f"Proposal #{number} was already decided (`proposal show {number}`).")
    _, stored = done
    ctx.catalogue.invalidate()
    what = describe_change(claim_to_dict(before.claim), claim_to_dict(stored.claim))
    return [saved(stored, f"proposal #{number} accepted: {what}")]


async def proposal_reject(ctx: CommandContext, args: Args) -> list[Reply]:
    """`proposal reject NUMBER [| REASON]`: close it unchanged; the proposer's community reads the reason."""
    number = args.number("number")
    await _proposal(ctx, number)
    reason = args.text("reason") or None
    decided = await queue_of(ctx).reject(number, actor=ctx.actor, resolution=reason)
    if decided is None:
        raise EditRefused(f"Proposal #{number} was already decided (`proposal show {number}`).")
    return [info(f"Proposal #{number} rejected; the shared claim `{decided.claim_id}` is unchanged.")]


def register(registry: CommandRegistry) -> None:
    """Add proposals: made by a community's moderators, decided by the catalogue editors."""
    moderator, editor = Authority.COMMUNITY_MODERATOR, Authority.EDITOR
    number = Param("number", Kind.NUMBER, "The proposal's number in proposal list", what="proposal")
    specs = [
        CommandSpec(
            "propose edit",
            "propose a new text, verdict, summary or brief for a shared claim",
            propose_edit,
            (
                ID,
                Param("field", Kind.WORD, "claim, verdict, summary or brief", label="claim|verdict|summary|brief"),
                Param("value", Kind.TEXT, "The new value", max_length=2000),
            ),
            spaced=2,
            authority=moderator,
        ),
        CommandSpec(
            "propose alias",
            "propose another way people say a shared claim",
            propose_alias,
            (ID, *ALIAS_PARAMS),
            authority=moderator,
        ),
        CommandSpec(
            "propose evidence",
            "propose a verbatim excerpt for a shared claim",
            propose_evidence,
            (ID, *EVIDENCE_PARAMS),
            authority=moderator,
        ),
        CommandSpec("proposal list", "list proposals to the shared catalogue", proposal_list, authority=moderator),
        CommandSpec("proposal show", "show a proposal's change", proposal_show, (number,), authority=moderator),
        CommandSpec(
            "proposal accept", "apply a proposal to the shared catalogue", proposal_accept, (number,), authority=editor
        ),
        CommandSpec(
            "proposal reject",
            "close a proposal unchanged",
            proposal_reject,
            (number, Param("reason", Kind.TEXT, "Why, for the proposer's community", required=False, max_length=500)),
            authority=editor,
        ),
    ]
    for spec in specs:
        registry.add(spec)
