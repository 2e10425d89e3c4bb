"""What factbot asks Discord for: the fewest gateway intents and channel permissions that do the job."""

from __future__ import annotations

import discord

from bot.adapters.discord.settings import DiscordSettings

SCOPES = ("bot", "applications.commands")


def intents_for(settings: DiscordSettings) -> discord.Intents:
    """Guilds (channels, roles, threads) and messages; message content only when watching channels.

    Mentions, DMs, slash commands and the message context menu carry their text without the privileged
    intent; only unaddressed messages in watched channels need it. Members and presences stay off.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.watch_channels
    return intents


def bot_permissions() -> discord.Permissions:
    """Read and answer in channels and threads, with embeds, replies and the stats chart; nothing else.

    Never Administrator, Manage Messages or Mention Everyone: replies never need them, and without
    "Mention Everyone" even a parsed @everyone could not ping.
    """
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        embed_links=True,
        attach_files=True,
        read_message_history=True,  # a reply (message reference) needs it
    )


def invite_url(application_id: int, guild_id: int | None = None) -> str:
    """The link a server admin opens to add factbot with exactly these permissions."""
    guild = discord.Object(guild_id) if guild_id is not None else discord.utils.MISSING
    return discord.utils.oauth_url(application_id, permissions=bot_permissions(), scopes=SCOPES, guild=guild)
