"""What handlers need from the running client, reached through `interaction.client` instead of globals."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, runtime_checkable

import discord

from bot.core.dispatcher import Dispatcher
from bot.domain.models import ReplyAction

# After a 403 in a channel, stay quiet there this long (repeated 403s count towards Discord's invalid-request ban).
FORBIDDEN_BACKOFF_SECONDS = 600.0
# Set in `interaction.extras` when factbot first saw the interaction (before claiming it in the database).
RECEIVED = "factbot_received"


class InFlight:
    """Counts the requests being answered, so shutdown can let them finish (and tests can wait for quiet)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        """Requests in progress."""
        return self._count

    async def __aenter__(self) -> None:
        self._count += 1
        self._idle.clear()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is in progress; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class ForbiddenChannels:
    """Channels where Discord answered 403: factbot lacks a permission there, so it stops trying for a while."""

    def __init__(self, backoff: float = FORBIDDEN_BACKOFF_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.backoff = backoff
        self.clock = clock
        self._until: dict[int, float] = {}

    def block(self, channel_id: int) -> None:
        """Stop posting in a channel for the back-off period."""
        self._until[channel_id] = self.clock() + self.backoff

    def blocked(self, channel_id: int) -> bool:
        """Whether posting in the channel is paused."""
        until = self._until.get(channel_id)
        if until is None:
            return False
        if until <= self.clock():
            del self._until[channel_id]
            return False
        return True


@runtime_checkable
class Host(Protocol):
    """The parts of FactbotClient that commands, buttons and modals use."""

    dispatcher: Dispatcher
    inflight: InFlight
    defer_after: float

    async def on_button(self, interaction: discord.Interaction, action: ReplyAction, key: str) -> None:
        """A persistent button was pressed."""
        ...


def host_of(interaction: discord.Interaction) -> Host:
    """The factbot client behind an interaction."""
    client = interaction.client
    if not isinstance(client, Host):
        raise TypeError(f"factbot handlers need a factbot client, not {type(client).__name__}")
    return client


def defer_in(interaction: discord.Interaction, defer_after: float) -> float:
    """Seconds left before deferring: `defer_after` counts from when the interaction arrived."""
    received = interaction.extras.get(RECEIVED)
    if not isinstance(received, float):
        return defer_after
    return max(0.0, defer_after - (time.monotonic() - received))
