"""Slack payloads to core events: pure functions over the dicts Bolt hands to listeners."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.domain.models import Actor, MentionEvent, MessageActionEvent, MessageEvent, Origin

PLATFORM = "slack"
# A Slack user mention as it arrives in event text: <@U123> or <@U123|name>.
_USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_SLACK_ID = re.compile(r"^[A-Z0-9]{2,40}$")
# Message subtypes that are still a person's new message; edits, joins and deletions are not.
_PERSON_SUBTYPES = frozenset({"thread_broadcast", "file_share", "me_message"})
# `/factcheck WORD ...` subcommands and the core command each one runs; anything else is text to check.
FACTCHECK_SUBCOMMANDS = {"show": "claim show", "search": "claim search", "report": "report", "help": "help"}

Payload = Mapping[str, Any]


def is_slack_id(value: object) -> bool:
    """True for a well-formed Slack id (user, team, channel), the only ids factbot ever puts into mrkdwn."""
    return isinstance(value, str) and _SLACK_ID.fullmatch(value) is not None


def is_bot_message(event: Payload, *, bot_id: str | None = None, bot_user_id: str | None = None) -> bool:
    """Messages from any bot, an integration or factbot itself are never answered, so bots cannot loop."""
    if event.get("bot_id") or event.get("subtype") == "bot_message" or event.get("bot_profile"):
        return True
    user = event.get("user")
    return bool(user is None or (bot_user_id and user == bot_user_id) or (bot_id and event.get("bot_id") == bot_id))


def is_person_message(event: Payload) -> bool:
    """A new message written by a person, not an edit, a deletion or a channel join."""
    subtype = event.get("subtype")
    return subtype is None or subtype in _PERSON_SUBTYPES


def mentions_user(text: str, user_id: str | None) -> bool:
    """Whether the text mentions `user_id` (how a channel message that is also an app_mention is recognised)."""
    return bool(user_id) and any(m.group(1) == user_id for m in _USER_MENTION.finditer(text))


def without_mention(text: str, bot_user_id: str | None) -> str:
    """The text of a mention with the bot's own mention removed (all of them, or the first one if unknown)."""
    if bot_user_id:
        stripped = _USER_MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text)
    else:
        stripped = _USER_MENTION.sub("", text, count=1)
    return " ".join(stripped.split()).strip(" ,:")


def actor(user_id: str, team_id: str, *, name: str = "", bot_user_id: str | None = None, is_bot: bool = False) -> Actor:
    """A Slack person as the core sees them; moderators are configured as `slack:U…` or `slack:T…:U…`."""
    return Actor(
        platform=PLATFORM,
        user_id=user_id,
        display_name=name or user_id,
        workspace_id=team_id,
        is_bot=is_bot,
        is_self=bool(bot_user_id) and user_id == bot_user_id,
    )


def event_team(body: Payload, event: Payload) -> str:
    """The workspace an Events API event belongs to (the installation's team, not a Slack Connect guest's)."""
    return str(body.get("team_id") or event.get("team") or "")


def request_team(body: Payload) -> str:
    """The workspace of a command (`team_id`) or an interaction (`team.id`, else the user's team)."""
    team = body.get("team")
    user = body.get("user")
    return str(
        body.get("team_id")
        or (team.get("id") if isinstance(team, dict) else "")
        or (user.get("team_id") if isinstance(user, dict) else "")
        or ""
    )


def origin_of_event(event: Payload, team_id: str) -> Origin:
    """Where a message event happened; the message ts is its id, thread_ts its thread."""
    channel = str(event.get("channel", ""))
    thread = event.get("thread_ts")
    return Origin(
        platform=PLATFORM,
        channel_id=channel,
        workspace_id=team_id,
        message_id=str(event.get("ts", "")) or None,
        thread_id=str(thread) if thread else None,
        is_direct=event.get("channel_type") == "im" or channel.startswith("D"),
    )


def reply_thread(event: Payload) -> str | None:
    """Replies go into the message's thread: the existing one, or a new one under the message."""
    thread = event.get("thread_ts") or event.get("ts")
    return str(thread) if thread else None


def is_thread_reply(event: Payload) -> bool:
    """A message inside a thread, rather than the thread's parent or a plain channel message."""
    thread = event.get("thread_ts")
    return bool(thread) and thread != event.get("ts")


def mention_event(
    body: Payload, event: Payload, *, bot_user_id: str | None, parent_text: str | None = None
) -> MentionEvent:
    """An `app_mention` event as the core's MentionEvent."""
    team = event_team(body, event)
    who = actor(str(event.get("user", "")), team, bot_user_id=bot_user_id, is_bot=is_bot_message(event))
    text = without_mention(str(event.get("text", "")), bot_user_id)
    return MentionEvent(who, origin_of_event(event, team), text, parent_text)


def message_event(body: Payload, event: Payload, *, bot_user_id: str | None) -> MessageEvent:
    """A channel `message` event as the core's MessageEvent (watched channels)."""
    team = event_team(body, event)
    who = actor(str(event.get("user", "")), team, bot_user_id=bot_user_id, is_bot=is_bot_message(event))
    return MessageEvent(who, origin_of_event(event, team), str(event.get("text", "")))


def command_actor(command: Payload) -> Actor:
    """The person who ran a slash command."""
    return actor(str(command.get("user_id", "")), str(command.get("team_id", "")), name=command.get("user_name", ""))


def command_origin(command: Payload) -> Origin:
    """Where a slash command was run; it has no message of its own."""
    channel = str(command.get("channel_id", ""))
    return Origin(
        platform=PLATFORM,
        channel_id=channel,
        workspace_id=str(command.get("team_id", "")),
        is_direct=command.get("channel_name") == "directmessage" or channel.startswith("D"),
    )


def factcheck_line(text: str) -> str:
    """The core command line for `/factcheck TEXT`: a known subcommand, else a fact-check of the text."""
    text = text.strip()
    if not text:
        return "help"
    head, _, rest = text.partition(" ")
    target = FACTCHECK_SUBCOMMANDS.get(head.lower())
    if target is None:
        return f"factcheck {text}"
    return f"{target} {rest.strip()}".strip()


def admin_line(text: str) -> str:
    """The core command line for `/factcheck-admin LINE`: the shared grammar as typed, `help` when empty."""
    return text.strip() or "help"


def interaction_actor(body: Payload) -> Actor:
    """The person who clicked, submitted or used a shortcut (block_actions, view_submission, message_action)."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    return actor(str(user.get("id", "")), str(team), name=str(user.get("name") or user.get("username") or ""))


def interaction_origin(body: Payload) -> Origin:
    """Where an interaction happened; modals have no channel, so the channel comes from private metadata."""
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
    message = body.get("message") or {}
    return Origin(
        platform=PLATFORM,
        channel_id=channel,
        workspace_id=team,
        message_id=str(message.get("ts")) if message.get("ts") else None,
        thread_id=str(message.get("thread_ts")) if message.get("thread_ts") else None,
        is_direct=channel.startswith("D"),
    )


def shortcut_event(shortcut: Payload) -> MessageActionEvent:
    """The "Fact-check this message" shortcut as the core's MessageActionEvent."""
    message = shortcut.get("message") or {}
    ts = message.get("ts")
    return MessageActionEvent(
        interaction_actor(shortcut),
        interaction_origin(shortcut),
        str(message.get("text", "")),
        str(ts) if ts else None,
    )
