"""Each interaction is handled by one process, even when two processes share a shard (a deploy's overlap)."""

from __future__ import annotations

import asyncio
import logging
import time

import discord

from bot.adapters.discord.host import RECEIVED, host_of
from bot.core.errors import StorageError

log = logging.getLogger(__name__)


async def first_delivery(interaction: discord.Interaction) -> bool:
    """Claim the interaction id in the database; False when another process (or a redelivery) has it already.

    Without this, a command or button delivered to two processes would run twice: two reports, two votes,
    a moderator's edit applied twice. Autocomplete is left alone: it changes nothing and Discord keeps one
    answer. Discord's 3 seconds come first: when the database cannot answer within the time factbot would
    wait before deferring, or not at all, the interaction is handled anyway, as an explicit request should be.
    """
    interaction.extras[RECEIVED] = time.monotonic()  # the deferral timer counts this wait too
    if interaction.type is discord.InteractionType.autocomplete:
        return True
    host = host_of(interaction)
    where = {
        "interaction_id": interaction.id,
        "interaction_type": interaction.type.name,
        "guild_id": interaction.guild_id,
    }
    claim = asyncio.ensure_future(host.dispatcher.first_time(f"discord:interaction:{interaction.id}"))
    done, _ = await asyncio.wait({claim}, timeout=host.defer_after)
    if not done:
        claim.add_done_callback(_outcome_ignored)
        log.warning("database slow: handling an interaction without de-duplication", extra=where)
        return True
    try:
        first = claim.result()
    except StorageError:
        log.warning("database unavailable: handling an interaction without de-duplication", extra=where)
        return True
    if not first:
        log.info("duplicate interaction ignored", extra=where)
    return first


def _outcome_ignored(claim: asyncio.Future[bool]) -> None:
    """A claim that came too late still finishes (and may fail) in the background; nothing waits for it."""
    if not claim.cancelled() and claim.exception() is not None:
        log.debug("a late interaction claim failed", exc_info=claim.exception())
