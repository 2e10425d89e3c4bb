"""The application commands everyone may use: /factcheck, /claim show|search and "Fact-check this message"."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.adapters.discord.choices import claim_choices
from bot.adapters.discord.host import host_of
from bot.adapters.discord.respond import respond
from bot.adapters.discord.translate import action_event, interaction_actor, interaction_origin
from bot.domain.models import CommandEvent

CONTEXT_MENU_NAME = "Fact-check this message"
TEXT_MAX = 2000


async def run_line(interaction: discord.Interaction, line: str, *, public: bool) -> None:
    """Run one line of the core's command grammar as the user who invoked the command."""
    event = CommandEvent(interaction_actor(interaction), interaction_origin(interaction), line)
    await respond(interaction, host_of(interaction).dispatcher.handle(event), public=public)


async def autocomplete_claim_id(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Claim ids matching what has been typed so far: the shared ones and this server's own."""
    snapshot = await host_of(interaction).dispatcher.snapshot(interaction_origin(interaction))
    return claim_choices(snapshot.claims, current)


@app_commands.command(name="factcheck", description="Fact-check a statement against factbot's catalogue")
@app_commands.describe(text="The statement to check, e.g. NATO promised not to expand eastward")
async def factcheck(interaction: discord.Interaction, text: app_commands.Range[str, 1, TEXT_MAX]) -> None:
    """Answers with the best match, or "no known claim matched" with close candidates and a report button."""
    await run_line(interaction, f"factcheck {text}", public=True)


claim_group = app_commands.Group(name="claim", description="Look up claims in factbot's catalogue")


@claim_group.command(name="show", description="Show a claim with all its evidence")
@app_commands.rename(claim_id="id")
@app_commands.describe(claim_id="The claim's id (start typing to search)")
@app_commands.autocomplete(claim_id=autocomplete_claim_id)
async def claim_show(interaction: discord.Interaction, claim_id: app_commands.Range[str, 1, 80]) -> None:
    """One claim, in full."""
    await run_line(interaction, f"claim show {claim_id}", public=True)


@claim_group.command(name="search", description="Find claims and their ids")
@app_commands.describe(query="Words to look for")
async def claim_search(interaction: discord.Interaction, query: app_commands.Range[str, 1, 200]) -> None:
    """The claims that best match some words (only you see the list)."""
    await run_line(interaction, f"claim search {query}", public=False)


@app_commands.context_menu(name=CONTEXT_MENU_NAME)
async def factcheck_message(interaction: discord.Interaction, message: discord.Message) -> None:
    """Fact-check someone's message; Discord sends its text even without the message-content intent."""
    event = action_event(interaction, message)
    await respond(interaction, host_of(interaction).dispatcher.handle(event), public=True)
