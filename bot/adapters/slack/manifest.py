"""The Slack app manifest and the bot scopes, from one definition, so the app asks for exactly what factbot uses.

`python -m bot.adapters.slack.manifest --mode http --url https://factbot.example.org [--watch]` prints a
manifest; config/slack-manifest-*.json are its output for the default (no watched channels) and a test keeps
them in step.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

Mode = Literal["socket", "http"]

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
PLACEHOLDER_URL = "https://factbot.example.org"
COMMAND = "/factcheck"
ADMIN_COMMAND = "/factcheck-admin"
SHORTCUT_CALLBACK_ID = "factcheck_message"
SHORTCUT_NAME = "Fact-check this message"

# app_mentions:read: mentions; chat:write: replies; commands: the slash commands and the message shortcut;
# channels:history and groups:history: the parent of a thread when a reply mentions factbot with a bare
# "check this" (conversations.replies), and channel messages in watched channels; users:read: whether the person
# running a moderation command owns or administers the workspace (users.info), while such admins are trusted.
BOT_SCOPES = ("app_mentions:read", "channels:history", "chat:write", "commands", "groups:history", "users:read")
# Channel messages (public and private channels the bot is in) are only subscribed to in watch mode.
WATCH_EVENTS = ("message.channels", "message.groups")
# Events without a scope: a workspace removing the app, or revoking its token, deletes the installation.
INSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")


def bot_scopes() -> list[str]:
    """The bot token scopes requested on install (the same in both modes and with or without watch mode)."""
    return sorted(BOT_SCOPES)


def bot_events(mode: Mode, *, watch: bool) -> list[str]:
    """The events factbot subscribes to: mentions, watched-channel messages only when watching, install events."""
    events = ["app_mention"]
    if watch:
        events += WATCH_EVENTS
    if mode == "http":
        events += INSTALL_EVENTS
    return sorted(events)


def manifest(mode: Mode, *, watch: bool = False, url: str = PLACEHOLDER_URL) -> dict[str, Any]:
    """The app manifest for a mode; in HTTP mode every request URL points at `url`."""
    base = url.rstrip("/")
    endpoint = {"url": f"{base}{EVENTS_PATH}"} if mode == "http" else {}
    commands = [
        {
            "command": COMMAND,
            "description": "Fact-check a statement, or show, search or report claims",
            "usage_hint": "TEXT | show ID | search WORDS | report TEXT | help",
            "should_escape": False,
            **endpoint,
        },
        {
            "command": ADMIN_COMMAND,
            "description": "Moderators: edit claims and evidence, review reports, watch channels",
            "usage_hint": "help",
            "should_escape": False,
            **endpoint,
        },
    ]
    subscriptions: dict[str, Any] = {"bot_events": bot_events(mode, watch=watch)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    oauth: dict[str, Any] = {"scopes": {"bot": bot_scopes()}}
    if mode == "http":
        subscriptions = {"request_url": f"{base}{EVENTS_PATH}", **subscriptions}
        interactivity["request_url"] = f"{base}{EVENTS_PATH}"
        oauth = {"redirect_urls": [f"{base}{REDIRECT_PATH}"], **oauth}
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "factbot",
            "description": "Answers known claims with the documentary record: verdict, summary, verbatim excerpts.",
            "background_color": "#2c2d30",
        },
        "features": {
            "bot_user": {"display_name": "factbot", "always_online": True},
            "slash_commands": commands,
            "shortcuts": [
                {
                    "name": SHORTCUT_NAME,
                    "type": "message",
                    "callback_id": SHORTCUT_CALLBACK_ID,
                    "description": "Check this message against factbot's catalogue (only you see the answer)",
                }
            ],
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": subscriptions,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": mode == "socket",
            "token_rotation_enabled": False,
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print a manifest as JSON."""
    parser = argparse.ArgumentParser(description="Print factbot's Slack app manifest.")
    parser.add_argument("--mode", choices=("socket", "http"), default="socket")
    parser.add_argument("--watch", action="store_true", help="subscribe to channel messages (watched channels)")
    parser.add_argument("--url", help="public https address of factbot (required in HTTP mode)")
    args = parser.parse_args(argv)
    if args.mode == "http":
        problem = _public_url_problem(args.url)
        if problem:
            parser.error(f"--url {problem}")
    elif args.url:
        parser.error("--url is for HTTP mode; Socket Mode needs no public address")
    sys.stdout.write(
        json.dumps(manifest(args.mode, watch=args.watch, url=args.url or PLACEHOLDER_URL), indent=2) + "\n"
    )
    return 0


def _public_url_problem(url: str | None) -> str | None:
    """Why a URL cannot be Slack's request URL: Slack calls only public https addresses."""
    if not url:
        return "is required in HTTP mode: the public https address Slack will call, e.g. https://factbot.example.org"
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"must be https (Slack does not call {parts.scheme or 'plain'} addresses): {url[:80]}"
    if not parts.hostname or "." not in parts.hostname or parts.query or parts.fragment or parts.username:
        return f"must be a public address such as https://factbot.example.org: {url[:80]}"
    return None


if __name__ == "__main__":
    raise SystemExit(main())
