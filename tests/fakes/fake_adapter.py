"""A deterministic adapter for core tests: it delivers events through the real dispatcher and records replies."""

from __future__ import annotations

from bot.core.dispatcher import Dispatcher
from bot.domain.models import (
    Actor,
    CommandEvent,
    Event,
    MentionEvent,
    MessageActionEvent,
    MessageEvent,
    Origin,
    Reply,
)

PLATFORM = "fake"


def make_actor(
    user: str = "alice", *, moderator: bool = False, bot: bool = False, is_self: bool = False, workspace: str = "w1"
) -> Actor:
    roles = frozenset({"mods"}) if moderator else frozenset()
    return Actor(
        platform=PLATFORM,
        user_id=user,
        display_name=user,
        workspace_id=workspace,
        roles=roles,
        is_bot=bot,
        is_self=is_self,
    )


class FakeAdapter:
    """Satisfies PlatformAdapter structurally; no queues, no sleeps, so tests cannot hang."""

    name = PLATFORM

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.sent: list[tuple[str, Reply]] = []
        self._next_id = 0

    async def start(self) -> None:
        return None

    async def send(self, channel_id: str, reply: Reply, *, thread_id: str | None = None) -> None:
        self.sent.append((channel_id, reply))

    def origin(self, channel: str = "c1", *, direct: bool = False, workspace: str = "w1") -> Origin:
        self._next_id += 1
        return Origin(
            platform=PLATFORM,
            channel_id=channel,
            workspace_id=workspace,
            message_id=f"m{self._next_id}",
            is_direct=direct,
        )

    async def deliver(self, event: Event) -> list[Reply]:
        replies = await self.dispatcher.handle(event)
        for reply in replies:
            # An approved held reply goes to the channel it was held in, not to whoever approved it.
            where = reply.deliver_to or event.origin
            await self.send(where.channel_id, reply)
        return replies

    async def say(self, text: str, *, actor: Actor | None = None, channel: str = "c1") -> list[Reply]:
        """A message in a channel, addressed to nobody."""
        return await self.deliver(MessageEvent(actor or make_actor(), self.origin(channel), text))

    async def mention(
        self, text: str, *, actor: Actor | None = None, channel: str = "c1", referenced: str | None = None
    ) -> list[Reply]:
        return await self.deliver(MentionEvent(actor or make_actor(), self.origin(channel), text, referenced))

    async def command(self, line: str, *, actor: Actor | None = None, channel: str = "c1") -> list[Reply]:
        return await self.deliver(CommandEvent(actor or make_actor(), self.origin(channel), line))

    async def action(self, target_text: str, *, actor: Actor | None = None, channel: str = "c1") -> list[Reply]:
        return await self.deliver(MessageActionEvent(actor or make_actor(), self.origin(channel), target_text))
