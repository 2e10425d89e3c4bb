"""/factcheck, its subcommands, "Share in channel", and the message shortcut, over signed HTTP."""

from __future__ import annotations

import json

import pytest

from tests.adapters.slack.conftest import STAGED
from tests.fakes.fake_slack import slash_command, trigger_id


def block_text(call) -> str:
    return json.dumps(call.params.get("blocks", []))


def buttons(call) -> dict[str, str]:
    found = {}
    for block in call.params.get("blocks", []):
        if block["type"] == "actions":
            found |= {e["action_id"]: e["value"] for e in block["elements"]}
    return found


async def test_factcheck_is_acknowledged_at_once_and_answered_privately_via_response_url(slack, fake_slack):
    sent = await slack.send.command(slash_command("/factcheck", STAGED, fake_slack.hook_url("cmd1")))
    assert sent.status == 200
    assert sent.seconds < 3, "Slack gives up after 3 seconds"
    assert sent.body == "", "the ack is empty; the answer follows on response_url"
    [answer] = await fake_slack.wait_hooks("cmd1")
    assert answer.params["response_type"] == "ephemeral"
    assert "moon-landing-staged" in block_text(answer)
    assert buttons(answer)["factbot:share"] == "moon-landing-staged"
    assert fake_slack.calls_to("chat.postMessage") == [], "nothing public until the user shares it"


async def test_share_in_channel_posts_the_claim_publicly_and_removes_the_private_copy(slack, fake_slack):
    payload = {
        "type": "block_actions",
        "team": {"id": "T111", "domain": "test"},
        "user": {"id": "U1", "username": "alice", "name": "alice", "team_id": "T111"},
        "channel": {"id": "C1", "name": "general"},
        "container": {"type": "message", "message_ts": "10.1", "channel_id": "C1", "is_ephemeral": True},
        "response_url": fake_slack.hook_url("share1"),
        "trigger_id": trigger_id(),
        "actions": [{"action_id": "factbot:share", "block_id": "b", "value": "moon-landing-staged", "type": "button"}],
    }
    sent = await slack.send.interaction(payload)
    assert sent.status == 200
    public, delete = await fake_slack.wait_hooks("share1", 2)
    assert public.params["response_type"] == "in_channel"
    assert "moon-landing-staged" in block_text(public) and "Shared by alice" in block_text(public)
    assert "factbot:share" not in block_text(public), "the public copy has no buttons"
    assert delete.params == {"delete_original": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("show moon-landing-real", "Fixture document three"),
        ("search microchips", "vaccines-contain-microchips"),
        ("help", "Commands"),
        ("", "Commands"),
    ],
)
async def test_factcheck_subcommands(slack, fake_slack, text, expected):
    await slack.send.command(slash_command("/factcheck", text, fake_slack.hook_url("sub")))
    [answer] = await fake_slack.wait_hooks("sub")
    assert expected in block_text(answer)


async def test_message_shortcut_checks_the_message_privately(slack, fake_slack):
    payload = {
        "type": "message_action",
        "callback_id": "factcheck_message",
        "team": {"id": "T111", "domain": "test"},
        "user": {"id": "U2", "username": "bob", "name": "bob", "team_id": "T111"},
        "channel": {"id": "C1", "name": "general"},
        "message": {"type": "message", "user": "U3", "ts": "11.000100", "text": STAGED},
        "response_url": fake_slack.hook_url("shortcut1"),
        "trigger_id": trigger_id(),
        "message_ts": "11.000100",
    }
    sent = await slack.send.interaction(payload)
    assert sent.status == 200 and sent.seconds < 3
    [answer] = await fake_slack.wait_hooks("shortcut1")
    assert answer.params["response_type"] == "ephemeral"
    assert "moon-landing-staged" in block_text(answer)
