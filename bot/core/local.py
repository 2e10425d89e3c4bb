"""A community's own claims and aliases: added, edited and undone by its moderators, matched in that community only.

Local claims follow the shared catalogue's rules (the same validation, at least one evidence item). A community
may also give a shared claim aliases of its own: they only make factbot find that claim more often in that
community, never change what the claim says, and no other community sees them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from bot.catalogue.schema import EVIDENCE_FIELDS, MAX_ALIASES, check_claim_text, check_lang, claim_to_dict, parse_claim
from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused, UnknownClaim
from bot.core.moderation import (
    ALIAS_PARAMS,
    ALIAS_REF,
    EDITABLE_FIELDS,
    EVIDENCE_PARAMS,
    ID,
    MAX_HISTORY,
    NEW_CLAIM_PARAMS,
    alias_index,
    change_fields,
    checked,
    describe_change,
    evidence_from,
    new_claim,
    saved,
)
from bot.core.params import Args, Kind, Param
from bot.core.parsing import CommandError
from bot.core.permissions import Authority
from bot.core.ports import LocalClaims
from bot.domain.models import Alias, Claim, ClaimStatus, LocalRevision, Reply, StoredClaim
from bot.domain.textcut import shorten

NO_DATABASE = "Local claims need the database; this factbot runs from a YAML directory (--catalogue)."
MAX_LISTED = 50


def local_of(ctx: CommandContext) -> LocalClaims:
    """The community's own claims, or a clear refusal without a database or outside a community."""
    if ctx.stores.local is None:
        raise EditRefused(NO_DATABASE)
    if not ctx.origin.workspace_id or ctx.origin.is_direct:
        raise EditRefused("Use this in a server or workspace channel: a direct message belongs to no community.")
    return ctx.stores.local


def _on_claims(change: Callable[[Claim], Claim]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: claim_to_dict(change(parse_claim(data)))


async def _own(ctx: CommandContext, claim_id: str) -> StoredClaim:
    """One of this community's own claims; a shared claim is named as such, since it is changed by proposal."""
    stored = ctx.snapshot.claims.get(claim_id)
    if stored is not None and stored.community is None:
        raise EditRefused(
            f"`{claim_id}` is a shared claim: propose the change to the catalogue editors with `propose` "
            f"(or give it aliases of this community's own with `local alias {claim_id} | TEXT`)."
        )
    layer = await local_of(ctx).layer(ctx.origin)
    own = layer.claims.get(claim_id)
    if own is None:
        raise UnknownClaim(claim_id)
    return own


async def _update(
    ctx: CommandContext,
    args: Args,
    change: Callable[[Claim], Claim],
    *,
    action: str,
    note: str | None = None,
) -> StoredClaim:
    target = args.target()
    await _own(ctx, target.claim_id)
    return await local_of(ctx).update(
        ctx.origin,
        target.claim_id,
        _on_claims(change),
        actor=ctx.actor,
        action=action,
        expected_version=target.version,
        note=note,
    )


def _saved(stored: StoredClaim, what: str) -> list[Reply]:
    return [dataclasses.replace(saved(stored, f"{what}, in this community only"), community_claim=True)]


async def local_add(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local add ID | CLAIM | VERDICT | SUMMARY | TITLE | DATE | SOURCE | URL | STANCE | EXCERPT`."""
    evidence = evidence_from({name: args.text(name) for name in EVIDENCE_FIELDS})
    claim = new_claim(args.text("id"), args.text("claim"), args.text("verdict"), args.text("summary"), evidence)
    taken = ctx.snapshot.claims.get(claim.id)
    if taken is not None:
        whose = "a shared claim" if taken.community is None else "a claim of this community's own"
        raise EditRefused(f"`{claim.id}` is already the id of {whose}; choose another id.")
    stored = await local_of(ctx).add(ctx.origin, claim_to_dict(claim), actor=ctx.actor)
    return _saved(stored, "added as this community's own claim")


async def local_edit(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local edit ID[@VERSION] claim|verdict|summary|brief VALUE`."""
    name, value = args.text("field").lower(), args.text("value")
    if name not in EDITABLE_FIELDS:
        raise CommandError(
            f"`{name[:30]}` cannot be edited this way; edit claim, verdict, summary or brief "
            "(aliases and evidence have their own commands)."
        )
    before = await _own(ctx, args.target().claim_id)
    stored = await _update(ctx, args, change_fields({name: value}), action="edit")
    return _saved(stored, describe_change(claim_to_dict(before.claim), claim_to_dict(stored.claim)))


async def local_retire(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local retire ID[@VERSION] [| REASON]`: stop matching one of this community's own claims."""
    retire = lambda c: dataclasses.replace(c, status=ClaimStatus.RETIRED)  # noqa: E731
    stored = await _update(ctx, args, retire, action="retire", note=args.text("reason") or None)
    return _saved(stored, "retired: it will no longer be matched")


async def local_restore(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local restore ID[@VERSION]`: match a retired local claim again."""
    restore = lambda c: dataclasses.replace(c, status=ClaimStatus.ACTIVE)  # noqa: E731
    stored = await _update(ctx, args, restore, action="restore")
    return _saved(stored, "restored: it is matched again")


async def local_alias(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local alias ID | TEXT [| LANG]`: another way people say a claim, matched in this community only."""
    claim_id = args.target().claim_id
    alias = Alias(
        checked("alias", check_claim_text, args.text("text")), checked("lang", check_lang, args.text("lang") or "en")
    )
    stored = ctx.snapshot.claims.get(claim_id)
    if stored is None:
        raise UnknownClaim(claim_id)
    if stored.community is not None:
        own = await _update(
            ctx, args, lambda c: dataclasses.replace(c, aliases=(*c.aliases, alias)), action="alias add"
        )
        return _saved(own, f"alias added (\u201c{alias.text[:80]}\u201d, {alias.lang})")
    if any(a.text.casefold() == alias.text.casefold() for a in stored.claim.aliases):
        raise EditRefused(f"`{claim_id}` already has that alias in the shared catalogue.")

    def add(old: tuple[Alias, ...]) -> tuple[Alias, ...]:
        if any(a.text.casefold() == alias.text.casefold() for a in old):
            raise EditRefused(f"`{claim_id}` already has that alias in this community.")
        if len(stored.claim.aliases) + len(old) >= MAX_ALIASES:
            raise EditRefused(f"`{claim_id}` already has {MAX_ALIASES} aliases here, the most a claim may have.")
        return (*old, alias)

    aliases = await local_of(ctx).set_aliases(ctx.origin, claim_id, add, actor=ctx.actor, action="alias add")
    return [
        info(
            f"Alias added to the shared claim `{claim_id}` for this community only (\u201c{alias.text[:80]}\u201d, "
            f"{alias.lang}); it has {len(aliases)} local alias(es) here. Other communities are not affected; "
            "`propose` offers an alias to the shared catalogue."
        )
    ]


async def local_unalias(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local unalias ID | TEXT-or-NUMBER`: remove an alias this community added (numbers as `local list` shows)."""
    claim_id, which = args.target().claim_id, args.text("alias")
    stored = ctx.snapshot.claims.get(claim_id)
    if stored is None:
        raise UnknownClaim(claim_id)
    if stored.community is not None:

        def remove(claim: Claim) -> Claim:
            index = alias_index(claim, which)
            return dataclasses.replace(claim, aliases=claim.aliases[:index] + claim.aliases[index + 1 :])

        return _saved(await _update(ctx, args, remove, action="alias remove"), "alias removed")

    def drop(old: tuple[Alias, ...]) -> tuple[Alias, ...]:
        index = alias_index(dataclasses.replace(stored.claim, aliases=old), which)
        return old[:index] + old[index + 1 :]

    left = await local_of(ctx).set_aliases(ctx.origin, claim_id, drop, actor=ctx.actor, action="alias remove")
    return [info(f"Local alias removed from `{claim_id}`; {len(left)} left in this community.")]


async def local_evidence(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local evidence ID[@VERSION] | TITLE | DATE | SOURCE | URL | STANCE | EXCERPT`: for local claims."""
    evidence = evidence_from({name: args.text(name) for name in EVIDENCE_FIELDS})
    stored = await _update(
        ctx, args, lambda c: dataclasses.replace(c, evidence=(*c.evidence, evidence)), action="evidence add"
    )
    return _saved(stored, f"evidence {len(stored.claim.evidence)} added ({evidence.title[:60]}, {evidence.date})")


async def local_list(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local list`: this community's own claims and the shared claims it gave aliases of its own."""
    layer = await local_of(ctx).layer(ctx.origin)
    if not layer.claims and not layer.aliases:
        return [info("This community has no claim or alias of its own; `local add` and `local alias` add them.")]
    lines = ["This community's own claims (matched here only):"] if layer.claims else []
    for claim_id, stored in sorted(layer.claims.items())[:MAX_LISTED]:
        retired = "" if stored.claim.is_active else " (retired)"
        seen = ctx.snapshot.claims.get(claim_id)
        shadowed = " (not matched: a shared claim took this id)" if seen is not None and seen.community is None else ""
        claim = stored.claim
        lines.append(
            f"`{claim_id}` v{stored.version}{retired}{shadowed}: {claim.verdict.label}, {shorten(claim.claim, 100)}"
        )
    if layer.aliases:
        lines.append("Shared claims with aliases of this community's own:")
        for claim_id, aliases in sorted(layer.aliases.items())[:MAX_LISTED]:
            shown = "; ".join(f"{n}. \u201c{shorten(a.text, 60)}\u201d ({a.lang})" for n, a in enumerate(aliases, 1))
            lines.append(f"`{claim_id}`: {shown}")
    return [info("\n".join(lines))]


def _line(revision: LocalRevision, everywhere: bool) -> str:
    if revision.kind == "claim":
        change = describe_change(revision.before, revision.after)
    else:
        before = len((revision.before or {}).get("aliases", ()))
        after = len(revision.after.get("aliases", ()))
        change = f"local aliases of a shared claim: {before} \u2192 {after}"
    note = f" \u2014 {revision.note}" if revision.note else ""
    where = f" [{revision.community}]" if everywhere else ""
    return (
        f"#{revision.id} v{revision.version} {revision.action} by {revision.actor} at "
        f"{revision.created_at:%Y-%m-%d %H:%M} UTC: {change}{note}{where}"
    )


async def local_history(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local history ID`: this community's changes to its own claim or aliases (editors: every community's)."""
    claim_id = args.target().claim_id
    everywhere = ctx.authority >= Authority.EDITOR
    revisions = await local_of(ctx).history(claim_id, None if everywhere else ctx.origin, MAX_HISTORY)
    if not revisions:
        raise EditRefused(f"This community has changed nothing under the id `{claim_id[:80]}`.")
    title = f"Local history of `{claim_id}` (newest first; `local undo NUMBER` reverts the latest)"
    title += " in every community:" if everywhere else " in this community:"
    return [info("\n".join([title, *(_line(r, everywhere) for r in revisions)]))]


async def local_undo(ctx: CommandContext, args: Args) -> list[Reply]:
    """`local undo REVISION`: restore a local claim or a shared claim's local aliases as they were before."""
    number = args.number("revision")
    everywhere = ctx.authority >= Authority.EDITOR
    undone = await local_of(ctx).undo(number, actor=ctx.actor, community=None if everywhere else ctx.origin)
    where = f" in {undone.community}" if everywhere else ""
    return [info(f"Local revision #{number} of `{undone.claim_id}` undone{where}.")]


def register(registry: CommandRegistry) -> None:
    """Add the community's own claims and aliases."""
    moderator = Authority.COMMUNITY_MODERATOR
    revision = Param("revision", Kind.NUMBER, "The revision's number in local history", what="revision")
    specs = [
        CommandSpec(
            "local add",
            "add a claim of this community's own, with its first evidence",
            local_add,
            (Param("id", Kind.TEXT, "A new id, lowercase-with-hyphens", max_length=80), *NEW_CLAIM_PARAMS),
            authority=moderator,
        ),
        CommandSpec(
            "local edit",
            "change a local claim's text, verdict, summary or brief",
            local_edit,
            (
                ID,
                Param("field", Kind.WORD, "claim, verdict, summary or brief", label="claim|verdict|summary|brief"),
                Param("value", Kind.TEXT, "The new value", max_length=2000),
            ),
            spaced=2,
            authority=moderator,
        ),
        CommandSpec(
            "local retire",
            "stop matching a local claim",
            local_retire,
            (ID, Param("reason", Kind.TEXT, "Why, for the history", required=False)),
            authority=moderator,
        ),
        CommandSpec("local restore", "match a retired local claim again", local_restore, (ID,), authority=moderator),
        CommandSpec(
            "local alias",
            "add a way people say a claim, matched in this community only",
            local_alias,
            (ID, *ALIAS_PARAMS),
            authority=moderator,
        ),
        CommandSpec(
            "local unalias",
            "remove an alias this community added",
            local_unalias,
            (ID, ALIAS_REF),
            authority=moderator,
        ),
        CommandSpec(
            "local evidence",
            "add a verbatim excerpt to a local claim",
            local_evidence,
            (ID, *EVIDENCE_PARAMS),
            authority=moderator,
        ),
        CommandSpec("local list", "list this community's own claims and aliases", local_list, authority=moderator),
        CommandSpec("local history", "list a local claim's revisions", local_history, (ID,), authority=moderator),
        CommandSpec("local undo", "revert the latest local change", local_undo, (revision,), authority=moderator),
    ]
    for spec in specs:
        registry.add(spec)
