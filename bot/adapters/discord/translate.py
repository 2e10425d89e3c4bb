"""discord.py messages and interactions as core events: who, where, and what the bot was asked."""

from __future__ import annotations

import re

import discord

from bot.domain.models import Actor, MentionEvent, MessageActionEvent, MessageEvent, Origin

PLATFORM = "discord"
# Only message types a person writes; joins, pins, thread notices and the like are never fact-checked.
_PERSON_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def actor_for(
    user: discord.User | discord.Member,
    *,
    me_id: int | None,
    webhook: bool = False,
    permissions: discord.Permissions | None = None,
) -> Actor:
    """The core's view of a Discord user; `permissions` are the interaction's, when there is one."""
    member = user if isinstance(user, discord.Member) else None
    roles = frozenset(str(r.id) for r in member.roles if not r.is_default()) if member else frozenset()
    if permissions is None and member is not None:
        permissions = member.guild_permissions
    return Actor(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.display_name,
        workspace_id=str(member.guild.id) if member else "",
        roles=roles,
        is_bot=user.bot or webhook,
        is_self=me_id is not None and user.id == me_id,
        is_platform_admin=bool(permissions and (permissions.administrator or permissions.manage_guild)),
    )


def origin_for(channel: object, guild_id: int | None, channel_id: int | None, message_id: int | None) -> Origin:
    """Where an event happened; a thread counts as its parent channel (for watching and cooldowns) plus a thread id."""
    thread_id: str | None = None
    if isinstance(channel, discord.Thread):
        thread_id = str(channel.id)
        channel_id = channel.parent_id or channel.id
    return Origin(
        platform=PLATFORM,
        channel_id=str(channel_id or ""),
        workspace_id=str(guild_id or ""),
        message_id=str(message_id) if message_id is not None else None,
        thread_id=thread_id,
        is_direct=guild_id is None,
    )


def message_origin(message: discord.Message) -> Origin:
    """The origin of a channel message."""
    return origin_for(message.channel, message.guild.id if message.guild else None, message.channel.id, message.id)


def interaction_origin(interaction: discord.Interaction, message_id: int | None = None) -> Origin:
    """The origin of an interaction (the target message's id for the context menu)."""
    return origin_for(interaction.channel, interaction.guild_id, interaction.channel_id, message_id)


def interaction_actor(interaction: discord.Interaction) -> Actor:
    """Who used a command, a button or a modal; permissions come from Discord's payload, not the cache."""
    me = interaction.client.user
    return actor_for(interaction.user, me_id=me.id if me else None, permissions=interaction.permissions)


def is_from_person(message: discord.Message, me_id: int) -> bool:
    """Messages the bot may answer: not its own, not other bots', not webhooks', not system notices."""
    return (
        message.author.id != me_id
        and not message.author.bot
        and message.webhook_id is None
        and message.type in _PERSON_TYPES
    )


def _mention_pattern(me_id: int, role_id: int | None) -> re.Pattern[str]:
    role = f"|<@&{role_id}>" if role_id else ""
    return re.compile(rf"<@!?{me_id}>{role}")


def addressed_text(message: discord.Message, me_id: int) -> str | None:
    """The text addressed to the bot with its mention removed, or None if the bot was not addressed.

    Only a mention typed in the text counts: a reply to one of the bot's messages pings it too, but
    "thanks!" under a fact-check is not a request. Direct messages are always addressed to the bot.
    """
    role = message.guild.self_role if message.guild else None
    pattern = _mention_pattern(me_id, role.id if role else None)
    if message.guild is not None and not pattern.search(message.content):
        return None
    return " ".join(pattern.sub(" ", message.content).split()).lstrip(",:; ")


def message_text(message: discord.Message) -> str:
    """What a message says: its text, plus the titles and descriptions of its embeds."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or ""]
    return "\n".join(p for p in parts if p).strip()


def referenced_text(message: discord.Message) -> str | None:
    """The text of the message this one replies to, when Discord sent it along."""
    reference = message.reference
    resolved = reference.resolved if reference else None
    if isinstance(resolved, discord.Message):
        return message_text(resolved) or None
    return None


def message_event(message: discord.Message, me_id: int, *, watching: bool) -> MentionEvent | MessageEvent | None:
    """A mention (or DM) becomes a request; other messages are only events when channels are watched."""
    actor = actor_for(message.author, me_id=me_id, webhook=message.webhook_id is not None)
    text = addressed_text(message, me_id)
    if text is not None:
        return MentionEvent(actor, message_origin(message), text, referenced_text(message))
    if watching and message.content:
        return MessageEvent(actor, message_origin(message), message.content)
    return None


def action_event(interaction: discord.Interaction, target: discord.Message) -> MessageActionEvent:
    """'Fact-check this message': Discord always sends the target's text, with or without the content intent."""
    return MessageActionEvent(
        interaction_actor(interaction),
        interaction_origin(interaction, target.id),
        message_text(target),
        str(target.id),
    )
