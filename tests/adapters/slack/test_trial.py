"""Trial mode on Slack, two workspaces by OAuth: a held reply waits behind Block Kit buttons that only its own
workspace's moderators can use (forged team ids and numbers included), and is posted once, in the message's thread."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.settings import ModeratorSettings
from bot.storage.tables import audit_log
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.adapters.slack.test_oauth import TEAM1, TEAM2, install
from tests.fakes.fake_slack import channel_message, event_body, slash_command, trigger_id

MODERATOR1, MODERATOR2 = "UADMIN1", "UADMIN2"


@pytest.fixture
async def two_workspaces(fake_slack, start_bot, tmp_path):
    fake_slack.installable = {"code-1": TEAM1, "code-2": TEAM2}
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, oauth=True, watch_channels=True)
    moderators = [f"slack:T111:{MODERATOR1}", f"slack:T222:{MODERATOR2}"]
    settings = settings.model_copy(update={"moderators": ModeratorSettings(user_ids=moderators)})
    harness = await start_bot(settings)
    async with aiohttp.ClientSession() as browser:
        await install(harness, browser, "code-1")
        await install(harness, browser, "code-2")
    return harness


async def admin(harness, fake_slack, line: str, hook: str, *, team: str = "T111", user: str = MODERATOR1) -> list:
    command = slash_command("/factcheck-admin", line, fake_slack.hook_url(hook), team=team, user=user)
    sent = await harness.send.command(command)
    assert sent.status == 200
    await harness.settle()
    return [answer.params for answer in fake_slack.hooks(hook)]


def press(action_id: str, value: str, response_url: str, *, team: str, user: str) -> dict[str, Any]:
    """A click on a button of an ephemeral message factbot sent in C1 (`team` as the payload claims it)."""
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "channel": {"id": "C1", "name": "general"},
        "container": {"type": "message", "message_ts": "90.1", "channel_id": "C1", "is_ephemeral": True},
        "response_url": response_url,
        "trigger_id": trigger_id(),
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
    }


async def click(harness, fake_slack, action_id: str, value: str, hook: str, *, team="T111", user=MODERATOR1) -> str:
    sent = await harness.send.interaction(press(action_id, value, fake_slack.hook_url(hook), team=team, user=user))
    assert sent.status == 200
    await harness.settle()
    return json.dumps([answer.params for answer in fake_slack.hooks(hook)])


def posted_in_thread(fake_slack, ts: str) -> list:
    return [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


async def held_card(harness, fake_slack) -> dict[str, str]:
    """C1 of team one on trial, a matching message there: nothing posted; the card's buttons, by action id."""
    [status] = await admin(harness, fake_slack, "watch trial", "trial")
    assert "on trial" in json.dumps(status)
    await harness.send.event(event_body(channel_message(STAGED, ts="60.000100"), team="T111", event_id="EvTrial"))
    await harness.settle()
    assert posted_in_thread(fake_slack, "60.000100") == []
    _, card = await admin(harness, fake_slack, "queue list", "list")
    assert card["response_type"] == "ephemeral" and "moon-landing-staged" in json.dumps(card)
    [actions] = [b for b in card["blocks"] if b["type"] == "actions"]
    return {e["action_id"]: e["value"] for e in actions["elements"]}


async def test_approve_posts_the_held_reply_once_in_its_thread(two_workspaces, fake_slack):
    harness = two_workspaces
    buttons = await held_card(harness, fake_slack)
    assert set(buttons) == {"factbot:approve", "factbot:reject"}
    answer = await click(harness, fake_slack, "factbot:approve", buttons["factbot:approve"], "approve")
    assert "approved" in answer
    [posted] = posted_in_thread(fake_slack, "60.000100")
    assert posted.params["channel"] == "C1" and posted.token == "xoxb-team1"
    assert "Moon landing" in json.dumps(posted.params)
    again = await click(harness, fake_slack, "factbot:approve", buttons["factbot:approve"], "again")
    assert "was already approved by" in again and "nothing was posted" in again
    assert len(posted_in_thread(fake_slack, "60.000100")) == 1


async def test_another_workspace_forged_team_ids_and_members_cannot_see_or_decide(two_workspaces, fake_slack):
    harness = two_workspaces
    buttons = await held_card(harness, fake_slack)
    number = buttons["factbot:approve"]
    for action in ("factbot:approve", "factbot:reject"):
        own = await click(harness, fake_slack, action, number, f"own-{action}", team="T222", user=MODERATOR2)
        assert f"There is no held reply #{number} in this community" in own
        forged = await click(harness, fake_slack, action, number, f"forged-{action}", team="T111", user=MODERATOR2)
        assert "is for moderators of this community only" in forged
        member = await click(harness, fake_slack, action, number, f"member-{action}", user="U1")
        assert "is for moderators of this community only" in member
        odd = await click(harness, fake_slack, action, f"{number} | x", f"odd-{action}")
        assert "That button names no held reply." in odd
    listed = await admin(harness, fake_slack, "queue list", "other-list", team="T222", user=MODERATOR2)
    assert len(listed) == 1 and "The queue is empty." in json.dumps(listed)
    typed = await admin(harness, fake_slack, f"queue approve {number}", "typed", team="T222", user=MODERATOR2)
    assert f"There is no held reply #{number} in this community" in json.dumps(typed)
    assert posted_in_thread(fake_slack, "60.000100") == []
    async with harness.services.database.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log.c.actor_id, audit_log.c.action, audit_log.c.outcome))).all()
    assert (MODERATOR2, "queue approve", "refused") in rows and ("U1", "queue reject", "refused") in rows
    # The typed command works too, for the workspace's own moderator.
    [note] = await admin(harness, fake_slack, f"queue approve {number}", "typed-own")
    assert "approved" in json.dumps(note)
    assert len(posted_in_thread(fake_slack, "60.000100")) == 1


async def test_reject_means_the_reply_is_never_posted(two_workspaces, fake_slack):
    harness = two_workspaces
    buttons = await held_card(harness, fake_slack)
    assert "rejected" in await click(harness, fake_slack, "factbot:reject", buttons["factbot:reject"], "reject")
    late = await click(harness, fake_slack, "factbot:approve", buttons["factbot:approve"], "late")
    assert "already rejected" in late
    assert posted_in_thread(fake_slack, "60.000100") == []
