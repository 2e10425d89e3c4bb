"""A terminal chat with factbot through the same core as Discord and Slack: no tokens, no network."""

from __future__ import annotations

import asyncio
import os
from typing import TextIO

from bot.core.dispatcher import Dispatcher
from bot.core.render import Style, render_reply, visible_controls
from bot.domain.models import Actor, CommandEvent, Event, MentionEvent, MessageEvent, Origin, Reply

PLATFORM = "console"
CHANNEL = "general"
BOT_NAMES = ("@factbot", "@bot")

BANNER = """factbot console: you are in #general, a channel factbot watches.
  a plain line            a message in the channel (factbot answers only when very sure)
  @factbot TEXT           mention factbot: it fact-checks TEXT, or runs a command
  /factcheck TEXT         fact-check TEXT;  /claim show ID;  /claim search WORDS;  /help
  :user NAME              speak as someone else (moderators are set in config)
  :quit                   leave (or Ctrl-D)"""


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return stream.isatty() and "NO_COLOR" not in os.environ


class ConsoleAdapter:
    """Reads lines, turns them into core events, prints the replies."""

    name = PLATFORM

    def __init__(
        self, dispatcher: Dispatcher, stdin: TextIO, stdout: TextIO, *, user: str = "you", colour: bool | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self.stdin = stdin
        self.stdout = stdout
        self.user = user
        self.style = Style(colour=use_colour(stdout) if colour is None else colour)
        self._counter = 0

    def _actor(self) -> Actor:
        return Actor(platform=PLATFORM, user_id=self.user, display_name=self.user, workspace_id="local")

    def to_event(self, line: str) -> Event:
        """Translate one typed line into the event a chat platform would deliver."""
        self._counter += 1
        origin = Origin(platform=PLATFORM, channel_id=CHANNEL, workspace_id="local", message_id=str(self._counter))
        text = line.strip()
        lowered = text.lower()
        for name in BOT_NAMES:
            if lowered.startswith(name):
                return MentionEvent(self._actor(), origin, text[len(name) :].lstrip(" ,:"))
        if text.startswith("/"):
            line = text[1:]
            # Discord spells moderation `/mod claim history ...`; the console takes that spelling too.
            if line.lower().startswith("mod "):
                line = line[4:].lstrip()
            return CommandEvent(self._actor(), origin, line)
        return MessageEvent(self._actor(), origin, text)

    async def send(self, channel_id: str, reply: Reply, *, thread_id: str | None = None) -> None:
        """Print a reply, marking private ones as such."""
        prefix = "(only you can see this) " if reply.ephemeral else ""
        if reply.deliver_to is not None:  # an approved held reply: in a chat, it answers the message it was held for
            prefix = f"(posted in the channel, in reply to message {reply.deliver_to.message_id}) "
        self.stdout.write(f"{self.style.paint('factbot', '1;36')}: {prefix}{render_reply(reply, self.style)}\n\n")
        self.stdout.flush()

    async def handle_line(self, line: str) -> bool:
        """Process one line; False when the user wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text in {":quit", ":q", ":exit", "/quit"}:
            return False
        if text.startswith(":user"):
            name = text[len(":user") :].strip()
            if name:
                self.user = name
            self.stdout.write(f"(you are now {self.user})\n")
            return True
        if not self.stdin.isatty():
            # Piped input is not echoed by a terminal: show each line, so replies can be told apart.
            self.stdout.write(f"{self.style.paint(self.user, '1')}> {visible_controls(text)}\n")
        event = self.to_event(text)
        replies = await self.dispatcher.handle(event)
        for reply in replies:
            await self.send(CHANNEL, reply)
        if not replies and isinstance(event, MessageEvent) and self.stdin.isatty():
            self.stdout.write(
                self.style.paint(
                    "(factbot stays quiet: it only speaks unprompted when it is very sure; mention it to ask)", "2"
                )
                + "\n\n"
            )
        return True

    async def start(self) -> None:
        """Run the chat until end of input or :quit."""
        interactive = self.stdin.isatty()
        if interactive:
            self.stdout.write(BANNER + "\n\n")
        while True:
            if interactive:
                self.stdout.write(f"{self.user}> ")
                self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line or not await self.handle_line(line):
                break
