"""Slash commands, autocomplete and the message context menu, through the gateway as Discord delivers them."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

import pytest
from sqlalchemy import text

from tests.adapters.discord.conftest import decision, interact
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"


async def test_factcheck_answers_publicly_with_the_matching_claim(bot, fake):
    [callback] = await interact(fake, fd.interaction(fd.command("factcheck", text=STAGED)))
    body = callback.body
    assert body["type"] == 4  # answered at once: the core was quick, no need to defer
    data = body["data"]
    assert not data.get("flags", 0) & fd.EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    [embed] = data["embeds"]
    assert embed["footer"]["text"].startswith("moon-landing-staged")
    # Both excerpts are shown, so there is no "Show all evidence" (test_buttons has a claim with five).
    assert [b["label"] for row in data["components"] for b in row["components"]] == [
        "Helpful",
        "Not helpful",
        "Wrong claim",
    ]


@pytest.mark.parametrize("env_overrides", [{"MATCHER_SUGGEST_THRESHOLD": "0.95", "MATCHER_REPLY_THRESHOLD": "0.96"}])
async def test_factcheck_without_a_match_offers_close_candidates_and_a_report_button(bot, fake, services):
    assert await decision(services, "was the moon landing real") == "none"
    [callback] = await interact(fake, fd.interaction(fd.command("factcheck", text="was the moon landing real")))
    data = callback.body["data"]
    [embed] = data["embeds"]
    assert embed["title"] == "No known claim matched"
    assert "moon-landing" in embed["description"]  # close candidates
    assert embed["fields"][0] == {
        "name": "Checked text",
        "value": "\u201cwas the moon landing real\u201d",
        "inline": False,
    }
    [button] = [b for row in data["components"] for b in row["components"]]
    assert button["label"] == "Report to moderators" and button["custom_id"].startswith("factbot:r:")


async def test_slow_work_is_deferred_then_followed_up(start_bot, fake):
    await start_bot(defer_after=0)
    payload = fd.interaction(fd.command("factcheck", text=STAGED))
    callback, followup = await interact(fake, payload, count=2)
    assert callback.body == {"type": 5}  # "factbot is thinking…", visible to the channel
    assert followup.path == f"{fd.API}/webhooks/{fd.APP_ID}/{payload['token']}"
    assert followup.body["allowed_mentions"] == {"parse": []}
    assert followup.body["embeds"][0]["footer"]["text"].startswith("moon-landing-staged")


async def test_claim_show_shows_every_excerpt(bot, fake):
    [callback] = await interact(fake, fd.interaction(fd.command("claim", "show", id="ocean-boiled")))
    data = callback.body["data"]
    assert data["content"] == "Claim `ocean-boiled` (v1): False"
    fields = [f for e in data["embeds"] for f in e.get("fields", [])]
    assert len(fields) == 5
    assert "components" not in data or data["components"] == []  # nothing more to show


async def test_claim_search_answers_privately(bot, fake):
    [callback] = await interact(fake, fd.interaction(fd.command("claim", "search", query="microchips")))
    data = callback.body["data"]
    assert data["flags"] & fd.EPHEMERAL
    assert "`vaccines-contain-microchips`" in data["embeds"][0]["description"]


async def test_claim_id_autocomplete_suggests_matching_ids(bot, fake):
    payload = fd.interaction(fd.command("claim", "show", focused="id", id="moon"), kind=4)
    [callback] = await interact(fake, payload)
    assert callback.body["type"] == 8
    assert [c["value"] for c in callback.body["data"]["choices"]] == ["moon-landing-real", "moon-landing-staged"]


async def test_the_context_menu_checks_the_target_message(bot, fake):
    target = fd.message("covid vaccines contain microchips that track people", author=fd.MODERATOR)
    [callback] = await interact(fake, fd.interaction(fd.context_menu(target)))
    data = callback.body["data"]
    assert data["embeds"][0]["footer"]["text"].startswith("vaccines-contain-microchips")
    assert data["allowed_mentions"] == {"parse": []}


async def test_a_failure_reaches_the_user_privately_and_the_log_in_full(bot, fake, caplog):
    payload = fd.interaction(fd.command("factcheck", text=STAGED))
    refusal = {"message": "Invalid Form Body", "code": 50035}
    fake.fail_once("POST", rf"/interactions/{payload['id']}/[^/]+/callback", 400, refusal)
    await fake.dispatch("INTERACTION_CREATE", payload)
    failed, told = await fake.wait_for(lambda: len(found := fake.callbacks(int(payload["id"]))) >= 2 and found)
    assert failed.status == 400 and told.body["type"] == 4
    assert told.body["data"]["flags"] & fd.EPHEMERAL
    assert told.body["data"]["content"].startswith("Sorry, something went wrong")
    [record] = [r for r in caplog.records if r.getMessage() == "discord interaction failed"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert record.command == "factcheck"


@pytest.mark.parametrize("everyone", ["@everyone", "@here", "<@&1300000000000000301>"])
async def test_mass_mentions_in_a_command_are_defused_in_the_answer(bot, fake, everyone):
    [callback] = await interact(fake, fd.interaction(fd.command("claim", "search", query=f"{everyone} nothing")))
    data = callback.body["data"]
    assert data["allowed_mentions"] == {"parse": []}
    assert everyone not in str(data.get("content")) + str(data.get("embeds"))


async def test_a_command_from_an_older_sync_gets_a_clear_answer(bot, fake):
    [callback] = await interact(fake, fd.interaction(fd.command("oldcommand", text="x")))
    assert callback.body["data"]["flags"] & fd.EPHEMERAL
    assert "re-sync" in callback.body["data"]["content"]


async def test_an_error_after_a_public_deferral_stays_private(start_bot, fake, services):
    await start_bot(defer_after=0)
    async with services.database.engine.begin() as connection:
        await connection.execute(text("DROP TABLE claims"))
    services.catalogue.invalidate()
    payload = fd.interaction(fd.command("factcheck", text=STAGED))
    await fake.dispatch("INTERACTION_CREATE", payload)
    hook = rf"/webhooks/{fd.APP_ID}/{payload['token']}"
    [followup] = await fake.wait_for(lambda: fake.sent(hook))
    assert fake.callbacks(int(payload["id"]))[0].body == {"type": 5}  # public "thinking…"
    [deleted] = fake.sent(hook + "/messages/@original", method="DELETE")
    assert fake.requests.index(deleted) < fake.requests.index(followup)  # removed before the private answer
    assert followup.body["flags"] & fd.EPHEMERAL
    assert followup.body["content"] and not followup.body.get("embeds")  # the core's short error text


async def test_a_stalled_database_still_gets_an_answer_within_discords_3_seconds(start_bot, fake, env):
    """DC-3 with the production threshold: another writer holds the database, so the core's write waits."""
    await start_bot(defer_after=1.0)
    database = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None)
    try:
        database.execute("BEGIN IMMEDIATE")  # the reply log cannot be written until this commits
        payload = fd.interaction(fd.command("factcheck", text=STAGED))
        started = time.monotonic()
        await fake.dispatch("INTERACTION_CREATE", payload)
        [callback] = await fake.wait_for(lambda: fake.callbacks(int(payload["id"])))
        assert callback.body == {"type": 5} and callback.at - started < 2.0
        await asyncio.sleep(0.5)
        assert fake.sent(rf"/webhooks/{fd.APP_ID}/{payload['token']}") == []  # still waiting for the database
    finally:
        database.execute("COMMIT")
        database.close()
    [followup] = await fake.wait_for(lambda: fake.sent(rf"/webhooks/{fd.APP_ID}/{payload['token']}"))
    assert followup.body["embeds"][0]["footer"]["text"].startswith("moon-landing-staged")
