"""Persistent buttons: feedback after a restart, the full evidence, and reporting what nothing matched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.storage.tables import feedback, reports
from tests.adapters.discord.conftest import decision, interact, wait_reply
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"
UNMATCHED = "was the moon landing real"


def buttons(message: dict) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for row in message["components"] for b in row["components"]}


async def test_a_feedback_button_works_after_a_restart(start_bot, fake, services):
    first = await start_bot()
    sent = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
    answer = (await wait_reply(fake, sent)).response
    await first.close()  # the process that sent the buttons is gone; nothing of it survives in memory
    await start_bot()
    press = fd.button_press(buttons(answer)["Helpful"], answer, by=fd.MODERATOR)
    [callback] = await interact(fake, press)
    data = callback.body["data"]
    assert data["flags"] & fd.EPHEMERAL
    assert data["content"] == "Thanks: marked as helpful."
    reply_id = buttons(answer)["Helpful"].rpartition(":")[2]
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(select(feedback.c.reply_id, feedback.c.user_id, feedback.c.kind))).all()
    assert [tuple(r) for r in rows] == [(reply_id, str(fd.MODERATOR), "helpful")]


async def test_show_all_evidence_answers_privately_with_every_excerpt(bot, fake):
    sent = await fake.send_message(f"<@{fd.BOT_ID}> the Atlantic ocean boiled during the summer of 1816")
    answer = (await wait_reply(fake, sent)).response
    shown = [f for f in answer["embeds"][0]["fields"] if f["name"].startswith("1816")]
    assert len(shown) == 2, "a chat-sized reply shows one excerpt per side"
    [callback] = await interact(fake, fd.button_press(buttons(answer)["Show all evidence"], answer))
    data = callback.body["data"]
    assert data["flags"] & fd.EPHEMERAL
    assert len([f for e in data["embeds"] for f in e["fields"]]) == 5


@pytest.mark.parametrize("env_overrides", [{"MATCHER_SUGGEST_THRESHOLD": "0.95", "MATCHER_REPLY_THRESHOLD": "0.96"}])
async def test_report_opens_a_prefilled_form_that_reaches_the_moderators_queue(bot, fake, services):
    assert await decision(services, UNMATCHED) == "none"
    [callback] = await interact(fake, fd.interaction(fd.command("factcheck", text=UNMATCHED)))
    answer = callback.response  # the message the fake created for the answer
    [modal_callback] = await interact(fake, fd.button_press(buttons(answer)["Report to moderators"], answer))
    modal = modal_callback.body["data"]
    assert modal_callback.body["type"] == 9
    assert _values(modal)["The message"] == UNMATCHED
    [thanks] = await interact(fake, fd.modal_submission(modal, {"Why it should be checked (optional)": "new"}))
    assert "moderators' queue" in thanks.body["data"]["content"]
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(select(reports.c.text, reports.c.reason))).all()
    assert [tuple(r) for r in rows] == [(UNMATCHED, "new")]


def _values(modal: dict) -> dict[str, str]:
    values = {}
    for row in modal["components"]:
        inner = row.get("component") or row["components"][0]
        values[row.get("label") or inner.get("label")] = inner.get("value")
    return values


async def test_a_failing_button_answers_privately_and_logs_the_trace(bot, fake, caplog):
    sent = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
    answer = (await wait_reply(fake, sent)).response
    press = fd.button_press(buttons(answer)["Wrong claim"], answer)
    refusal = {"message": "Invalid Form Body", "code": 50035}
    fake.fail_once("POST", rf"/interactions/{press['id']}/[^/]+/callback", 400, refusal)
    await fake.dispatch("INTERACTION_CREATE", press)
    failed, told = await fake.wait_for(lambda: len(found := fake.callbacks(int(press["id"]))) >= 2 and found)
    assert failed.status == 400
    assert told.body["data"]["flags"] & fd.EPHEMERAL
    assert told.body["data"]["content"].startswith("Sorry, something went wrong")
    [record] = [r for r in caplog.records if r.getMessage() == "discord interaction failed"]
    assert record.exc_info is not None
