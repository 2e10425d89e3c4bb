"""HTTP mode for many workspaces: OAuth installs into factbot's database, per-workspace tokens, uninstalls."""

from __future__ import annotations

import asyncio
import re
import urllib.parse

import aiohttp
from sqlalchemy import func, select

from bot.adapters.slack.installations import installation_stores
from bot.storage.db import Database
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.fakes.fake_slack import Workspace, channel_message, event_body, mention

TEAM1 = Workspace("T111", "xoxb-team1", "UBOT1", "B111", "Team one")
TEAM2 = Workspace("T222", "xoxb-team2", "UBOT2", "B222", "Team two")


async def install(harness, session: aiohttp.ClientSession, code: str) -> None:
    """Go through /slack/install and /slack/oauth_redirect as a browser would."""
    async with session.get(f"{harness.base_url}/slack/install") as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"]
    authorize_url = urllib.parse.unquote(
        re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', html).group(1).replace("&amp;", "&")
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize_url).query)
    assert query["scope"] == ["app_mentions:read,channels:history,chat:write,commands,groups:history,users:read"]
    state = query["state"][0]
    # The state cookie is Secure, so a client on http://127.0.0.1 would not send it back; send it by hand.
    assert "Secure" in cookie
    name_value = cookie.split(";")[0]
    redirect = f"{harness.base_url}/slack/oauth_redirect?code={code}&state={state}"
    async with session.get(redirect, headers={"Cookie": name_value}) as done:
        assert done.status == 200, await done.text()


async def installed_bots(database: Database, team: str) -> int:
    installations, _ = await installation_stores("1111.2222", database)
    async with database.engine.connect() as connection:
        query = select(func.count()).select_from(installations.bots).where(installations.bots.c.team_id == team)
        return int((await connection.execute(query)).scalar_one())


async def test_two_workspaces_install_and_each_is_answered_with_its_own_token(fake_slack, start_bot, tmp_path):
    fake_slack.installable = {"code-1": TEAM1, "code-2": TEAM2}
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, oauth=True))
    async with aiohttp.ClientSession() as browser:
        await install(harness, browser, "code-1")
        await install(harness, browser, "code-2")
    exchange = fake_slack.calls_to("oauth.v2.access")
    assert [c.params["code"] for c in exchange] == ["code-1", "code-2"]
    assert await installed_bots(harness.services.database, "T222") == 1

    await harness.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="40.1"), team="T111"))
    await harness.send.event(event_body(mention(f"<@UBOT2> {STAGED}", ts="40.2"), team="T222"))
    await harness.settle()
    tokens = {c.params["thread_ts"]: c.token for c in fake_slack.calls_to("chat.postMessage")}
    assert tokens == {"40.1": "xoxb-team1", "40.2": "xoxb-team2"}


async def test_a_message_in_a_slack_connect_channel_is_answered_once_for_both_workspaces(
    fake_slack, start_bot, tmp_path
):
    """A shared channel has one id in both workspaces; each installation receives the message, one answers."""
    fake_slack.installable = {"code-1": TEAM1, "code-2": TEAM2}
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, oauth=True, watch_channels=True)
    harness = await start_bot(settings)
    async with aiohttp.ClientSession() as browser:
        await install(harness, browser, "code-1")
        await install(harness, browser, "code-2")
    for team in ("T111", "T222"):
        shared = channel_message(STAGED, ts="43.1", channel="C1")
        await harness.send.event(event_body(shared, team=team, event_id=f"Ev-{team}"))
    await harness.settle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_install_without_the_state_cookie_is_refused(fake_slack, start_bot, tmp_path):
    fake_slack.installable = {"code-1": TEAM1}
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, oauth=True))
    url = f"{harness.base_url}/slack/oauth_redirect?code=code-1&state=made-up"
    async with aiohttp.ClientSession() as browser, browser.get(url) as response:
        assert response.status == 400
    assert fake_slack.calls_to("oauth.v2.access") == []


async def test_uninstall_and_token_revocation_remove_the_installation(fake_slack, start_bot, tmp_path):
    fake_slack.installable = {"code-1": TEAM1, "code-2": TEAM2}
    harness = await start_bot(make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, oauth=True))
    async with aiohttp.ClientSession() as browser:
        await install(harness, browser, "code-1")
        await install(harness, browser, "code-2")
    database = harness.services.database

    uninstalled = {"type": "app_uninstalled", "event_ts": "41.0"}
    assert (await harness.send.event(event_body(uninstalled, team="T222"))).status == 200
    revoked = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT1"]}, "event_ts": "41.1"}
    assert (await harness.send.event(event_body(revoked, team="T111"))).status == 200
    await harness.settle()
    assert await installed_bots(database, "T222") == 0
    assert await installed_bots(database, "T111") == 0

    for team, bot in (("T111", "UBOT1"), ("T222", "UBOT2")):
        await harness.send.event(event_body(mention(f"<@{bot}> {STAGED}", ts="42.1"), team=team))
    await harness.settle()
    assert fake_slack.calls_to("chat.postMessage") == [], "nobody answers for a workspace that removed factbot"


async def test_store_tables_are_created_once_when_workers_start_together(database):
    """Four workers (four engines) on one migrated database create Bolt's tables at the same moment."""
    workers = [Database(database.url) for _ in range(4)]
    try:
        await asyncio.gather(*(installation_stores("1111.2222", worker) for worker in workers))
        assert await installed_bots(database, "T111") == 0
    finally:
        for worker in workers:
            await worker.dispose()
