"""factbot's discord.py client: safe defaults, messages to the core, health lines for operators."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.adapters.discord import buttons
from bot.adapters.discord.access import intents_for
from bot.adapters.discord.delivery import reply_to_message
from bot.adapters.discord.host import ForbiddenChannels, InFlight
from bot.adapters.discord.respond import DEFER_AFTER_SECONDS, report_failure
from bot.adapters.discord.translate import is_from_person, message_event
from bot.adapters.discord.tree import build_tree
from bot.adapters.discord.views import ActionButton
from bot.core.dispatcher import Dispatcher
from bot.core.errors import StorageError
from bot.core.models import MessageEvent, ReplyAction
from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

# discord.py waits this long before every IDENTIFY but the first (Discord allows one per 5 s per bucket).
IDENTIFY_DELAY_SECONDS = 5.0


def silence_voice_warnings() -> None:
    """factbot never joins voice: skip discord.py's "PyNaCl/davey is not installed" start-up warnings."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


class FactbotClient(discord.Client):
    """A discord.Client that never pings, keeps no message cache, and hands every request to the core."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        settings: DiscordSettings,
        *,
        defer_after: float = DEFER_AFTER_SECONDS,
        identify_delay: float = IDENTIFY_DELAY_SECONDS,
        **options: Any,
    ) -> None:
        silence_voice_warnings()
        super().__init__(
            intents=intents_for(settings),
            # Claims and quoted messages are untrusted text: nothing factbot sends may ping anyone.
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=settings.max_ratelimit_timeout_seconds,
            max_messages=None,
            chunk_guilds_at_startup=False,
            **options,
        )
        self.dispatcher = dispatcher
        self.settings = settings
        self.defer_after = defer_after
        self.identify_delay = identify_delay
        self.inflight = InFlight()
        self.forbidden = ForbiddenChannels()
        self.accepting = True
        self.token_rejected = False
        self.tree = build_tree(self)

    async def setup_hook(self) -> None:
        """One-time start-up (not on_ready, which fires again after failed resumes): persistent buttons."""
        self.add_dynamic_items(ActionButton)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Respect Discord's IDENTIFY rate limit when re-identifying."""
        if not initial:
            await asyncio.sleep(self.identify_delay)

    async def on_button(self, interaction: discord.Interaction, action: ReplyAction, key: str) -> None:
        """A persistent button was pressed (called by ActionButton); failures are reported like commands'."""
        try:
            await buttons.on_button(interaction, action, key)
        except Exception as exc:
            await report_failure(interaction, exc)

    async def on_message(self, message: discord.Message) -> None:
        """Mentions and DMs are requests; other messages count only in watched channels; each is handled once."""
        me = self.user
        if me is None or not self.accepting or not is_from_person(message, me.id):
            return
        async with self.inflight:
            try:
                await self._answer(message, me.id)
            except discord.HTTPException as exc:
                await self._http_failure(exc, message)
            except Exception:
                log.exception("failed to answer a discord message", extra=_where(message))

    async def _answer(self, message: discord.Message, me_id: int) -> None:
        event = message_event(message, me_id, watching=self.settings.watch_channels)
        if event is None:
            return
        unprompted = isinstance(event, MessageEvent)
        try:
            if unprompted and not await self.dispatcher.policy.may_consider(event.actor, event.origin, event.text):
                return
            # Before any side effect: a resumed session or a second process may deliver the same message again.
            if not await self.dispatcher.first_time(f"discord:msg:{message.id}"):
                log.info("duplicate message ignored", extra=_where(message))
                return
        except StorageError:
            # Without the database nobody can tell whether another process answers: speak only when asked.
            if unprompted:
                log.warning("database unavailable: not answering unprompted", extra=_where(message))
                return
            log.warning("database unavailable: answering without de-duplication", extra=_where(message))
        replies = await self.dispatcher.handle(event)
        if replies:
            sent = await reply_to_message(message, replies, self.forbidden)
            log.info(
                "answered",
                extra={
                    **_where(message),
                    "unprompted": unprompted,
                    "messages": sent,
                    "kinds": ",".join(r.kind.value for r in replies),
                },
            )

    async def _http_failure(self, exc: discord.HTTPException, message: discord.Message) -> None:
        if exc.status == 401:
            # Keep going and every request is another invalid one towards Discord's IP ban: stop instead.
            log.critical("discord rejected the bot token mid-session; stopping (check DISCORD_TOKEN)")
            self.token_rejected = True
            await self.close()
            return
        log.error("discord refused a request", exc_info=exc, extra={**_where(message), "status": exc.status})

    async def drain(self, grace: float) -> bool:
        """Stop taking new messages and let the ones in progress finish, for at most `grace` seconds."""
        self.accepting = False
        return await self.inflight.wait_idle(grace)

    async def on_connect(self) -> None:
        """Health: the gateway connection is open (READY follows)."""
        log.info("discord health: connected", extra={"health": "connect"})

    async def on_ready(self) -> None:
        """Health: a new session is ready (also after a failed resume)."""
        log.info(
            "discord health: ready",
            extra={
                "health": "ready",
                "bot_user": str(self.user),
                "bot_user_id": self.user.id if self.user else None,
                "guilds": len(self.guilds),
                "intents": self.intents.value,
                "message_content": self.intents.message_content,
            },
        )

    async def on_resumed(self) -> None:
        """Health: the session resumed; Discord replays what was missed."""
        log.info("discord health: resumed", extra={"health": "resumed"})

    async def on_disconnect(self) -> None:
        """Health: the gateway connection closed; discord.py reconnects (and resumes) by itself."""
        if self.is_closed():
            log.info("discord health: disconnected (shutting down)", extra={"health": "disconnect"})
        else:
            log.warning("discord health: disconnected, reconnecting", extra={"health": "disconnect"})


def _where(message: discord.Message) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "channel_id": message.channel.id,
        "guild_id": message.guild.id if message.guild else None,
    }
