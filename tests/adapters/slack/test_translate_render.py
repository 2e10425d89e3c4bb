"""Pure translation and rendering, from recorded Slack payloads and oversized catalogue entries."""

from __future__ import annotations

import json

import pytest

from bot.adapters.slack import translate
from bot.adapters.slack.modals import FormState, field_errors, title
from bot.adapters.slack.render import MAX_BLOCKS, MAX_SECTION, render
from bot.core.commands import error
from bot.core.forms import CLAIM_ADD
from bot.core.models import Attachment, Claim, Evidence, Reply, ReplyAction, ReplyKind, Stance, Verdict
from tests.fakes.fake_slack import message_violations

# An app_mention as Slack delivers it (trimmed from a real payload).
RECORDED_MENTION = {
    "token": "x",
    "team_id": "T111",
    "api_app_id": "A111",
    "event": {
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": "<@UBOT1|factbot> check this",
        "ts": "1515449522.000016",
        "thread_ts": "1515449438.000011",
        "channel": "C123ABC456",
        "event_ts": "1515449522000016",
        "team": "T111",
    },
    "type": "event_callback",
    "event_id": "Ev0LAN670R",
    "event_time": 1515449522,
}


def test_recorded_mention_becomes_a_mention_event_with_the_thread_parent():
    body = RECORDED_MENTION
    event = translate.mention_event(body, body["event"], bot_user_id="UBOT1", parent_text="parent text")
    assert event.text == "check this"
    assert event.referenced_text == "parent text"
    assert event.actor.user_id == "U061F7AUR" and event.actor.workspace_id == "T111" and event.actor.platform == "slack"
    assert not event.actor.is_bot and not event.actor.is_self
    assert event.origin.channel_id == "C123ABC456"
    assert event.origin.message_id == "1515449522.000016" and event.origin.thread_id == "1515449438.000011"
    assert translate.is_thread_reply(body["event"]) and translate.reply_thread(body["event"]) == "1515449438.000011"


@pytest.mark.parametrize(
    ("text", "bot", "expected"),
    [
        ("<@UBOT1> NATO promised", "UBOT1", "NATO promised"),
        ("hey <@UBOT1|factbot> is this true?", "UBOT1", "hey is this true?"),
        ("<@UBOT1> ask <@U2> about it", "UBOT1", "ask <@U2> about it"),
        (
            "<@UOTHER> first mention removed when the bot id is unknown",
            None,
            "first mention removed when the bot id is unknown",
        ),
    ],
)
def test_the_bots_own_mention_is_removed(text, bot, expected):
    assert translate.without_mention(text, bot) == expected


@pytest.mark.parametrize(
    ("event", "is_bot"),
    [
        ({"user": "U1", "text": "hi"}, False),
        ({"user": "U1", "bot_id": "B1", "text": "hi"}, True),
        ({"subtype": "bot_message", "bot_id": "B1", "text": "hi"}, True),
        ({"user": "UBOT1", "text": "hi"}, True),
        ({"text": "no user at all"}, True),
    ],
)
def test_bot_messages_are_recognised(event, is_bot):
    assert translate.is_bot_message(event, bot_id="BSELF", bot_user_id="UBOT1") is is_bot


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("NATO promised not to expand", "factcheck NATO promised not to expand"),
        ("show baker-not-one-inch", "claim show baker-not-one-inch"),
        ("Search Yeltsin Poland", "claim search Yeltsin Poland"),
        ("report they said it | looks wrong", "report they said it | looks wrong"),
        ("report", "report"),
        ("", "help"),
        ("showing that NATO promised", "factcheck showing that NATO promised"),
    ],
)
def test_factcheck_subcommands_map_to_the_core_grammar(text, line):
    assert translate.factcheck_line(text) == line


def _claim(excerpt: str, count: int) -> Claim:
    evidence = Evidence("T" * 1000, "2001", "S" * 1000, "https://example.org/x", excerpt, Stance.CONTRADICTS)
    return Claim("big-claim", "C" * 5000, Verdict.FALSE, "S" * 100_000, (evidence,) * count)


@pytest.mark.parametrize("kind", [ReplyKind.FACT_CHECK, ReplyKind.CLAIM])
def test_huge_catalogue_entries_stay_within_slacks_limits(kind):
    emoji_at_the_cut = "a" * 499 + "\U0001f469\u200d\U0001f469\u200d\U0001f467" * 100
    claim = _claim(emoji_at_the_cut, 100)
    reply = Reply(kind=kind, text="x" * 50_000, claim=claim, actions=(ReplyAction.SHOW_ALL_EVIDENCE,), reply_id="r")
    message = render(reply)
    assert message_violations(message) == []
    assert len(message["blocks"]) <= MAX_BLOCKS
    assert len(json.dumps(message)) < 40_000
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION
    assert "\u200d\u2026" not in json.dumps(message, ensure_ascii=False), "no family emoji cut in half"
    shown = sum(1 for b in message["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("\u201c"))
    assert shown == (3 if kind is ReplyKind.FACT_CHECK else 15)
    assert "97 more excerpts" in json.dumps(message) or "85 more excerpts" in json.dumps(message)


def test_buttons_follow_the_reply():
    claim = _claim("e", 5)
    plain = render(Reply(kind=ReplyKind.FACT_CHECK, text="t", claim=claim, actions=(ReplyAction.HELPFUL,)))
    assert not any(b["type"] == "actions" for b in plain["blocks"]), "no feedback buttons without a reply id"
    full = render(
        Reply(
            kind=ReplyKind.FACT_CHECK,
            text="t",
            claim=claim,
            actions=(ReplyAction.HELPFUL, ReplyAction.SHOW_ALL_EVIDENCE),
            reply_id="r9",
        ),
        shareable=True,
    )
    [actions] = [b for b in full["blocks"] if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("factbot:feedback:helpful", "r9"),
        ("factbot:evidence", "big-claim"),
        ("factbot:share", "big-claim"),
    ]


def test_a_chart_is_mentioned_not_uploaded():
    reply = Reply(kind=ReplyKind.INFO, text="Stats", attachment=Attachment("c.png", b"png", "image/png"))
    assert "chart is not shown" in json.dumps(render(reply))


def test_modal_metadata_is_validated_on_the_way_back():
    state = FormState.decode(json.dumps({"form": "claim edit", "channel": "<!channel>", "context": {"id": "x"}}))
    assert state is not None and state.channel == "" and state.context == {"id": "x"}
    assert FormState.decode("not json") is None
    assert FormState.decode(json.dumps({"form": 3})) is None


def test_form_errors_land_under_the_field_they_name():
    assert field_errors(CLAIM_ADD, [error("verdict: 'x' is not a verdict")]) == {
        "field:verdict": "verdict: 'x' is not a verdict"
    }
    assert field_errors(CLAIM_ADD, [error("evidence.url: must be https.")]) == {
        "field:evidence": "evidence.url: must be https."
    }
    assert list(field_errors(CLAIM_ADD, [error("conflict")])) == ["field:id"]
    assert field_errors(CLAIM_ADD, [Reply(kind=ReplyKind.CLAIM, text="Saved")]) is None
    assert title("Report a message for fact-checking") == "Report a message for\u2026"
