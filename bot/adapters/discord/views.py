"""Buttons under replies as persistent dynamic items: the custom id carries all they need, so restarts lose nothing."""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from bot.adapters.discord.host import host_of
from bot.adapters.discord.once import first_delivery
from bot.domain.evidence import has_more
from bot.domain.models import Reply, ReplyAction, ReplyKind

# Custom ids are at most 100 characters: a short code per action leaves room for an 80-character claim id.
CODES: dict[ReplyAction, str] = {
    ReplyAction.HELPFUL: "h",
    ReplyAction.NOT_HELPFUL: "n",
    ReplyAction.WRONG_CLAIM: "w",
    ReplyAction.SHOW_ALL_EVIDENCE: "e",
    ReplyAction.REPORT: "r",
    ReplyAction.APPROVE: "a",
    ReplyAction.REJECT: "x",
}
ACTIONS = {code: action for action, code in CODES.items()}
_LOOKS: dict[ReplyAction, tuple[str, discord.ButtonStyle, str | None]] = {
    ReplyAction.HELPFUL: ("Helpful", discord.ButtonStyle.secondary, "\N{THUMBS UP SIGN}"),
    ReplyAction.NOT_HELPFUL: ("Not helpful", discord.ButtonStyle.secondary, "\N{THUMBS DOWN SIGN}"),
    ReplyAction.WRONG_CLAIM: ("Wrong claim", discord.ButtonStyle.secondary, None),
    ReplyAction.SHOW_ALL_EVIDENCE: ("Show all evidence", discord.ButtonStyle.primary, None),
    ReplyAction.REPORT: ("Report to moderators", discord.ButtonStyle.secondary, None),
    ReplyAction.APPROVE: ("Approve and post", discord.ButtonStyle.success, None),
    ReplyAction.REJECT: ("Reject", discord.ButtonStyle.danger, None),
}
KEY_PATTERN = r"[A-Za-z0-9_-]{1,80}"
HELD_ACTIONS = (ReplyAction.APPROVE, ReplyAction.REJECT)  # keyed by the held reply's number
NO_KEY = "-"
TEMPLATE = re.compile(rf"factbot:(?P<code>[{''.join(ACTIONS)}]):(?P<key>{KEY_PATTERN}|{NO_KEY})")


def custom_id(action: ReplyAction, key: str) -> str:
    """The id Discord sends back when the button is pressed."""
    return f"factbot:{CODES[action]}:{key}"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """One button under a reply; `key` is the reply id (feedback, report), the claim id (show all evidence) or the
    held reply's number (approve, reject)."""

    def __init__(self, action: ReplyAction, key: str) -> None:
        label, style, emoji = _LOOKS[action]
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=custom_id(action, key)))
        self.action = action
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom id: no state in memory, so a restart changes nothing."""
        return cls(ACTIONS[match["code"]], match["key"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the first process to claim the press handles it (one vote, one report form)."""
        return await first_delivery(interaction)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press to the client, which knows the core."""
        await host_of(interaction).on_button(interaction, self.action, self.key)


def _key_for(reply: Reply, action: ReplyAction) -> str | None:
    if action is ReplyAction.SHOW_ALL_EVIDENCE:
        claim = reply.claim
        if claim is None or reply.kind is ReplyKind.CLAIM or not has_more(claim):
            return None  # everything is already on screen
        return claim.id
    if action is ReplyAction.REPORT:
        return reply.reply_id or NO_KEY
    if action in HELD_ACTIONS:
        return str(reply.held_id) if reply.held_id is not None else None
    return reply.reply_id  # feedback needs the recorded reply


def view_for(reply: Reply) -> discord.ui.View | None:
    """The buttons a reply offers, or None; "show all evidence" only when the reply left something out."""
    buttons = []
    for action in reply.actions:
        key = _key_for(reply, action) if action in CODES else None
        if key is not None and (key == NO_KEY or re.fullmatch(KEY_PATTERN, key)):
            buttons.append(ActionButton(action, key))
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(button)
    return view
