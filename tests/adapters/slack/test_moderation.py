"""Moderation on Slack: /factcheck-admin, modals (views.open, view_submission), feedback and report buttons.

Slack has no per-command permissions, so every path is checked by the core: typed commands, opening a
form, submitting one (even with forged metadata) and buttons.
"""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import MODERATOR, STAGED
from tests.fakes.fake_slack import event_body, mention, slash_command, trigger_id

NEW_CLAIM = {
    "id": "tides-caused-by-wind",
    "claim": "Ocean tides are caused by the wind.",
    "verdict": "false",
    "summary": "Tides follow the Moon and the Sun; a test fixture.",
    "evidence": "title: Tide tables\ndate: 2001\nsource: Fixture archive\nurl: https://example.org/tides\n"
    "stance: contradicts\nexcerpt: Tides are caused by the gravity of the Moon and the Sun.",
}


def view_submission(view: dict, values: dict[str, str], *, user: str) -> dict:
    """What Slack posts when someone presses Save on a modal factbot opened."""
    state = {f"field:{k}": {"value": {"type": "plain_text_input", "value": v}} for k, v in values.items()}
    return {
        "type": "view_submission",
        "team": {"id": "T111", "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T111"},
        "api_app_id": "A111",
        "trigger_id": trigger_id(),
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": state},
        },
    }


def block_action(action_id: str, value: str, response_url: str, *, user: str = "U1") -> dict:
    return {
        "type": "block_actions",
        "team": {"id": "T111", "domain": "test"},
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T111"},
        "channel": {"id": "C1", "name": "general"},
        "container": {"type": "message", "message_ts": "80.1", "channel_id": "C1"},
        "message": {"type": "message", "ts": "80.1", "text": "factbot's reply"},
        "response_url": response_url,
        "trigger_id": trigger_id(),
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
    }


def texts(call) -> str:
    return json.dumps(call.params)


async def admin(slack, fake_slack, line: str, hook: str, *, user: str) -> None:
    sent = await slack.send.command(slash_command("/factcheck-admin", line, fake_slack.hook_url(hook), user=user))
    assert sent.status == 200 and sent.seconds < 3
    await slack.settle()


async def test_moderator_command_is_refused_to_others_and_carried_out_for_a_moderator(slack, fake_slack):
    await admin(slack, fake_slack, "claim retire moon-landing-real | test", "refused", user="U1")
    [refused] = fake_slack.hooks("refused")
    assert "for catalogue editors only" in texts(refused)
    await admin(slack, fake_slack, "claim retire moon-landing-real | test", "done", user=MODERATOR)
    [done] = fake_slack.hooks("done")
    assert "Saved" in texts(done) and "retired" in texts(done)
    snapshot = await slack.services.catalogue.current()
    assert not snapshot.claims["moon-landing-real"].claim.is_active


async def test_claim_add_opens_a_modal_only_for_a_moderator(slack, fake_slack):
    await admin(slack, fake_slack, "claim add", "not-mod", user="U1")
    assert fake_slack.calls_to("views.open") == []
    assert "for catalogue editors only" in texts(fake_slack.hooks("not-mod")[0])
    await admin(slack, fake_slack, "claim add", "mod", user=MODERATOR)
    [opened] = fake_slack.calls_to("views.open")
    assert opened.params["trigger_id"].startswith("1337.")
    view = opened.params["view"]
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [f"field:{k}" for k in NEW_CLAIM]


async def test_a_submitted_modal_adds_the_claim_and_shows_the_result_in_the_modal(slack, fake_slack):
    await admin(slack, fake_slack, "claim add", "mod", user=MODERATOR)
    view = fake_slack.calls_to("views.open")[0].params["view"]
    sent = await slack.send.interaction(view_submission(view, NEW_CLAIM, user=MODERATOR))
    assert sent.status == 200 and sent.seconds < 3
    answer = sent.json()
    assert answer["response_action"] == "update"
    assert "Saved" in json.dumps(answer["view"]) and "tides-caused-by-wind" in json.dumps(answer["view"])
    snapshot = await slack.services.catalogue.current()
    assert snapshot.claims["tides-caused-by-wind"].claim.verdict.value == "false"


async def test_an_invalid_submission_keeps_the_modal_open_with_the_error_under_the_field(slack, fake_slack):
    await admin(slack, fake_slack, "claim add", "mod", user=MODERATOR)
    view = fake_slack.calls_to("views.open")[0].params["view"]
    sent = await slack.send.interaction(view_submission(view, {**NEW_CLAIM, "verdict": "fake news"}, user=MODERATOR))
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["field:verdict"]
    assert "tides-caused-by-wind" not in (await slack.services.catalogue.current()).claims


async def test_a_modal_submitted_by_someone_else_is_refused(slack, fake_slack):
    """A non-moderator replaying a moderator's modal (same metadata) is refused: the user comes from Slack."""
    await admin(slack, fake_slack, "claim add", "mod", user=MODERATOR)
    view = fake_slack.calls_to("views.open")[0].params["view"]
    metadata = {**json.loads(view["private_metadata"]), "user": MODERATOR, "is_moderator": True}
    forged = {**view, "private_metadata": json.dumps(metadata)}
    sent = await slack.send.interaction(view_submission(forged, NEW_CLAIM, user="U1"))
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert "for catalogue editors only" in json.dumps(answer["errors"])
    assert "tides-caused-by-wind" not in (await slack.services.catalogue.current()).claims


async def test_claim_edit_modal_is_prefilled_and_saves_against_the_version_shown(slack, fake_slack):
    await admin(slack, fake_slack, "claim edit moon-landing-staged", "mod", user=MODERATOR)
    view = fake_slack.calls_to("views.open")[0].params["view"]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert initial["field:verdict"] == "false"
    assert initial["field:claim"].startswith("The 1969 Moon landing")
    assert json.loads(view["private_metadata"])["context"] == {"id": "moon-landing-staged", "version": "1"}
    values = {"claim": initial["field:claim"], "verdict": "mostly-false", "summary": "Edited summary."}
    # Someone else edits the claim first: the modal's version is now stale, and the save is refused.
    await admin(slack, fake_slack, "claim edit moon-landing-staged summary Another summary.", "other", user=MODERATOR)
    stale = (await slack.send.interaction(view_submission(view, values, user=MODERATOR))).json()
    assert stale["response_action"] == "errors"
    snapshot = await slack.services.catalogue.current()
    assert snapshot.claims["moon-landing-staged"].claim.summary == "Another summary."


async def test_evidence_add_modal_takes_its_stance_from_the_command(slack, fake_slack):
    await admin(slack, fake_slack, "evidence add moon-landing-staged", "no-stance", user=MODERATOR)
    assert fake_slack.calls_to("views.open") == []
    assert "supports|contradicts|context" in texts(fake_slack.hooks("no-stance")[0])
    await admin(slack, fake_slack, "evidence add moon-landing-staged context", "mod", user=MODERATOR)
    view = fake_slack.calls_to("views.open")[0].params["view"]
    values = {
        "title": "A new document",
        "date": "1972",
        "source": "Fixture archive",
        "url": "https://example.org/new",
        "excerpt": "A new fixture excerpt.",
    }
    answer = (await slack.send.interaction(view_submission(view, values, user=MODERATOR))).json()
    assert answer["response_action"] == "update"
    claim = (await slack.services.catalogue.current()).claims["moon-landing-staged"].claim
    assert claim.evidence[-1].title == "A new document" and claim.evidence[-1].stance.value == "context"


async def test_feedback_buttons_under_a_reply_are_recorded(slack, fake_slack):
    await slack.send.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="81.000100")))
    [post] = await fake_slack.wait_calls("chat.postMessage")
    buttons = {
        e["action_id"]: e["value"] for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert set(buttons) >= {"factbot:feedback:helpful", "factbot:feedback:not-helpful", "factbot:feedback:wrong-claim"}
    reply_id = buttons["factbot:feedback:wrong-claim"]
    await slack.send.interaction(block_action("factbot:feedback:wrong-claim", reply_id, fake_slack.hook_url("fb")))
    [thanks] = await fake_slack.wait_hooks("fb")
    assert "wrong claim" in texts(thanks) and thanks.params["response_type"] == "ephemeral"


async def test_report_button_opens_a_prefilled_report_form_and_files_the_report(slack, fake_slack):
    unmatched = "the price of bread in Lisbon doubled last week"
    await slack.send.command(slash_command("/factcheck", unmatched, fake_slack.hook_url("nomatch")))
    [answer] = await fake_slack.wait_hooks("nomatch")
    [report] = [e for b in answer.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert report["action_id"] == "factbot:report" and report["value"] == unmatched
    await slack.send.interaction(block_action("factbot:report", report["value"], fake_slack.hook_url("r")))
    [opened] = await fake_slack.wait_calls("views.open")
    view = opened.params["view"]
    assert next(b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input") == unmatched
    answer = (await slack.send.interaction(view_submission(view, {"text": unmatched, "reason": ""}, user="U1"))).json()
    assert answer["response_action"] == "update" and "moderators' queue" in json.dumps(answer["view"])
    await admin(slack, fake_slack, "queue list", "queue", user=MODERATOR)
    assert "Lisbon" in texts(fake_slack.hooks("queue")[0])


async def test_factcheck_report_without_text_opens_the_report_form_for_anyone(slack, fake_slack):
    await slack.send.command(slash_command("/factcheck", "report", fake_slack.hook_url("report")))
    [opened] = await fake_slack.wait_calls("views.open")
    assert json.loads(opened.params["view"]["private_metadata"])["form"] == "report"
    await slack.send.command(
        slash_command("/factcheck", "report NATO is a myth | please check", fake_slack.hook_url("typed"))
    )
    [typed] = await fake_slack.wait_hooks("typed")
    assert "moderators' queue" in texts(typed)
