"""Modals built from the core's form descriptions; a submission goes to the core, which checks permission again."""

from __future__ import annotations

from collections.abc import Mapping

import discord

from bot.adapters.discord.host import host_of
from bot.adapters.discord.respond import report_failure, respond
from bot.adapters.discord.text import clip
from bot.adapters.discord.translate import interaction_actor, interaction_origin
from bot.core.forms import FormSpec

TITLE_MAX = 45
LABEL_MAX = 45
PLACEHOLDER_MAX = 100
VALUE_MAX = 4000
# An open modal is kept in memory this long; after that (or a restart) a submission is not received.
MODAL_TIMEOUT_SECONDS = 30 * 60


class FormModal(discord.ui.Modal):
    """A form as a Discord modal; values the command supplied (claim id, version) stay server-side."""

    def __init__(
        self, form: FormSpec, *, context: Mapping[str, str] | None = None, defaults: Mapping[str, str] | None = None
    ) -> None:
        about = (context or {}).get("id")
        title = f"{form.title}: {about}" if about else form.title
        super().__init__(title=clip(title, TITLE_MAX), timeout=MODAL_TIMEOUT_SECONDS)
        self.form = form
        self.context = dict(context or {})
        self.inputs: dict[str, discord.ui.TextInput[FormModal]] = {}
        defaults = defaults or {}
        for field in form.fields:
            limit = min(field.max_length, VALUE_MAX)
            text_input: discord.ui.TextInput[FormModal] = discord.ui.TextInput(
                label=clip(field.label, LABEL_MAX),
                style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
                required=field.required,
                max_length=limit,
                placeholder=clip(field.placeholder, PLACEHOLDER_MAX) or None,
                default=clip(defaults.get(field.name, ""), limit) or None,
            )
            self.inputs[field.name] = text_input
            self.add_item(text_input)

    def values(self) -> dict[str, str]:
        """The submitted fields, with the command's context values."""
        return {**self.context, **{name: text_input.value for name, text_input in self.inputs.items()}}

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Hand the fields to the core as the user who submitted them."""
        dispatcher = host_of(interaction).dispatcher
        work = dispatcher.submit_form(
            interaction_actor(interaction), interaction_origin(interaction), self.form.name, self.values()
        )
        await respond(interaction, work, public=False)

    # Modal.on_error really takes these arguments; its stub clashes with BaseView.on_error in discord.py itself.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Same as every other failure: a full trace in the log, a short private note to the user."""
        await report_failure(interaction, error)
