"""The application command tree: the same set of commands for running and for `factbot discord sync`."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.adapters.discord.commands import claim_group, factcheck, factcheck_message
from bot.adapters.discord.moderation import moderator_group
from bot.adapters.discord.once import first_delivery
from bot.adapters.discord.respond import report_failure
from bot.core.registry import default_registry

log = logging.getLogger(__name__)

OUT_OF_DATE = (
    "This command has changed since Discord last heard of it; a server admin should re-sync factbot's commands."
)


class FactbotTree(app_commands.CommandTree[discord.Client]):
    """The command tree; each interaction runs once across processes, and every failure is answered privately."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Only the first process to claim the interaction runs the command."""
        return await first_delivery(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        """Unwrap the command's own exception, so the log shows where it really failed."""
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            # Discord still offers commands from an earlier sync: no bug here, a deployment step was missed.
            log.warning(
                "a command Discord sent does not match this version; run `factbot discord sync`",
                extra={"command": getattr(error, "name", None) or str(error)},
            )
            await interaction.response.send_message(OUT_OF_DATE, ephemeral=True)
            return
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await report_failure(interaction, cause)


def build_tree(client: discord.Client) -> FactbotTree:
    """Every command factbot offers, attached to `client`."""
    tree = FactbotTree(client)
    tree.add_command(factcheck)
    tree.add_command(claim_group)
    tree.add_command(factcheck_message)
    tree.add_command(moderator_group(default_registry()))
    return tree
