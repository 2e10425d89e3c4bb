"""Answer an interaction inside Discord's 3 seconds: directly when the core is quick, else defer and follow up."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable

import discord

from bot.adapters.discord.delivery import ANSWERED, Deferral, answer_interaction, deliver_elsewhere
from bot.adapters.discord.host import defer_in, host_of
from bot.core.commands import error
from bot.domain.models import Reply

log = logging.getLogger(__name__)

# Discord allows 3 s for the first response; answering directly until 1 s leaves room for the network.
DEFER_AFTER_SECONDS = 1.0
ERROR_TEXT = "Sorry, something went wrong while answering. It has been logged for the maintainers."


async def respond(
    interaction: discord.Interaction, work: Awaitable[list[Reply]], *, public: bool, private: bool = False
) -> None:
    """Run the core's work and answer with its replies; `public` is the expected visibility, for a deferral.

    `private` forces every reply to be ephemeral (buttons anyone in the channel may press).
    """
    host = host_of(interaction)
    async with host.inflight:
        task = asyncio.ensure_future(work)
        deferral: Deferral | None = None
        try:
            done, _ = await asyncio.wait({task}, timeout=defer_in(interaction, host.defer_after))
            if not done:
                deferral = Deferral(ephemeral=private or not public)
                await interaction.response.defer(thinking=True, ephemeral=deferral.ephemeral)
            replies = await deliver_elsewhere(interaction.client, await task)
        finally:
            if not task.done():
                task.cancel()
        if private:
            replies = [dataclasses.replace(r, ephemeral=True) for r in replies]
        await answer_interaction(interaction, replies or [error("Nothing to show.")], deferral=deferral)


async def report_failure(interaction: discord.Interaction, exc: BaseException) -> None:
    """Log the full trace, and tell the user briefly and privately."""
    command = interaction.command.qualified_name if interaction.command else None
    log.error(
        "discord interaction failed",
        exc_info=exc,
        extra={"interaction_type": interaction.type.name, "command": command, "user": interaction.user.id},
    )
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(ERROR_TEXT, ephemeral=True)
            return
        thinking = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
        if thinking and not interaction.extras.get(ANSWERED):
            # The first followup would replace a public "thinking…" and be public: remove it first.
            await interaction.delete_original_response()
        await interaction.followup.send(ERROR_TEXT, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about the failure", extra={"interaction": interaction.id})
