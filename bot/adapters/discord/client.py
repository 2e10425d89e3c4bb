"""factbot's discord.py client: sharded, safe defaults, messages to the core, health lines for operators."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.adapters.discord import buttons
from bot.adapters.discord.access import intents_for
from bot.adapters.discord.delivery import deliver_elsewhere, reply_to_message
from bot.adapters.discord.host import ForbiddenChannels, InFlight
from bot.adapters.discord.identify import IdentifyGate, ProcessOnly
from bot.adapters.discord.respond import DEFER_AFTER_SECONDS, report_failure
from bot.adapters.discord.settings import DiscordSettings
from bot.adapters.discord.translate import is_from_person, message_event
from bot.adapters.discord.tree import build_tree
from bot.adapters.discord.views import ActionButton
from bot.core.dispatcher import Dispatcher
from bot.core.errors import StorageError
from bot.core.ports import SharedLock
from bot.domain.models import MessageEvent, ReplyAction

log = logging.getLogger(__name__)


def silence_voice_warnings() -> None:
    """factbot never joins voice: skip discord.py's "PyNaCl/davey is not installed" start-up warnings."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


class FactbotClient(discord.AutoShardedClient):
    """A sharded client that never pings, keeps no message cache, and hands every request to the core.

    It runs `settings.shard_ids` of `settings.shard_count` shards (by default every shard Discord
    recommends), and takes IDENTIFY turns through `identify_lock`, shared with the bot's other processes.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        settings: DiscordSettings,
        *,
        identify_lock: SharedLock | None = None,
        defer_after: float = DEFER_AFTER_SECONDS,
        **options: Any,
    ) -> None:
        silence_voice_warnings()
        if settings.shard_count:  # otherwise the count Discord recommends, all in this process
            options = {"shard_count": settings.shard_count, "shard_ids": list(settings.shard_ids) or None, **options}
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
        self.gate = IdentifyGate(identify_lock or ProcessOnly(), window=settings.identify_window_seconds)
        self.recommended_shards: int | None = None
        self.inflight = InFlight()
        self.forbidden = ForbiddenChannels()
        self.accepting = True
        self.token_rejected = False
        self.tree = build_tree(self)

    async def setup_hook(self) -> None:
        """One-time start-up (not on_ready, which fires again after failed resumes): buttons, the shard plan."""
        self.add_dynamic_items(ActionButton)
        await self._plan_shards()

    async def _plan_shards(self) -> None:
        """Ask Discord (GET /gateway/bot) for the recommended shard count and the IDENTIFY concurrency.

        Setting `shard_count` here, before discord.py launches the shards, also makes it connect to the
        configured gateway URL rather than the one in this answer.
        """
        recommended, _, limits = await self.http.get_bot_gateway()
        self.recommended_shards = recommended
        if self.shard_count is None:
            self.shard_count = recommended
        self.gate.configure(max_concurrency=limits["max_concurrency"], application_id=self.application_id)
        starting = list(self.shard_ids or range(self.shard_count))
        log.info(
            "discord shards",
            extra={
                "shard_ids": _ranges(starting),
                "shard_count": self.shard_count,
                "recommended_shards": recommended,
                "max_concurrency": self.gate.max_concurrency,
                "session_starts_remaining": limits["remaining"],
                "session_starts_total": limits["total"],
            },
        )
        if self.shard_count < recommended:
            log.warning(
                "fewer shards than Discord recommends; Discord refuses sessions with too many servers (close 4011)",
                extra={"shard_count": self.shard_count, "recommended_shards": recommended},
            )
        if limits["remaining"] < len(starting):
            log.error(
                "Discord's daily session starts are nearly used up; past the limit it invalidates every session",
                extra={"session_starts_remaining": limits["remaining"], "reset_after_ms": limits["reset_after"]},
            )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's IDENTIFY turn in its max_concurrency bucket, across all of the bot's processes.

        Replaces discord.py's default (a 5 s sleep that only knows this process); `initial` does not matter,
        since another process may just have identified in the same bucket.
        """
        await self.gate.wait_turn(shard_id)

    async def close(self) -> None:
        """Disconnect every shard, then end the IDENTIFY turns (no earlier than their window) and their locks."""
        if not self.is_closed():
            log.info("discord health: disconnected (shutting down)", extra={"health": "disconnect"})
        await super().close()
        await self.gate.aclose()

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
        replies = await deliver_elsewhere(self, await self.dispatcher.handle(event))
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

    async def on_shard_connect(self, shard_id: int) -> None:
        """Health: a shard has a new session (READY received; its servers follow)."""
        log.info("discord health: connected", extra={"health": "connect", "shard_id": shard_id})

    async def on_shard_ready(self, shard_id: int) -> None:
        """Health: a shard has received its servers (also after a failed resume)."""
        shard_guilds = sum(1 for g in self.guilds if g.shard_id == shard_id)
        log.info(
            "discord health: shard ready", extra={"health": "shard_ready", "shard_id": shard_id, "guilds": shard_guilds}
        )

    async def on_ready(self) -> None:
        """Health: every shard of this process is ready."""
        log.info(
            "discord health: ready",
            extra={
                "health": "ready",
                "bot_user": str(self.user),
                "bot_user_id": self.user.id if self.user else None,
                "shard_ids": _ranges(sorted(self.shards)),
                "shard_count": self.shard_count,
                "guilds": len(self.guilds),
                "intents": self.intents.value,
                "message_content": self.intents.message_content,
            },
        )

    async def on_shard_resumed(self, shard_id: int) -> None:
        """Health: a shard's session resumed; Discord replays what was missed."""
        log.info("discord health: resumed", extra={"health": "resumed", "shard_id": shard_id})

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """Health: a shard's connection closed; discord.py reconnects (and resumes) by itself."""
        if not self.is_closed():
            log.warning(
                "discord health: disconnected, reconnecting", extra={"health": "disconnect", "shard_id": shard_id}
            )


def _where(message: discord.Message) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "channel_id": message.channel.id,
        "guild_id": message.guild.id if message.guild else None,
        "shard_id": message.guild.shard_id if message.guild else 0,
    }


def _ranges(ids: list[int]) -> str:
    """Shard ids as compact ranges for logs: 0-3,8."""
    parts: list[str] = []
    for shard_id in ids:
        if parts and parts[-1].rsplit("-", 1)[-1] == str(shard_id - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{shard_id}"
        else:
            parts.append(str(shard_id))
    return ",".join(parts)
