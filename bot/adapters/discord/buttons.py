"""What the buttons under replies do: feedback, the full evidence, reporting an unmatched message, and approving or
rejecting a held reply."""

from __future__ import annotations

import discord

from bot.adapters.discord.host import host_of
from bot.adapters.discord.modals import FormModal
from bot.adapters.discord.render import CHECKED_TEXT_FIELD
from bot.adapters.discord.respond import respond
from bot.adapters.discord.text import unquote
from bot.adapters.discord.translate import interaction_actor, interaction_origin
from bot.adapters.discord.views import HELD_ACTIONS
from bot.domain.models import FEEDBACK_ACTIONS, ReplyAction

REPORT_FORM = "report"


def checked_text(message: discord.Message | None) -> str:
    """The text a no-match reply checked, read back from the reply itself (nothing is kept in memory)."""
    for embed in message.embeds if message else ():
        for field in embed.fields:
            if field.name == CHECKED_TEXT_FIELD and field.value:
                return unquote(field.value)
    return ""


async def on_button(interaction: discord.Interaction, action: ReplyAction, key: str) -> None:
    """Answer a button press privately: whoever presses it, the channel is not disturbed."""
    dispatcher = host_of(interaction).dispatcher
    actor = interaction_actor(interaction)
    origin = interaction_origin(interaction, interaction.message.id if interaction.message else None)
    if action in FEEDBACK_ACTIONS:
        await respond(interaction, dispatcher.feedback(actor, origin, key, action), public=False, private=True)
    elif action is ReplyAction.SHOW_ALL_EVIDENCE:
        await respond(
            interaction, dispatcher.run_command(actor, origin, f"claim show {key}"), public=False, private=True
        )
    elif action in HELD_ACTIONS:
        # The number comes from a custom id anyone could forge: the core decides whether it is this community's.
        verb = "approve" if action is ReplyAction.APPROVE else "reject"
        line = f"queue {verb} {key}" if key.isdigit() else f"queue {verb} -"
        await respond(interaction, dispatcher.run_command(actor, origin, line), public=False, private=True)
    elif action is ReplyAction.REPORT:
        form = dispatcher.forms().get(REPORT_FORM)
        if form is None:
            raise LookupError(f"the core has no form named {REPORT_FORM!r}")
        await interaction.response.send_modal(FormModal(form, defaults={"text": checked_text(interaction.message)}))
