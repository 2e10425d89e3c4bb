"""Trial mode across processes: two separate factbot processes (`python -m bot run slack`) on one database, SQLite
file or PostgreSQL; a held reply approved from both at the same moment is posted exactly once."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from tests.adapters.slack.conftest import STAGED
from tests.adapters.slack.processes import factbot_env, free_port
from tests.adapters.slack.test_scale import seed, stop_all
from tests.adapters.slack.test_trial import press
from tests.conftest import FIXTURE_CLAIMS
from tests.fakes.fake_slack import SlackSender, channel_message, event_body, slash_command

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="as the other multi-process tests")

MODERATOR = "UADMIN1"


async def test_a_reply_approved_from_two_processes_at_once_is_posted_once(
    fake_slack, database_url, tmp_path, processes, session
):
    extra = {"MODERATORS_USER_IDS": f"slack:T111:{MODERATOR}", "SLACK_WATCH_CHANNELS": "true"}
    envs = [
        factbot_env(fake_slack, database_url, free_port(), home=tmp_path, catalogue=FIXTURE_CLAIMS, **extra)
        for _ in range(2)
    ]
    await seed(fake_slack, database_url)
    started = [await processes(env, int(env["SLACK_PORT"])) for env in envs]
    await asyncio.gather(*(p.healthy(session) for p in started))
    first, second = (SlackSender(f"{p.url}/slack/events", session) for p in started)

    trial = slash_command("/factcheck-admin", "watch trial", fake_slack.hook_url("trial"), user=MODERATOR)
    assert (await first.command(trial)).status == 200
    [status] = await fake_slack.wait_hooks("trial")
    assert "on trial" in json.dumps(status.params)
    said = event_body(channel_message(STAGED, ts="70.000100"), event_id="EvHeld")
    assert (await first.event(said)).status == 200
    cards: list = []
    for attempt in range(50):  # the message is held after its acknowledgement: list until it shows
        hook = f"list-{attempt}"
        listing = slash_command("/factcheck-admin", "queue list", fake_slack.hook_url(hook), user=MODERATOR)
        assert (await second.command(listing)).status == 200
        [first_answer, *_] = await fake_slack.wait_hooks(hook)
        if "held in trial mode" in json.dumps(first_answer.params):
            answers = await fake_slack.wait_hooks(hook, 2)
            cards = [a for a in answers if "moon-landing-staged" in json.dumps(a.params)]
            break
        await asyncio.sleep(0.1)
    [card] = cards
    [actions] = [b for b in card.params["blocks"] if b["type"] == "actions"]
    number = next(e["value"] for e in actions["elements"] if e["action_id"] == "factbot:approve")
    assert fake_slack.calls_to("chat.postMessage") == [], "held, not posted"

    # A double click whose two presses reach different processes at the same moment.
    clicks = [
        press("factbot:approve", number, fake_slack.hook_url(f"approve-{n}"), team="T111", user=MODERATOR)
        for n in range(2)
    ]
    sent = await asyncio.gather(first.interaction(clicks[0]), second.interaction(clicks[1]))
    assert [s.status for s in sent] == [200, 200]
    answers = [json.dumps((await fake_slack.wait_hooks(f"approve-{n}"))[0].params) for n in range(2)]
    await stop_all(started)
    assert sorted("approved: it is posted" in a for a in answers) == [False, True], answers
    assert any("was already approved by" in a and "nothing was posted" in a for a in answers), answers
    posted = fake_slack.calls_to("chat.postMessage")
    assert [(p.params["channel"], p.params["thread_ts"]) for p in posted] == [("C1", "70.000100")]
