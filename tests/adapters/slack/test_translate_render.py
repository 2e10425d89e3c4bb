"""Pure translation and rendering, from recorded Slack payloads and oversized catalogue entries."""

from __future__ import annotations

import json
import re

import pytest

from bot.adapters.slack import translate
from bot.adapters.slack.modals import FormState, field_errors, title
from bot.adapters.slack.render import MAX_BLOCKS, MAX_SECTION, render, visible
from bot.catalogue.loader import load_claims
from bot.core.commands import error
from bot.core.forms import CLAIM_ADD
from bot.domain.evidence import CHAT_BUDGET
from bot.domain.models import Attachment, Candidate, Claim, Evidence, Reply, ReplyAction, ReplyKind, Stance, Verdict
from tests.conftest import PROJECT_ROOT
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
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    text = json.dumps(message)
    if kind is ReplyKind.FACT_CHECK:
        assert sum(1 for s in sections if s.startswith("\u201c")) == 2 and "all 100 excerpts" in text
    else:
        shown = sum(1 for s in sections if re.match(r"\*\d+\.\* \u201c", s))
        assert shown >= 5 and f"{100 - shown} more excerpts" in text


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


def _record(*stances: Stance, **evidence_fields) -> Claim:
    items = tuple(
        Evidence(f"Doc {i}", "1990", "Archive", f"https://example.org/{i}", f"Excerpt {i}.", stance, **evidence_fields)
        for i, stance in enumerate(stances)
    )
    return Claim("c", "NATO promised.", Verdict.DISPUTED, "Summary.", items, brief="Both sides.")


def _sections(message: dict) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]


def test_a_contested_claim_shows_the_strongest_excerpt_of_each_side_first():
    record = _record(Stance.SUPPORTS, Stance.SUPPORTS, Stance.SUPPORTS, Stance.CONTRADICTS)
    quotes = [s for s in _sections(render(Reply(kind=ReplyKind.FACT_CHECK, text="t", claim=record))) if "Excerpt" in s]
    assert quotes == ["\u201cExcerpt 0.\u201d", "\u201cExcerpt 3.\u201d"]


def test_users_never_see_scores_or_the_matched_alias_but_moderators_get_a_reference():
    record = _record(Stance.SUPPORTS, Stance.CONTRADICTS)
    reply = Reply(
        kind=ReplyKind.FACT_CHECK,
        text="t",
        claim=record,
        match=Candidate("c", 0.8731, "SECRET ALIAS TEXT"),
        candidates=((_claim("e", 1), 0.4567),),
        reply_id="r1",
    )
    text = json.dumps(render(reply))
    assert "SECRET ALIAS" not in text and "0.87" not in text and "0.45" not in text
    assert "ref r1" in text
    no_match = Reply(kind=ReplyKind.NO_MATCH, text="No known claim matched.", candidates=((record, 0.3141),))
    assert "0.31" not in json.dumps(render(no_match))


def test_a_translation_is_shown_labelled_and_the_original_is_in_the_full_record():
    german = _record(
        Stance.CONTRADICTS, lang="de", translation="English words.", translation_by="the source itself", note="A relay."
    )
    [quote] = [s for s in _sections(render(Reply(kind=ReplyKind.FACT_CHECK, text="t", claim=german))) if "“" in s][1:]
    assert (
        quote
        == "\u201cEnglish words.\u201d\n_English translation by the source itself; original in German_\nNote: A relay."
    )
    [record] = [s for s in _sections(render(Reply(kind=ReplyKind.CLAIM, text="t", claim=german))) if "Excerpt" in s]
    assert record == (
        "*1.* \u201cExcerpt 0.\u201d\n"
        "_English translation by the source itself:_ \u201cEnglish words.\u201d\nNote: A relay."
    )


def visible_size(message: dict) -> int:
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    texts += [e["text"] for b in message["blocks"] if b["type"] == "context" for e in b["elements"]]
    texts += [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return sum(len(visible(t)) for t in texts)


def test_a_fact_check_is_chat_sized_whatever_the_catalogue_holds():
    huge = "word " * 400
    items = tuple(
        Evidence(huge[:300], "1990-02-09", huge[:300], "https://example.org/x", huge[:1000], s, "de", huge, huge, huge)
        for s in (Stance.SUPPORTS, Stance.CONTRADICTS, Stance.CONTEXT)
    )
    biggest = Claim("c" * 80, huge[:500], Verdict.DISPUTED, huge[:700], items, brief=huge[:300])
    reply = Reply(
        kind=ReplyKind.FACT_CHECK,
        text="t",
        claim=biggest,
        candidates=((_claim("e", 1), 0.5),) * 5,
        reply_id="r" * 16,
        unprompted=True,
        actions=(ReplyAction.HELPFUL, ReplyAction.NOT_HELPFUL, ReplyAction.WRONG_CLAIM, ReplyAction.SHOW_ALL_EVIDENCE),
    )
    assert visible_size(render(reply, shareable=True)) <= CHAT_BUDGET


@pytest.mark.parametrize("shipped", load_claims(PROJECT_ROOT / "claims"), ids=lambda c: c.id)
def test_every_shipped_claim_answers_unprompted_in_a_chat_sized_message(shipped):
    reply = Reply(
        kind=ReplyKind.FACT_CHECK,
        text="t",
        claim=shipped,
        unprompted=True,
        reply_id="0123456789abcdef",
        actions=(ReplyAction.HELPFUL, ReplyAction.NOT_HELPFUL, ReplyAction.WRONG_CLAIM, ReplyAction.SHOW_ALL_EVIDENCE),
    )
    message = render(reply)
    assert visible_size(message) <= CHAT_BUDGET and message_violations(message) == []
