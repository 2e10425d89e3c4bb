"""The /mod group: every moderation command of the core, with modals for adding and editing.

`default_permissions` (Manage Messages) only hides the group from most members, and server admins can
change it; the core checks the moderator list on every command and form submission, and audits refusals.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.adapters.discord.commands import autocomplete_claim_id, run_line
from bot.adapters.discord.host import host_of
from bot.adapters.discord.modals import FormModal
from bot.adapters.discord.translate import interaction_actor, interaction_origin
from bot.domain.models import Stance, Verdict

log = logging.getLogger(__name__)

GROUP_NAME = "mod"
VERDICT_CHOICES = [app_commands.Choice(name=v.label, value=v.value) for v in Verdict]
STANCE_CHOICES = [app_commands.Choice(name=s.value, value=s.value) for s in Stance]
ClaimId = app_commands.Range[str, 1, 80]
Text = app_commands.Range[str, 1, 1000]
Number = app_commands.Range[int, 1, 10**9]
EvidenceNumber = app_commands.Range[int, 1, 999]
Note = app_commands.Range[str, 1, 200]


class PipeInField(ValueError):
    """A value would split the core's `a | b | c` grammar in the wrong place."""


def join_fields(*fields: str) -> str:
    """`a | b | c` for the core's grammar; only the last field may contain `|` (the core keeps it whole)."""
    cleaned = [" ".join(f.split()) for f in fields]
    for value in cleaned[:-1]:
        if "|" in value:
            raise PipeInField(f"`|` cannot appear in {value[:60]!r}: it separates fields.")
    while len(cleaned) > 1 and not cleaned[-1]:
        cleaned.pop()
    return " | ".join(cleaned)


async def run_fields(interaction: discord.Interaction, command: str, *fields: str) -> None:
    """Run `command a | b | c`, or explain privately why the values cannot be sent."""
    try:
        line = f"{command} {join_fields(*fields)}"
    except PipeInField as exc:
        await interaction.response.send_message(str(exc), ephemeral=True)
        return
    await run_line(interaction, line, public=False)


async def open_form(
    interaction: discord.Interaction,
    form_name: str,
    *,
    context: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
) -> None:
    """Open a form's modal for moderators; anyone else goes through the core, which refuses and audits it."""
    dispatcher = host_of(interaction).dispatcher
    if not dispatcher.may_run(form_name, interaction_actor(interaction), interaction_origin(interaction)):
        await run_line(interaction, form_name, public=False)
        return
    form = dispatcher.forms().get(form_name)
    if form is None:
        raise LookupError(f"the core has no form named {form_name!r}")
    await interaction.response.send_modal(FormModal(form, context=context, defaults=defaults))


async def open_claim_form(interaction: discord.Interaction, form_name: str, claim_id: str, **extra: str) -> None:
    """A form about one claim: it carries the version the moderator saw, so a concurrent edit is detected."""
    dispatcher = host_of(interaction).dispatcher
    if not dispatcher.may_run(form_name, interaction_actor(interaction), interaction_origin(interaction)):
        await run_line(interaction, form_name, public=False)  # the core refuses and audits it
        return
    snapshot = await dispatcher.catalogue.current()
    stored = snapshot.claims.get(claim_id.strip().lower())
    if stored is None:
        await run_line(interaction, f"claim show {claim_id}", public=False)  # the core's "did you mean"
        return
    defaults = {}
    if form_name == "claim edit":
        claim = stored.claim
        defaults = {
            "claim": claim.claim,
            "verdict": claim.verdict.value,
            "summary": claim.summary,
            "brief": claim.brief or "",
        }
    context = {"id": stored.claim.id, "version": str(stored.version), **extra}
    await open_form(interaction, form_name, context=context, defaults=defaults)


def claim_commands() -> app_commands.Group:
    """/mod claim add|edit|retire|restore|history."""
    group = app_commands.Group(name="claim", description="Change the catalogue's claims")

    @group.command(name="add", description="Add a claim (opens a form)")
    async def add(interaction: discord.Interaction) -> None:
        await open_form(interaction, "claim add")

    @group.command(name="edit", description="Edit a claim's text, verdict or summary (opens a form)")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def edit(interaction: discord.Interaction, claim_id: ClaimId) -> None:
        await open_claim_form(interaction, "claim edit", claim_id)

    @group.command(name="retire", description="Stop matching a claim (kept for history)")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def retire(interaction: discord.Interaction, claim_id: ClaimId, reason: Text = "") -> None:
        await run_fields(interaction, "claim retire", claim_id, reason)

    @group.command(name="restore", description="Match a retired claim again")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def restore(interaction: discord.Interaction, claim_id: ClaimId) -> None:
        await run_fields(interaction, "claim restore", claim_id)

    @group.command(name="history", description="List a claim's revisions")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def history(interaction: discord.Interaction, claim_id: ClaimId) -> None:
        await run_fields(interaction, "claim history", claim_id)

    return group


def alias_commands() -> app_commands.Group:
    """/mod alias add|remove."""
    group = app_commands.Group(name="alias", description="Other ways people state a claim")

    @group.command(name="add", description="Add an alias to a claim (opens a form)")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def add(interaction: discord.Interaction, claim_id: ClaimId) -> None:
        await open_claim_form(interaction, "alias add", claim_id)

    @group.command(name="remove", description="Remove an alias, by its text or number")
    @app_commands.rename(claim_id="id")
    @app_commands.describe(alias="The alias's text, or its number in /mod claim history")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def remove(interaction: discord.Interaction, claim_id: ClaimId, alias: Text) -> None:
        await run_fields(interaction, "alias remove", claim_id, alias)

    return group


def evidence_commands() -> app_commands.Group:
    """/mod evidence add|remove."""
    group = app_commands.Group(name="evidence", description="The excerpts behind a claim")

    @group.command(name="add", description="Add an excerpt to a claim (opens a form)")
    @app_commands.rename(claim_id="id")
    @app_commands.describe(stance="How the excerpt bears on the claim as people assert it")
    @app_commands.choices(stance=STANCE_CHOICES)
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def add(interaction: discord.Interaction, claim_id: ClaimId, stance: str) -> None:
        await open_claim_form(interaction, "evidence add", claim_id, stance=stance)

    @group.command(name="remove", description="Remove an excerpt by its number")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def remove(interaction: discord.Interaction, claim_id: ClaimId, number: EvidenceNumber) -> None:
        await run_fields(interaction, "evidence remove", claim_id, str(number))

    @group.command(name="note", description="Set the caveat readers see beside an excerpt (none removes it)")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def note(interaction: discord.Interaction, claim_id: ClaimId, number: EvidenceNumber, text: Note) -> None:
        await run_fields(interaction, "evidence note", claim_id, str(number), text)

    @group.command(name="translate", description="Give a non-English excerpt its English translation")
    @app_commands.rename(claim_id="id", by="translated-by")
    @app_commands.describe(lang="The excerpt's language (de, ru, ...), or none to remove the translation")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def translate(
        interaction: discord.Interaction,
        claim_id: ClaimId,
        number: EvidenceNumber,
        lang: app_commands.Range[str, 1, 4],
        by: app_commands.Range[str, 1, 200] = "",
        translation: app_commands.Range[str, 1, 1500] = "",
    ) -> None:
        await run_fields(interaction, "evidence translate", claim_id, str(number), lang, by, translation)

    @group.command(name="pin", description="Show an excerpt first in replies")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def pin(interaction: discord.Interaction, claim_id: ClaimId, number: EvidenceNumber) -> None:
        await run_fields(interaction, "evidence pin", claim_id, str(number))

    @group.command(name="unpin", description="Return to showing the strongest excerpt of each side first")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def unpin(interaction: discord.Interaction, claim_id: ClaimId, number: EvidenceNumber) -> None:
        await run_fields(interaction, "evidence unpin", claim_id, str(number))

    return group


def reply_commands() -> app_commands.Group:
    """/mod reply details."""
    group = app_commands.Group(name="reply", description="factbot's replies")

    @group.command(name="details", description="Why a reply was given: scores and the matched phrasing")
    @app_commands.describe(ref="The ref in the reply's footer")
    async def details(interaction: discord.Interaction, ref: app_commands.Range[str, 1, 40]) -> None:
        await run_fields(interaction, "reply details", ref)

    return group


def queue_commands() -> app_commands.Group:
    """/mod queue list|resolve|dismiss|to-claim|to-alias."""
    group = app_commands.Group(name="queue", description="Messages people reported for fact-checking")

    @group.command(name="list", description="Show reported messages")
    @app_commands.describe(everything="Include resolved and dismissed reports")
    async def list_(interaction: discord.Interaction, everything: bool = False) -> None:
        await run_line(interaction, "queue list all" if everything else "queue list", public=False)

    @group.command(name="resolve", description="Mark a report handled")
    async def resolve(interaction: discord.Interaction, number: Number, note: Text = "") -> None:
        await run_fields(interaction, "queue resolve", str(number), note)

    @group.command(name="dismiss", description="Dismiss a report")
    async def dismiss(interaction: discord.Interaction, number: Number, note: Text = "") -> None:
        await run_fields(interaction, "queue dismiss", str(number), note)

    @group.command(name="to-claim", description="Turn a report into a new claim with its first excerpt")
    @app_commands.rename(claim_id="id")
    @app_commands.choices(verdict=VERDICT_CHOICES, stance=STANCE_CHOICES)
    async def to_claim(
        interaction: discord.Interaction,
        number: Number,
        claim_id: ClaimId,
        verdict: str,
        summary: Text,
        title: Text,
        date: app_commands.Range[str, 4, 10],
        source: Text,
        url: app_commands.Range[str, 8, 2000],
        stance: str,
        excerpt: Text,
    ) -> None:
        await run_fields(
            interaction,
            "queue to-claim",
            str(number),
            claim_id,
            verdict,
            summary,
            title,
            date,
            source,
            url,
            stance,
            excerpt,
        )

    @group.command(name="to-alias", description="Add a report's text as an alias of a claim")
    @app_commands.rename(claim_id="id")
    @app_commands.autocomplete(claim_id=autocomplete_claim_id)
    async def to_alias(
        interaction: discord.Interaction, number: Number, claim_id: ClaimId, lang: app_commands.Range[str, 2, 3] = ""
    ) -> None:
        await run_fields(interaction, "queue to-alias", str(number), claim_id, lang)

    return group


def moderator_group() -> app_commands.Group:
    """/mod, hidden by default from members without Manage Messages, and only in servers."""
    group = app_commands.Group(
        name=GROUP_NAME,
        description="factbot moderation: the catalogue, the report queue, this channel's settings",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=discord.Permissions(manage_messages=True),
    )
    for child in (claim_commands(), alias_commands(), evidence_commands(), queue_commands(), reply_commands()):
        group.add_command(child)

    @group.command(name="undo", description="Revert the latest change to a claim")
    async def undo(interaction: discord.Interaction, revision: Number) -> None:
        await run_fields(interaction, "undo", str(revision))

    @group.command(name="watch", description="Let factbot reply unprompted in this channel, or not")
    @app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in ("on", "off", "status")])
    async def watch(interaction: discord.Interaction, mode: str) -> None:
        await run_fields(interaction, "watch", mode)

    @group.command(name="mute", description="Pause unprompted replies in this channel (e.g. 30m, 2h, 1d, or off)")
    async def mute(interaction: discord.Interaction, duration: app_commands.Range[str, 1, 10]) -> None:
        await run_fields(interaction, "mute", duration)

    @group.command(name="stats", description="Replies, feedback and reports for a period (e.g. 7d, 30d, all)")
    async def stats(interaction: discord.Interaction, period: app_commands.Range[str, 1, 10] = "7d") -> None:
        await run_fields(interaction, "stats", period)

    return group
