"""Moderators' catalogue commands: add, edit, aliases, evidence, retire, restore, history and undo."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from bot.catalogue.loader import parse_yaml
from bot.catalogue.schema import (
    EVIDENCE_CHECKS,
    EVIDENCE_FIELDS,
    MAX_ALIAS,
    MAX_CLAIM,
    MAX_EXCERPT,
    MAX_ID,
    MAX_NOTE,
    MAX_SOURCE,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_TRANSLATION,
    MAX_TRANSLATOR,
    MAX_URL,
    STANCES,
    VERDICTS,
    FieldError,
    check_brief,
    check_claim_text,
    check_id,
    check_lang,
    check_note,
    check_summary,
    check_translation,
    check_translator,
    check_verdict,
    claim_to_dict,
    parse_claim,
    translation_problem,
)
from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused, UnknownClaim
from bot.core.forms import ALIAS_ADD, CLAIM_ADD, CLAIM_EDIT, EVIDENCE_ADD
from bot.core.params import Args, Kind, Param, Target
from bot.core.parsing import CommandError, parse_target
from bot.core.permissions import Authority
from bot.core.ports import CatalogueEditor
from bot.domain.evidence import lead_indexes
from bot.domain.models import Alias, Claim, ClaimStatus, Evidence, Reply, ReplyAction, ReplyKind, Revision, StoredClaim

NO_DATABASE = "Editing needs the database; this factbot runs from a YAML directory (--catalogue), which is read-only."
EDITABLE_FIELDS = {
    "claim": check_claim_text,
    "text": check_claim_text,
    "verdict": check_verdict,
    "summary": check_summary,
    "brief": check_brief,
}
# Typed to clear an optional field.
CLEAR = ("none", "-")
MAX_HISTORY = 15


def editor_of(ctx: CommandContext) -> CatalogueEditor:
    """The catalogue editor, or a clear refusal when there is no database."""
    if ctx.stores.editor is None:
        raise EditRefused(NO_DATABASE)
    return ctx.stores.editor


def describe_change(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """A one-line summary of what changed between two versions of a claim."""
    if before is None:
        return "created"
    parts = []
    for key in ("claim", "verdict", "summary", "brief", "status", "lang"):
        if before.get(key) != after.get(key):
            old, new = str(before.get(key, "")), str(after.get(key, ""))
            if key in {"claim", "summary", "brief"}:
                parts.append(f"{key} changed")
            else:
                parts.append(f"{key}: {old} \u2192 {new}")
    for key in ("aliases", "evidence", "related", "tags"):
        old_items, new_items = before.get(key) or [], after.get(key) or []
        added = sum(1 for item in new_items if item not in old_items)
        removed = sum(1 for item in old_items if item not in new_items)
        if added or removed:
            parts.append(f"{key}: +{added} \u2212{removed}")
    return "; ".join(parts) or "no visible change"


def saved(stored: StoredClaim, what: str) -> Reply:
    """Confirm a saved change privately, showing the claim as it now stands."""
    return Reply(
        kind=ReplyKind.CLAIM,
        text=f"Saved `{stored.claim.id}` (now v{stored.version}): {what}.",
        claim=stored.claim,
        ephemeral=True,
        actions=(ReplyAction.SHOW_ALL_EVIDENCE,),
    )


def evidence_from(fields: Mapping[str, object], prefix: str = "") -> Evidence:
    """Build one evidence item with the loader's own field rules, naming the bad field."""
    values: dict[str, Any] = {}
    for name in EVIDENCE_FIELDS:
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise CommandError(f"{prefix}{name}: is required.")
        values[name] = checked(f"{prefix}{name}", EVIDENCE_CHECKS[name], value)
    return Evidence(**values)


def evidence_block(text: str) -> Evidence:
    """Read the form's evidence block: `title: ...` lines, parsed as YAML, checked like the catalogue."""
    data, problems = parse_yaml(text, "evidence")
    if problems:
        raise CommandError(f"evidence: write one `field: value` per line ({problems[0].message}).")
    if not isinstance(data, dict):
        raise CommandError(f"evidence: write one `field: value` per line: {', '.join(EVIDENCE_FIELDS)}.")
    unknown = sorted(set(map(str, data)) - set(EVIDENCE_FIELDS))
    if unknown:
        raise CommandError(f"evidence: unknown field(s) {', '.join(unknown)}; use {', '.join(EVIDENCE_FIELDS)}.")
    return evidence_from(data, "evidence.")


def checked(name: str, check: Callable[[object], Any], value: object) -> Any:
    """Run one field rule and turn its complaint into a command error naming the field."""
    try:
        return check(value)
    except FieldError as exc:
        raise CommandError(f"{name}: {exc}.") from None


def new_claim(claim_id: str, text: str, verdict: str, summary: str, evidence: Evidence) -> Claim:
    """A new claim from chat, validated exactly as the YAML loader would."""
    claim = Claim(
        id=checked("id", check_id, claim_id.lower()),
        claim=checked("claim", check_claim_text, text),
        verdict=checked("verdict", check_verdict, verdict),
        summary=checked("summary", check_summary, summary),
        evidence=(evidence,),
    )
    return parse_claim(claim_to_dict(claim))


async def _add(ctx: CommandContext, claim: Claim) -> list[Reply]:
    stored = await editor_of(ctx).add(claim, actor=ctx.actor)
    ctx.catalogue.invalidate()
    return [saved(stored, "added")]


async def claim_add(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim add ID | CLAIM | VERDICT | SUMMARY | TITLE | DATE | SOURCE | URL | STANCE | EXCERPT`."""
    evidence = evidence_from({name: args.text(name) for name in EVIDENCE_FIELDS})
    claim = new_claim(args.text("id"), args.text("claim"), args.text("verdict"), args.text("summary"), evidence)
    return await _add(ctx, claim)


async def claim_add_form(ctx: CommandContext, fields: Mapping[str, str]) -> list[Reply]:
    """The add-claim modal: four claim fields and an evidence block."""
    evidence = evidence_block(fields.get("evidence", ""))
    return await _add(
        ctx,
        new_claim(
            fields.get("id", ""),
            fields.get("claim", ""),
            fields.get("verdict", ""),
            fields.get("summary", ""),
            evidence,
        ),
    )


def target_of(text: str) -> Target:
    """A claim id with an optional @VERSION, as a form field or a report's target gives it."""
    return Target(*parse_target(text))


async def _update(
    ctx: CommandContext,
    target: Target,
    change: Callable[[Claim], Claim],
    *,
    action: str,
    note: str | None = None,
    version: int | None = None,
) -> StoredClaim:
    stored = await editor_of(ctx).update(
        target.claim_id,
        change,
        actor=ctx.actor,
        action=action,
        expected_version=version if version is not None else target.version,
        note=note,
    )
    ctx.catalogue.invalidate()
    return stored


def change_fields(values: Mapping[str, str]) -> Callable[[Claim], Claim]:
    updates: dict[str, Any] = {}
    for name, value in values.items():
        key = "claim" if name == "text" else name
        if key == "brief" and value.strip().lower() in ("", *CLEAR):
            updates[key] = None  # replies fall back to the summary's opening sentences
            continue
        updates[key] = checked(key, EDITABLE_FIELDS[name], value)
    return lambda claim: dataclasses.replace(claim, **updates)


async def claim_edit(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim edit ID[@VERSION] claim|verdict|summary|brief VALUE`."""
    target, name, value = args.target(), args.text("field").lower(), args.text("value")
    if name not in EDITABLE_FIELDS:
        raise CommandError(
            f"`{name[:30]}` cannot be edited this way; edit claim, verdict, summary or brief "
            "(aliases and evidence have their own commands)."
        )
    before = await _current(ctx, target)
    stored = await _update(ctx, target, change_fields({name: value}), action="edit")
    return [saved(stored, describe_change(claim_to_dict(before.claim), claim_to_dict(stored.claim)))]


async def claim_edit_form(ctx: CommandContext, fields: Mapping[str, str]) -> list[Reply]:
    """The edit modal: every visible field at once, based on the version the moderator loaded."""
    target = target_of(fields.get("id", ""))
    version = _version_field(fields)
    before = await _current(ctx, target)
    values = {k: fields[k] for k in ("claim", "verdict", "summary", "brief") if k in fields}
    stored = await _update(ctx, target, change_fields(values), action="edit", version=version)
    return [saved(stored, describe_change(claim_to_dict(before.claim), claim_to_dict(stored.claim)))]


def _version_field(fields: Mapping[str, str]) -> int | None:
    raw = str(fields.get("version", "")).strip().lstrip("v")
    if not raw:
        return None
    if not raw.isdigit():
        raise CommandError("version: must be a number.")
    return int(raw)


async def _current(ctx: CommandContext, target: Target) -> StoredClaim:
    stored = await editor_of(ctx).get(target.claim_id)
    if stored is None:
        raise UnknownClaim(target.claim_id)
    return stored


async def claim_retire(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim retire ID[@VERSION] [| REASON]`: retired claims stay in history but are never matched."""
    reason = args.text("reason")
    stored = await _update(
        ctx,
        args.target(),
        lambda c: dataclasses.replace(c, status=ClaimStatus.RETIRED),
        action="retire",
        note=reason or None,
    )
    return [saved(stored, "retired: it will no longer be matched")]


async def claim_restore(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim restore ID[@VERSION]`: match a retired claim again."""
    stored = await _update(
        ctx, args.target(), lambda c: dataclasses.replace(c, status=ClaimStatus.ACTIVE), action="restore"
    )
    return [saved(stored, "restored: it is matched again")]


def alias_index(claim: Claim, which: str) -> int:
    if which.strip().isdigit():
        number = int(which)
        if not 1 <= number <= len(claim.aliases):
            raise CommandError(
                f"`{claim.id}` has {len(claim.aliases)} aliases; give a number from 1 to "
                f"{len(claim.aliases)} or the alias text."
            )
        return number - 1
    wanted = " ".join(which.split()).casefold()
    for index, alias in enumerate(claim.aliases):
        if alias.text.casefold() == wanted:
            return index
    raise CommandError(f"`{claim.id}` has no alias \u201c{which[:80]}\u201d; `claim show {claim.id}` lists them.")


async def add_alias(
    ctx: CommandContext, target: Target, text: str, lang: str, version: int | None = None
) -> list[Reply]:
    """Add an alias with the catalogue's rules; shared by the command, the form and the report queue."""
    alias = Alias(checked("alias", check_claim_text, text), checked("lang", check_lang, lang or "en"))
    stored = await _update(
        ctx, target, lambda c: dataclasses.replace(c, aliases=(*c.aliases, alias)), action="alias add", version=version
    )
    return [saved(stored, f"alias added (\u201c{alias.text[:80]}\u201d, {alias.lang})")]


async def alias_add(ctx: CommandContext, args: Args) -> list[Reply]:
    """`alias add ID[@VERSION] | TEXT [| LANG]`."""
    return await add_alias(ctx, args.target(), args.text("text"), args.text("lang"), None)


async def alias_add_form(ctx: CommandContext, fields: Mapping[str, str]) -> list[Reply]:
    """The add-alias modal."""
    return await add_alias(
        ctx, target_of(fields.get("id", "")), fields.get("text", ""), fields.get("lang", ""), _version_field(fields)
    )


async def alias_remove(ctx: CommandContext, args: Args) -> list[Reply]:
    """`alias remove ID[@VERSION] | TEXT-or-NUMBER`."""
    target, which = args.target(), args.text("alias")

    def remove(claim: Claim) -> Claim:
        index = alias_index(claim, which)
        return dataclasses.replace(claim, aliases=claim.aliases[:index] + claim.aliases[index + 1 :])

    stored = await _update(ctx, target, remove, action="alias remove")
    return [saved(stored, "alias removed")]


async def _evidence_add(ctx: CommandContext, target: Target, evidence: Evidence, version: int | None) -> list[Reply]:
    stored = await _update(
        ctx,
        target,
        lambda c: dataclasses.replace(c, evidence=(*c.evidence, evidence)),
        action="evidence add",
        version=version,
    )
    return [saved(stored, f"evidence {len(stored.claim.evidence)} added ({evidence.title[:60]}, {evidence.date})")]


async def evidence_add(ctx: CommandContext, args: Args) -> list[Reply]:
    """`evidence add ID[@VERSION] | TITLE | DATE | SOURCE | URL | STANCE | EXCERPT`."""
    evidence = evidence_from({name: args.text(name) for name in EVIDENCE_FIELDS})
    return await _evidence_add(ctx, args.target(), evidence, None)


async def evidence_add_form(ctx: CommandContext, fields: Mapping[str, str]) -> list[Reply]:
    """The add-evidence modal; the stance comes from the command that opened it."""
    return await _evidence_add(ctx, target_of(fields.get("id", "")), evidence_from(fields), _version_field(fields))


async def evidence_remove(ctx: CommandContext, args: Args) -> list[Reply]:
    """`evidence remove ID[@VERSION] | NUMBER`; the last item cannot go, a claim needs evidence."""
    target, number = args.target(), args.number("number")

    def remove(claim: Claim) -> Claim:
        if not 1 <= number <= len(claim.evidence):
            raise CommandError(
                f"`{claim.id}` has {len(claim.evidence)} evidence items; give a number from 1 to {len(claim.evidence)}."
            )
        if len(claim.evidence) == 1:
            raise CommandError(f"`{claim.id}` needs at least one evidence item; add another before removing this.")
        return dataclasses.replace(claim, evidence=claim.evidence[: number - 1] + claim.evidence[number:])

    stored = await _update(ctx, target, remove, action="evidence remove")
    return [saved(stored, f"evidence {number} removed")]


def _evidence_change(number: int, change: Callable[[Evidence], Evidence]) -> Callable[[Claim], Claim]:
    """Change one evidence item, by its 1-based number, validated with the catalogue's rules."""

    def apply(claim: Claim) -> Claim:
        if not 1 <= number <= len(claim.evidence):
            raise CommandError(
                f"`{claim.id}` has {len(claim.evidence)} evidence items; give a number from 1 to {len(claim.evidence)}."
            )
        items = list(claim.evidence)
        items[number - 1] = change(items[number - 1])
        return dataclasses.replace(claim, evidence=tuple(items))

    return apply


async def evidence_note(ctx: CommandContext, args: Args) -> list[Reply]:
    """`evidence note ID[@VERSION] | NUMBER | NOTE` (or `none`): the caveat a reader sees beside the quote."""
    target, number, text = args.target(), args.number("number"), args.text("text")
    note = None if text.lower() in CLEAR else checked("note", check_note, text)
    change = _evidence_change(number, lambda e: dataclasses.replace(e, note=note))
    stored = await _update(ctx, target, change, action="evidence note")
    return [saved(stored, f"evidence {number}: note {'removed' if note is None else 'set'}")]


async def evidence_translate(ctx: CommandContext, args: Args) -> list[Reply]:
    """`evidence translate ID[@VERSION] | NUMBER | LANG | TRANSLATED BY | TRANSLATION`, or `| NUMBER | none`."""
    target, number, lang = args.target(), args.number("number"), args.text("lang")
    by, text = args.text("translated-by"), args.text("translation")
    if lang.lower() in CLEAR:
        values: dict[str, Any] = {"lang": "en", "translation": None, "translation_by": None}
    else:
        if not by or not text:
            raise CommandError(f"Usage: `{TRANSLATE_USAGE}`")
        values = {
            "lang": checked("lang", check_lang, lang),
            "translation_by": checked("translated by", check_translator, by),
            "translation": checked("translation", check_translation, text),
        }
        problem = translation_problem(values["lang"], values["translation"], values["translation_by"])
        if problem:
            raise CommandError(f"{problem[0]}: {problem[1]}.")
    change = _evidence_change(number, lambda e: dataclasses.replace(e, **values))
    stored = await _update(ctx, target, change, action="evidence translate")
    what = "translation removed" if values["translation"] is None else f"English translation of the {lang} set"
    return [saved(stored, f"evidence {number}: {what}")]


async def _pin(ctx: CommandContext, args: Args, pinned: bool) -> list[Reply]:
    verb = "pin" if pinned else "unpin"
    target, number = args.target(), args.number("number")
    change = _evidence_change(number, lambda e: dataclasses.replace(e, pinned=pinned))
    stored = await _update(ctx, target, change, action=f"evidence {verb}")
    shown = ", ".join(str(i + 1) for i in lead_indexes(stored.claim))
    return [saved(stored, f"evidence {number} {verb}ned; replies now lead with evidence {shown}")]


async def evidence_pin(ctx: CommandContext, args: Args) -> list[Reply]:
    """`evidence pin ID[@VERSION] | NUMBER`: show this excerpt first instead of the automatic two-sided choice."""
    return await _pin(ctx, args, True)


async def evidence_unpin(ctx: CommandContext, args: Args) -> list[Reply]:
    """`evidence unpin ID[@VERSION] | NUMBER`."""
    return await _pin(ctx, args, False)


def revision_line(revision: Revision) -> str:
    """One line of history."""
    before = claim_to_dict(revision.before) if revision.before else None
    change = describe_change(before, claim_to_dict(revision.after))
    note = f" \u2014 {revision.note}" if revision.note else ""
    return (
        f"#{revision.id} v{revision.version} {revision.action} by {revision.actor} at "
        f"{revision.created_at:%Y-%m-%d %H:%M} UTC: {change}{note}"
    )


async def claim_history(ctx: CommandContext, args: Args) -> list[Reply]:
    """`claim history ID`: the newest revisions first, with their numbers for `undo`."""
    claim_id = args.target().claim_id
    revisions = await editor_of(ctx).history(claim_id, MAX_HISTORY)
    if not revisions:
        raise UnknownClaim(claim_id)
    lines = [f"History of `{claim_id}` (newest first; `undo NUMBER` reverts the latest):"]
    lines += [revision_line(r) for r in revisions]
    return [info("\n".join(lines))]


async def undo(ctx: CommandContext, args: Args) -> list[Reply]:
    """`undo REVISION`: restore the claim exactly as it was before that revision."""
    number = args.number("revision")
    stored = await editor_of(ctx).undo(number, actor=ctx.actor)
    ctx.catalogue.invalidate()
    return [saved(stored, f"revision #{number} undone")]


ID = Param("id", Kind.TARGET, "The claim's id (autocompleted)", max_length=200, label="ID[@VERSION]")
# How an alias is given (its text and language) and how an existing one is named; shared and community commands
# take the same.
ALIAS_PARAMS = (
    Param("text", Kind.TEXT, "How people say it", max_length=MAX_ALIAS),
    Param("lang", Kind.WORD, "Its language (en, de, ru, ...)", required=False, max_length=3),
)
ALIAS_REF = Param("alias", Kind.TEXT, "The alias's text, or its number", label="TEXT or NUMBER")
EVIDENCE_PARAMS = (
    Param("title", Kind.TEXT, "The document's title", max_length=MAX_TITLE),
    Param("date", Kind.WORD, "YYYY, YYYY-MM or YYYY-MM-DD", max_length=10),
    Param("source", Kind.TEXT, "Archive or publisher", max_length=MAX_SOURCE),
    Param("url", Kind.WORD, "https link to the document", max_length=MAX_URL),
    Param(
        "stance", Kind.CHOICE, "How the excerpt bears on the claim as people assert it", choices=STANCES, label="STANCE"
    ),
    Param("excerpt", Kind.TEXT, "Quoted word for word", max_length=MAX_EXCERPT),
)
EVIDENCE_NUMBER = Param("number", Kind.NUMBER, "The excerpt's number in claim show", what="evidence")
TRANSLATE_USAGE = "evidence translate ID[@VERSION] | NUMBER | LANG | TRANSLATED_BY | TRANSLATION (or | NUMBER | none)"
NEW_CLAIM_PARAMS = (
    Param("claim", Kind.TEXT, "The claim as people assert it", max_length=MAX_CLAIM),
    Param("verdict", Kind.CHOICE, "The verdict", choices=VERDICTS, label="VERDICT"),
    Param("summary", Kind.TEXT, "A neutral summary in our own words", max_length=MAX_SUMMARY),
    *EVIDENCE_PARAMS,
)


def register(registry: CommandRegistry) -> None:
    """Add the moderators' catalogue commands."""
    editor = Authority.EDITOR
    specs = [
        CommandSpec(
            "claim add",
            "add a claim with its first evidence",
            claim_add,
            (Param("id", Kind.TEXT, "A new id, lowercase-with-hyphens", max_length=MAX_ID), *NEW_CLAIM_PARAMS),
            authority=editor,
            form=CLAIM_ADD,
            form_handler=claim_add_form,
        ),
        CommandSpec(
            "claim edit",
            "change a claim's text, verdict, summary or brief",
            claim_edit,
            (
                ID,
                Param("field", Kind.WORD, "claim, verdict, summary or brief", label="claim|verdict|summary|brief"),
                Param("value", Kind.TEXT, "The new value", max_length=MAX_SUMMARY),
            ),
            spaced=2,
            authority=editor,
            form=CLAIM_EDIT,
            form_handler=claim_edit_form,
        ),
        CommandSpec(
            "claim retire",
            "stop matching a claim",
            claim_retire,
            (ID, Param("reason", Kind.TEXT, "Why, for the history", required=False)),
            authority=editor,
        ),
        CommandSpec("claim restore", "match a retired claim again", claim_restore, (ID,), authority=editor),
        CommandSpec("claim history", "list a claim's revisions", claim_history, (ID,), authority=editor),
        CommandSpec(
            "alias add",
            "add another way people say a claim",
            alias_add,
            (ID, *ALIAS_PARAMS),
            authority=editor,
            form=ALIAS_ADD,
            form_handler=alias_add_form,
        ),
        CommandSpec(
            "alias remove",
            "remove an alias",
            alias_remove,
            (ID, ALIAS_REF),
            authority=editor,
        ),
        CommandSpec(
            "evidence add",
            "add a verbatim excerpt",
            evidence_add,
            (ID, *EVIDENCE_PARAMS),
            authority=editor,
            form=EVIDENCE_ADD,
            form_handler=evidence_add_form,
        ),
        CommandSpec("evidence remove", "remove an excerpt", evidence_remove, (ID, EVIDENCE_NUMBER), authority=editor),
        CommandSpec(
            "evidence note",
            "set the caveat readers see beside an excerpt",
            evidence_note,
            (
                ID,
                EVIDENCE_NUMBER,
                Param("text", Kind.TEXT, "The note, or none", max_length=MAX_NOTE, label="NOTE or none"),
            ),
            authority=editor,
        ),
        CommandSpec(
            "evidence translate",
            "give a non-English excerpt its English translation",
            evidence_translate,
            (
                ID,
                EVIDENCE_NUMBER,
                Param("lang", Kind.WORD, "The excerpt's language (de, ru, ...), or none", max_length=4),
                Param("translated-by", Kind.TEXT, "Who translated it", required=False, max_length=MAX_TRANSLATOR),
                Param("translation", Kind.TEXT, "The English translation", required=False, max_length=MAX_TRANSLATION),
            ),
            authority=editor,
        ),
        CommandSpec(
            "evidence pin", "show an excerpt first in replies", evidence_pin, (ID, EVIDENCE_NUMBER), authority=editor
        ),
        CommandSpec(
            "evidence unpin",
            "return to the automatic two-sided choice",
            evidence_unpin,
            (ID, EVIDENCE_NUMBER),
            authority=editor,
        ),
        CommandSpec(
            "undo",
            "revert the latest change to a claim",
            undo,
            (Param("revision", Kind.NUMBER, "The revision's number in claim history", what="revision"),),
            authority=editor,
        ),
    ]
    for spec in specs:
        registry.add(spec)
