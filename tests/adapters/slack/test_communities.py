"""Two workspaces installed by OAuth: a moderator of one, forged team ids included, cannot act in the other or on
the shared catalogue."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest
from sqlalchemy import select

from bot.domain.models import Actor, Origin
from bot.settings import ModeratorSettings
from bot.storage.tables import audit_log
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.adapters.slack.test_oauth import TEAM1, TEAM2, install
from tests.fakes.fake_slack import event_body, mention, slash_command

TEAM2_MODERATOR = "UADMIN2"


@pytest.fixture
async def two_workspaces(fake_slack, start_bot, tmp_path):
    fake_slack.installable = {"code-1": TEAM1, "code-2": TEAM2}
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, oauth=True)
    settings = settings.model_copy(
        update={"moderators": ModeratorSettings(user_ids=[f"slack:T222:{TEAM2_MODERATOR}"], trust_platform_admins=True)}
    )
    harness = await start_bot(settings)
    async with aiohttp.ClientSession() as browser:
        await install(harness, browser, "code-1")
        await install(harness, browser, "code-2")
    return harness


async def admin(harness, fake_slack, line: str, hook: str, *, team: str) -> str:
    command = slash_command("/factcheck-admin", line, fake_slack.hook_url(hook), team=team, user=TEAM2_MODERATOR)
    sent = await harness.send.command(command)
    assert sent.status == 200
    await harness.settle()
    [answer] = fake_slack.hooks(hook)
    return json.dumps(answer.params)


async def team_ones_answer(harness, fake_slack, ts: str) -> str:
    """What team one is told about a staged-landing message, without per-reply ids and timestamps."""
    await harness.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts=ts), team="T111", event_id=f"Ev{ts}"))
    await harness.settle()
    [posted] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    params = {k: v for k, v in posted.params.items() if k != "thread_ts"}
    return re.sub(r"[0-9a-f]{16,32}", "REF", json.dumps(params, sort_keys=True))


async def test_a_moderator_of_another_workspace_changes_nothing_that_workspace_one_is_told(two_workspaces, fake_slack):
    harness = two_workspaces
    before = await team_ones_answer(harness, fake_slack, "50.1")
    attempts = {
        "retire": "claim retire moon-landing-staged | spam",
        "verdict": "claim edit moon-landing-staged verdict accurate",
        "alias": "alias add moon-landing-staged | the moon is cheese",
        "evidence": "evidence remove moon-landing-staged | 1",
        "undo": "undo 1",
    }
    for name, line in attempts.items():
        # From their own workspace, and with team one's id in the payload (a Slack Connect channel, or a forgery).
        for team in ("T222", "T111"):
            answer = await admin(harness, fake_slack, line, f"{name}-{team}", team=team)
            assert "is for catalogue editors only" in answer, (line, team)
    # The watch switch: theirs in their workspace, not in team one's.
    assert "This channel is watched" in await admin(harness, fake_slack, "watch on", "watch-own", team="T222")
    refused = await admin(harness, fake_slack, "watch on", "watch-other", team="T111")
    assert "`watch` is for moderators of this community only." in refused
    async with harness.services.database.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log.c.actor_id, audit_log.c.action, audit_log.c.outcome))).all()
    refusals = {(actor, action) for actor, action, outcome in rows if outcome == "refused"}
    for action in ("claim retire", "claim edit", "alias add", "evidence remove", "undo", "watch"):
        assert (TEAM2_MODERATOR, action) in refusals, action
    assert await team_ones_answer(harness, fake_slack, "50.2") == before


async def test_a_moderator_of_another_workspace_cannot_see_or_handle_workspace_ones_reports(two_workspaces, fake_slack):
    harness = two_workspaces
    reports = harness.services.stores.reports
    filed = await reports.add(
        actor=Actor(platform="slack", user_id="U1", workspace_id="T111"),
        origin=Origin(platform="slack", channel_id="C1", workspace_id="T111"),
        text="the moon is hollow",
        reason=None,
    )
    assert "The queue is empty." in await admin(harness, fake_slack, "queue list", "list", team="T222")
    dismissed = await admin(harness, fake_slack, f"queue dismiss {filed.id}", "dismiss", team="T222")
    assert f"There is no report #{filed.id} in this community" in dismissed
    forged = await admin(harness, fake_slack, f"queue dismiss {filed.id}", "forged", team="T111")
    assert "`queue dismiss` is for moderators of this community only." in forged
    assert (await reports.get(filed.id)).state.value == "open"


def slack_user(user_id: str, team: str, **flags: bool) -> dict:
    """A users.info user object: the person's own team and their standing in it."""
    return {"id": user_id, "team_id": team, "deleted": False, "is_restricted": False, **flags}


async def run_as(harness, fake_slack, user: str, line: str, hook: str, *, team: str) -> str:
    command = slash_command("/factcheck-admin", line, fake_slack.hook_url(hook), team=team, user=user)
    assert (await harness.send.command(command)).status == 200
    await harness.settle()
    [answer] = fake_slack.hooks(hook)
    return json.dumps(answer.params)


async def test_a_workspace_owner_or_admin_moderates_their_own_workspace_only(two_workspaces, fake_slack):
    harness = two_workspaces
    fake_slack.users = {
        "UOWNER2": slack_user("UOWNER2", "T222", is_owner=True),
        "UADMIN2B": slack_user("UADMIN2B", "T222", is_admin=True),
        "UMEMBER2": slack_user("UMEMBER2", "T222"),
        "UGUEST2": slack_user("UGUEST2", "T222", is_admin=True, is_restricted=True),
    }
    before = await team_ones_answer(harness, fake_slack, "60.1")
    # Nobody configured them: Slack's own word (users.info) makes the owner and an admin moderators of T222.
    for user in ("UOWNER2", "UADMIN2B"):
        answer = await run_as(harness, fake_slack, user, "watch on", f"own-{user}", team="T222")
        assert "This channel is watched" in answer, user
    # A member, or a guest account flagged admin, is not.
    for user in ("UMEMBER2", "UGUEST2"):
        answer = await run_as(harness, fake_slack, user, "watch on", f"member-{user}", team="T222")
        assert "`watch` is for moderators of this community only." in answer, user
    # In team one's channel (Slack Connect, or a forged team id) their own workspace's standing counts for nothing,
    # and the shared catalogue is for editors only wherever they are.
    for team in ("T111", "T222"):
        answer = await run_as(harness, fake_slack, "UOWNER2", "watch on", f"other-{team}", team=team)
        assert ("`watch` is for moderators" in answer) == (team == "T111"), team
        retire = "claim retire moon-landing-staged | x"
        answer = await run_as(harness, fake_slack, "UOWNER2", retire, f"r-{team}", team=team)
        assert "is for catalogue editors only" in answer, team
    assert await team_ones_answer(harness, fake_slack, "60.2") == before
    # Asked once per person and workspace, then cached.
    asked = [(c.token, c.params.get("user")) for c in fake_slack.calls_to("users.info")]
    assert asked.count((asked[0][0], "UOWNER2")) == 1


async def test_a_failed_admin_look_up_grants_nothing(two_workspaces, fake_slack, caplog):
    harness = two_workspaces
    # users.info does not know the person (or the scope is missing): not an admin, and the failure is logged.
    answer = await run_as(harness, fake_slack, "UNKNOWN2", "watch on", "unknown", team="T222")
    assert "`watch` is for moderators of this community only." in answer
    assert fake_slack.calls_to("users.info")
    assert "could not ask Slack whether a person is a workspace admin" in caplog.text


async def test_with_trust_in_admins_off_slack_is_not_even_asked(fake_slack, start_bot, tmp_path):
    fake_slack.installable = {"code-2": TEAM2}
    fake_slack.users = {"UOWNER2": slack_user("UOWNER2", "T222", is_owner=True)}
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, oauth=True)
    settings = settings.model_copy(update={"moderators": ModeratorSettings(trust_platform_admins=False)})
    harness = await start_bot(settings)
    async with aiohttp.ClientSession() as browser:
        await install(harness, browser, "code-2")
    answer = await run_as(harness, fake_slack, "UOWNER2", "watch on", "off", team="T222")
    assert "`watch` is for moderators of this community only." in answer
    assert not fake_slack.calls_to("users.info")


CHEESE = "The Moon is made of green cheese from Wisconsin"
LOCAL_ADD = (
    "local add moon-cheese | The Moon is made of green cheese from Wisconsin | false | Lunar samples are rock. | "
    "Apollo sample catalogue | 1972 | NASA | https://example.org/apollo | contradicts | The samples are basalt."
)
SLANG = "astronauts never left low earth orbit in sixty nine"


async def answer_in(harness, fake_slack, team: str, text: str, ts: str) -> str:
    """What a workspace is told about a message, without per-reply ids and timestamps."""
    bot = "UBOT1" if team == "T111" else "UBOT2"
    await harness.send.event(event_body(mention(f"<@{bot}> {text}", ts=ts), team=team, event_id=f"Ev{team}{ts}"))
    await harness.settle()
    [posted] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]
    params = {k: v for k, v in posted.params.items() if k != "thread_ts"}
    return re.sub(r"[0-9a-f]{16,32}", "REF", json.dumps(params, sort_keys=True))


async def test_a_workspaces_own_claim_and_alias_answer_it_and_leave_workspace_one_unchanged(two_workspaces, fake_slack):
    harness = two_workspaces
    before = {
        text: await answer_in(harness, fake_slack, "T111", text, f"60.{n}")
        for n, text in enumerate((STAGED, CHEESE, SLANG))
    }
    # With team one's id forged into the payload, the second workspace's moderator is nobody there.
    forged = await admin(harness, fake_slack, LOCAL_ADD, "local-forged", team="T111")
    assert "`local add` is for moderators of this community only." in forged
    forged_alias = await admin(
        harness, fake_slack, f"local alias moon-landing-staged | {SLANG}", "alias-forged", team="T111"
    )
    assert "`local alias` is for moderators of this community only." in forged_alias
    # In their own workspace they add a claim and an alias of their own.
    assert "in this community only" in await admin(harness, fake_slack, LOCAL_ADD, "local-own", team="T222")
    aliased = await admin(harness, fake_slack, f"local alias moon-landing-staged | {SLANG}", "alias-own", team="T222")
    assert "for this community only" in aliased
    cheese_there = await answer_in(harness, fake_slack, "T222", CHEESE, "70.1")
    assert "moon-cheese" in cheese_there and "Community claim: fact-checked by this community" in cheese_there
    assert "moon-landing-staged" in await answer_in(harness, fake_slack, "T222", SLANG, "70.2")
    after = {
        text: await answer_in(harness, fake_slack, "T111", text, f"61.{n}")
        for n, text in enumerate((STAGED, CHEESE, SLANG))
    }
    assert after == before
