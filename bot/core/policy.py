"""When the bot may speak unprompted: never to bots or itself, only in watched channels, once per cooldown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.ports import ChannelSwitches, KeyStore
from bot.domain.models import Actor, ChannelState, Origin


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def channel_ref(origin: Origin) -> str:
    """How settings name a channel: `platform:channel`, or `platform:workspace:channel` to be exact."""
    return f"{origin.platform}:{origin.channel_id}"


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """The knobs of the reply policy; the defaults are in the README."""

    min_length: int = 20
    cooldown: dt.timedelta = dt.timedelta(hours=1)
    watched_channels: frozenset[str] = frozenset()

    @classmethod
    def build(cls, *, min_length: int, cooldown_minutes: float, watched_channels: Iterable[str]) -> PolicyConfig:
        """Build from plain setting values."""
        return cls(min_length, dt.timedelta(minutes=cooldown_minutes), frozenset(watched_channels))


class ReplyPolicy:
    """Gates unprompted replies; explicit requests (mentions, commands, actions) only skip bots and itself."""

    def __init__(
        self,
        config: PolicyConfig,
        keys: KeyStore,
        channels: ChannelSwitches | None = None,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.config = config
        self.keys = keys
        self.channels = channels
        self.clock = clock

    @staticmethod
    def ignores(actor: Actor) -> bool:
        """Bots (including webhooks) and the bot itself never get an answer, to rule out loops."""
        return actor.is_bot or actor.is_self

    def is_configured_watched(self, origin: Origin) -> bool:
        """Whether the settings name this channel as watched."""
        watched = self.config.watched_channels
        exact = f"{origin.platform}:{origin.workspace_id}:{origin.channel_id}"
        return channel_ref(origin) in watched or exact in watched or f"{origin.platform}:*" in watched

    async def channel_state(self, origin: Origin) -> ChannelState:
        """Moderator switches for the channel (none when there is no database)."""
        return await self.channels.state(origin) if self.channels else ChannelState()

    async def is_watched(self, origin: Origin) -> bool:
        """Watched channels are the only places the bot speaks without being asked; `watch on|off` overrides."""
        state = await self.channel_state(origin)
        return state.watched if state.watched is not None else self.is_configured_watched(origin)

    async def muted_until(self, origin: Origin) -> dt.datetime | None:
        """When a moderator's mute of the channel ends, if it is muted now."""
        state = await self.channel_state(origin)
        return state.muted_until if state.muted_until and state.muted_until > self.clock() else None

    async def may_consider(self, actor: Actor, origin: Origin, text: str) -> bool:
        """Whether an unaddressed message is worth matching at all."""
        if self.ignores(actor) or origin.is_direct or len(text.strip()) < self.config.min_length:
            return False
        return await self.is_watched(origin) and await self.muted_until(origin) is None

    async def in_trial(self, origin: Origin) -> bool:
        """Whether unprompted replies here wait for a moderator's approval (`watch trial`)."""
        return (await self.channel_state(origin)).trial

    async def take_cooldown(self, origin: Origin, claim_id: str, *, kind: str = "cooldown") -> bool:
        """Claim the right to answer `claim_id` in this channel; False if it was answered within the cooldown.

        `kind="held"` is the same window for holding a reply in trial mode: a claim is queued once per channel per
        cooldown, and the real cooldown starts only when a moderator's approval posts it.
        """
        key = f"{kind}:{origin.platform}:{origin.workspace_id}:{origin.channel_id}:{claim_id}"
        return await self.keys.acquire(key, self.config.cooldown)
