"""The /mod group, generated from the core's command specs: every command that needs more than a member, with its
typed options, and modals for the commands that have a form.

`default_permissions` (Manage Messages) only hides the group from most members, and server admins can
change it; the core checks who may do what on every command and form submission, and audits refusals.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.commands import autocomplete_claim_id, run_line
from bot.adapters.discord.host import host_of
from bot.adapters.discord.modals import FormModal
from bot.adapters.discord.respond import respond
from bot.adapters.discord.translate import interaction_actor, interaction_origin
from bot.core.commands import CommandRegistry, CommandSpec
from bot.core.params import Kind, Param
from bot.core.permissions import Authority

log = logging.getLogger(__name__)

GROUP_NAME = "mod"
GROUP_DESCRIPTIONS = {
    "claim": "Change the catalogue's claims",
    "alias": "Other ways people state a claim",
    "evidence": "The excerpts behind a claim",
    "queue": "Messages people reported for fact-checking",
    "reply": "factbot's replies",
    "local": "This server's own claims and aliases",
    "propose": "Suggest a change to a shared claim",
    "proposal": "Proposed changes to shared claims",
}
MAX_NUMBER = 10**9


async def run_options(interaction: discord.Interaction, command: str, options: dict[str, object]) -> None:
    """Run a core command with the values Discord parsed, as the user who invoked it (privately)."""
    dispatcher = host_of(interaction).dispatcher
    work = dispatcher.run_options(interaction_actor(interaction), interaction_origin(interaction), command, options)
    await respond(interaction, work, public=False)


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


def _annotation(param: Param) -> Any:
    """The discord.py type of an option: Discord then checks lengths and ranges before factbot sees the value."""
    if param.kind is Kind.NUMBER:
        return app_commands.Range[int, 1, MAX_NUMBER]
    if param.kind is Kind.FLAG:
        return bool
    if param.kind is Kind.CHOICE:
        return str
    return app_commands.Range[str, 1, min(param.max_length, 6000)]


def _identifier(name: str) -> str:
    return name.replace("-", "_")


def _options_of(spec: CommandSpec) -> tuple[Param, ...]:
    """The options Discord asks for: all parameters, or for a command with a form only what opens the form."""
    if spec.form is None:
        return spec.params
    return tuple(p for p in spec.params if p.name in spec.form.context)


def _leaf(spec: CommandSpec, name: str) -> app_commands.Command[Any, ..., None]:
    """One /mod subcommand for a core command, with an option per parameter."""
    options = _options_of(spec)

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        given = {p.name: values.get(_identifier(p.name)) for p in options}
        if spec.form is None:
            await run_options(interaction, spec.name, {k: v for k, v in given.items() if v not in (None, "")})
        elif not options:
            await open_form(interaction, spec.name)
        else:
            target = str(given.pop("id") or "")
            await open_claim_form(interaction, spec.name, target, **{k: str(v) for k, v in given.items() if v})

    # discord.py reads the options from the callback's signature: build it from the parameters, required first.
    ordered = sorted(options, key=lambda p: not p.required)
    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
        + [
            inspect.Parameter(
                _identifier(p.name),
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(p),
                **({} if p.required else {"default": None}),
            )
            for p in ordered
        ]
    )
    described = app_commands.describe(**{_identifier(p.name): (p.help or p.name)[:100] for p in options})
    renamed = {_identifier(p.name): p.name for p in options if _identifier(p.name) != p.name}
    decorated: Any = described(callback)
    if renamed:
        decorated = app_commands.rename(**renamed)(decorated)
    choices = {
        _identifier(p.name): [app_commands.Choice(name=c, value=c) for c in p.choices]
        for p in options
        if p.kind is Kind.CHOICE
    }
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    claims = {_identifier(p.name): autocomplete_claim_id for p in options if p.kind is Kind.TARGET}
    if claims:
        decorated = app_commands.autocomplete(**claims)(decorated)
    description = spec.help[:1].upper() + spec.help[1:]
    if spec.form is not None:
        description += " (opens a form)"
    return app_commands.Command(name=name, description=description[:100], callback=decorated)


def moderator_group(registry: CommandRegistry) -> app_commands.Group:
    """/mod, hidden by default from members without Manage Messages, and only in servers."""
    group = app_commands.Group(
        name=GROUP_NAME,
        description="factbot moderation: the catalogue, the report queue, this channel's settings",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=discord.Permissions(manage_messages=True),
    )
    subgroups: dict[str, app_commands.Group] = {}
    for spec in registry.specs():
        if spec.authority is Authority.MEMBER:
            continue
        words = spec.name.split()
        if len(words) == 1:
            group.add_command(_leaf(spec, words[0]))
            continue
        parent = subgroups.get(words[0])
        if parent is None:
            description = GROUP_DESCRIPTIONS.get(words[0], words[0])
            parent = subgroups[words[0]] = app_commands.Group(name=words[0], description=description)
            group.add_command(parent)
        parent.add_command(_leaf(spec, words[1]))
    return group
