"""Send rendered replies: as a reply to a channel message, or as an interaction response and its followups."""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.adapters.discord.host import ForbiddenChannels
from bot.adapters.discord.render import Outgoing, render
from bot.adapters.discord.views import view_for
from bot.core.commands import error
from bot.domain.models import Attachment, Reply

log = logging.getLogger(__name__)

# Set in `interaction.extras` once a real answer went out (so a later failure must not delete it).
ANSWERED = "factbot_answered"


def _payload(out: Outgoing, view: discord.ui.View | None) -> dict[str, Any]:
    """The keyword arguments shared by channel messages and interaction responses."""
    payload: dict[str, Any] = {"suppress_embeds": out.suppress_embeds}
    if out.content:
        payload["content"] = out.content
    if out.embeds:
        payload["embeds"] = list(out.embeds)
    if out.attachment is not None:
        payload["file"] = _file(out.attachment)
    if view is not None:
        payload["view"] = view
    return payload


def _file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename)


def _messages(replies: Sequence[Reply]) -> list[tuple[Outgoing, discord.ui.View | None]]:
    """Every message to send, with the reply's buttons under the last one."""
    messages: list[tuple[Outgoing, discord.ui.View | None]] = []
    for reply in replies:
        pages = render(reply)
        view = view_for(reply)
        messages += [(page, view if i == len(pages) - 1 else None) for i, page in enumerate(pages)]
    return messages


async def reply_to_message(message: discord.Message, replies: Sequence[Reply], forbidden: ForbiddenChannels) -> int:
    """Answer a message as a reply (inside its thread when it is in one); returns the messages sent."""
    channel = message.channel
    if forbidden.blocked(channel.id):
        log.info("not answering: factbot lacks permissions in this channel", extra={"channel_id": channel.id})
        return 0
    # If the message is deleted meanwhile, still answer instead of failing on the reference.
    reference = message.to_reference(fail_if_not_exists=False)
    sent = 0
    for out, view in _messages(replies):
        try:
            await channel.send(reference=reference, mention_author=False, **_payload(out, view))
        except discord.Forbidden as exc:
            forbidden.block(channel.id)
            log.warning(
                "discord refused a reply: missing permissions; pausing this channel",
                extra={"channel_id": channel.id, "code": exc.code},
            )
            return sent
        sent += 1
    return sent


async def deliver_elsewhere(client: discord.Client, replies: Sequence[Reply]) -> list[Reply]:
    """Post the replies meant for another place (an approved held reply, as a reply to its message); the rest are
    the answer to whoever acted. The core only hands out such a reply after claiming it, so it is posted once."""
    answers: list[Reply] = []
    for reply in replies:
        where = reply.deliver_to
        if where is None:
            answers.append(reply)
            continue
        channel = client.get_partial_messageable(int(where.channel_id))
        answering: dict[str, Any] = {}
        if where.message_id and where.message_id.isdigit():  # if the message is gone meanwhile, still post
            answering["reference"] = discord.MessageReference(
                message_id=int(where.message_id), channel_id=int(where.channel_id), fail_if_not_exists=False
            )
        try:
            for out, view in _messages([reply]):
                await channel.send(mention_author=False, **answering, **_payload(out, view))
        except discord.HTTPException as exc:
            log.error("an approved reply could not be posted", extra={"channel_id": where.channel_id, "code": exc.code})
            answers.append(error(f"Discord refused to post the approved reply ({exc.status}); it stays decided."))
    return answers


@dataclasses.dataclass(slots=True)
class Deferral:
    """How an interaction was acknowledged before its answer was ready."""

    ephemeral: bool


async def answer_interaction(
    interaction: discord.Interaction, replies: Sequence[Reply], *, deferral: Deferral | None = None
) -> None:
    """The first message answers the interaction (or replaces the "thinking…" one); the rest are followups."""
    messages = _messages(replies)
    if deferral is not None and not deferral.ephemeral and messages and messages[0][0].ephemeral:
        # A public "thinking…" cannot turn private: remove it, so an error stays between factbot and the user.
        await interaction.delete_original_response()
    for out, view in messages:
        payload = _payload(out, view)
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=out.ephemeral, **payload)
        else:
            await interaction.response.send_message(ephemeral=out.ephemeral, **payload)
        interaction.extras[ANSWERED] = True
