"""The app manifests in config/ ask for exactly what factbot uses (SE-3, SL-5)."""

from __future__ import annotations

import json

import pytest

from bot.adapters.slack.manifest import BOT_SCOPES, bot_events, main, manifest
from tests.conftest import PROJECT_ROOT
from tests.fakes.fake_slack import FakeSlack

# Why each scope is there: the Web API methods factbot calls, and what it receives.
SCOPE_USES = {
    "app_mentions:read": "receives app_mention events",
    "chat:write": "chat.postMessage, chat.postEphemeral",
    "commands": "/factcheck, /factcheck-admin, the message shortcut",
    "channels:history": "conversations.replies (thread parent) and message.channels (watch mode)",
    "groups:history": "conversations.replies in private channels and message.groups (watch mode)",
    "users:read": "users.info (is the person a workspace owner or admin?)",
}
METHOD_SCOPES = {
    "auth.test": None,
    "apps.connections.open": None,  # app-level token, connections:write
    "oauth.v2.access": None,
    "users.info": "users:read",
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "conversations.replies": "channels:history",
    "views.open": None,  # needs only a trigger_id from a command or shortcut
}


@pytest.mark.parametrize("mode", ["socket", "http"])
def test_config_manifests_are_the_generated_ones(mode):
    shipped = json.loads((PROJECT_ROOT / "config" / f"slack-manifest-{mode}.json").read_text())
    assert shipped == manifest(mode), f"regenerate: python -m bot.adapters.slack.manifest --mode {mode}"


def test_every_scope_has_a_use_and_every_called_method_a_scope():
    assert set(BOT_SCOPES) == set(SCOPE_USES)
    served = {name for name in dir(FakeSlack) if name.startswith("api_") and callable(getattr(FakeSlack, name))}
    assert served == {"api_" + m.replace(".", "_") for m in METHOD_SCOPES}, "the fake serves what factbot calls"
    assert {s for s in METHOD_SCOPES.values() if s} <= set(BOT_SCOPES)


def test_channel_messages_are_subscribed_only_in_watch_mode():
    for mode in ("socket", "http"):
        assert not any(e.startswith("message.") for e in bot_events(mode, watch=False))
        extra = set(bot_events(mode, watch=True)) - set(bot_events(mode, watch=False))
        assert extra == {"message.channels", "message.groups"}
    assert manifest("http", watch=True)["oauth_config"] == manifest("http")["oauth_config"], "no new scope"


def test_socket_mode_manifest_has_no_urls_and_http_manifest_points_everything_at_one_endpoint():
    socket = json.dumps(manifest("socket"))
    assert "https://" not in socket and manifest("socket")["settings"]["socket_mode_enabled"] is True
    http = manifest("http", url="https://bot.example.net/")
    assert http["settings"]["event_subscriptions"]["request_url"] == "https://bot.example.net/slack/events"
    assert http["settings"]["interactivity"]["request_url"] == "https://bot.example.net/slack/events"
    assert {c["url"] for c in http["features"]["slash_commands"]} == {"https://bot.example.net/slack/events"}
    assert http["oauth_config"]["redirect_urls"] == ["https://bot.example.net/slack/oauth_redirect"]


def test_manifest_command_prints_json(capsys):
    assert main(["--mode", "http", "--watch", "--url", "https://x.example"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "message.channels" in printed["settings"]["event_subscriptions"]["bot_events"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--mode", "http"], "--url is required in HTTP mode"),
        (["--mode", "http", "--url", "http://factbot.example.org"], "--url must be https"),
        (["--mode", "http", "--url", "https://localhost"], "--url must be a public address"),
        (["--mode", "socket", "--url", "https://factbot.example.org"], "--url is for HTTP mode"),
    ],
)
def test_the_generator_refuses_an_address_slack_cannot_call(args, expected, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2 and expected in capsys.readouterr().err
