"""Request signatures (SL-1), escaping of user and catalogue text (SL-7, IN-1), unfurling (SL-8), size (SL-9)."""

from __future__ import annotations

import json
import re
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack.mrkdwn import cut_mrkdwn, fit, link, slack_escape, slack_unescape, truncate
from bot.adapters.slack.render import MAX_BLOCKS, render
from bot.domain.models import Claim, Evidence, Reply, ReplyAction, ReplyKind, Stance, Verdict
from bot.domain.textcut import grapheme_cut
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.fakes.fake_slack import event_body, mention, message_violations, sign, slash_command

HOSTILE = [
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<!subteam^S123|@mods>",
    "<@U123ABC>",
    "<#C123|general>",
    "<http://evil.example|https://good.example>",
    "&lt;!here&gt;",
    "a & b > c < d",
    "\u202eevil\u202c",
    "\ud800 lone surrogate",
]


def _forge(case: str, body: bytes) -> dict[str, str]:
    now = int(time.time())
    return {
        "wrong-secret": sign(body, secret="not-the-secret"),
        "stale-timestamp": sign(body, timestamp=now - 10 * 60),
        "future-timestamp": sign(body, timestamp=now + 10 * 60),
        "v1-prefix": {**sign(body), "X-Slack-Signature": sign(body)["X-Slack-Signature"].replace("v0=", "v1=")},
        "no-signature": {"X-Slack-Request-Timestamp": str(now)},
        "other-body": sign(body + b" "),
    }[case]


@pytest.mark.parametrize(
    "case", ["wrong-secret", "stale-timestamp", "future-timestamp", "v1-prefix", "no-signature", "other-body"]
)
async def test_forged_or_stale_requests_are_refused_without_side_effects(slack, fake_slack, case):
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="20.000100"), event_id="EvForged")
    raw = json.dumps(body).encode()
    headers = {**_forge(case, raw), "Content-Type": "application/json"}
    async with slack.send.session.post(slack.send.url, data=raw, headers=headers) as response:
        assert response.status == 401
    await slack.settle()
    assert fake_slack.calls == [], "no Web API call, not even auth.test"
    # The refused request left no trace in the database: the genuine delivery is still answered.
    assert (await slack.send.event(body)).status == 200
    await fake_slack.wait_calls("chat.postMessage")


async def test_a_signature_from_four_minutes_ago_is_still_accepted(slack, fake_slack):
    body = json.dumps(event_body(mention(f"<@UBOT1> {STAGED}", ts="21.000100"))).encode()
    headers = {**sign(body, timestamp=int(time.time()) - 240), "Content-Type": "application/json"}
    async with slack.send.session.post(slack.send.url, data=body, headers=headers) as response:
        assert response.status == 200
    await fake_slack.wait_calls("chat.postMessage")


def _hostile_catalogue(tmp_path):
    directory = tmp_path / "claims"
    directory.mkdir()
    claim = {
        "id": "hostile-claim",
        "claim": "Everyone must read this <!channel> now, says <@U123ABC> & friends",
        "verdict": "false",
        "summary": "Summary with <!here> and a disguised <http://evil.example|https://good.example> link.",
        "aliases": ["attention everyone this is urgent read it"],
        "evidence": [
            {
                "title": "Title <!everyone>",
                "date": "2001",
                "source": "Source <#C123|general>",
                "url": "https://example.org/doc?a=1&b=2",
                "excerpt": "Excerpt &lt;!here&gt; with <@U999> inside",
                "stance": "contradicts",
            }
        ],
    }
    (directory / "hostile-claim.yaml").write_text(json.dumps(claim))
    return directory


async def test_mentions_in_claim_text_arrive_escaped_and_notify_nobody(fake_slack, start_bot, tmp_path):
    harness = await start_bot(
        make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, catalogue=_hostile_catalogue(tmp_path))
    )
    await harness.send.event(event_body(mention("<@UBOT1> claim show hostile-claim", ts="22.000100")))
    await harness.send.command(slash_command("/factcheck", "show hostile-claim", fake_slack.hook_url("hostile")))
    await harness.settle()
    posted = json.dumps([c.params for c in fake_slack.messages()])
    assert len(fake_slack.messages()) == 2
    assert "&lt;!channel&gt;" in posted and "&lt;@U123ABC&gt;" in posted and "&amp;lt;!here&amp;gt;" in posted
    for sequence in ("<!channel>", "<!here", "<!everyone>", "<@U", "<#C", "<http://evil"):
        assert sequence not in posted
    assert "<https://example.org/doc?a=1&amp;b=2|source>" in posted, "the catalogue link, built by factbot"
    # fake_slack's teardown also asserts that no message broke the escaping or unfurl rules.


texts = st.text(st.characters(codec=None), max_size=400) | st.sampled_from(HOSTILE)


def _claim(claim: str, summary: str, title: str, excerpt: str, url: str) -> Claim:
    evidence = Evidence(title or "t", "2001", title or "s", url, excerpt or "e", Stance.CONTEXT)
    return Claim("some-claim", claim or "c", Verdict.FALSE, summary or "s", (evidence,) * 5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    claim=texts,
    summary=texts,
    title=texts,
    excerpt=texts,
    url=st.sampled_from(["https://example.org/a", "http://evil.example", "https://x.org/a|b>c", "javascript:x"]),
    reply_text=texts,
    kind=st.sampled_from(list(ReplyKind)),
)
def test_no_unescaped_control_sequence_ever_reaches_a_payload(claim, summary, title, excerpt, url, reply_text, kind):
    """Whatever the catalogue or a user writes, the only `<` in a message is a link factbot built."""
    reply = Reply(
        kind=kind,
        text=reply_text,
        claim=_claim(claim, summary, title, excerpt, url),
        candidates=((_claim(claim, summary, title, excerpt, url), 0.5),),
        actions=(ReplyAction.HELPFUL, ReplyAction.REPORT, ReplyAction.SHOW_ALL_EVIDENCE),
        reply_id="r1",
        query=reply_text,
    )
    for shareable, shared in ((False, False), (True, False), (False, True)):
        message = render(reply, shareable=shareable, shared=shared)
        assert message_violations(message) == []
        assert len(message["blocks"]) <= MAX_BLOCKS
        json.dumps(message).encode("utf-8")  # no lone surrogate survives


@given(st.text(st.characters(codec=None)))
def test_escape_round_trips_and_leaves_no_control_characters(text):
    escaped = slack_escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert slack_unescape(escaped) == text


@given(st.text(max_size=300), st.integers(min_value=1, max_value=300))
def test_fit_respects_the_limit_and_never_cuts_an_entity(text, limit):
    fitted = fit(text, limit)
    assert len(fitted) <= limit
    assert message_violations({"text": fitted, "unfurl_links": False, "unfurl_media": False}) == []


@pytest.mark.parametrize(
    "sample",
    [
        "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # family: ZWJ sequence
        "\U0001f44d\U0001f3fd",  # thumbs up, skin tone
        "\U0001f1eb\U0001f1f7",  # a flag: two regional indicators
        "e\u0301\u0301",  # combining accents
    ],
)
def test_cuts_never_split_a_grapheme(sample):
    """`sample` is one grapheme; repeated, the only valid cuts are between copies."""
    text = "x" * 10 + sample * 3
    for limit in range(1, len(text)):
        cut = grapheme_cut(text, limit)
        assert text[:cut] == "x" * 10 + sample * ((cut - 10) // len(sample)) or cut <= 10
        assert len(truncate(text, limit)) <= limit


async def test_a_captured_signed_command_replayed_within_the_window_files_one_report(slack, fake_slack):
    form = slash_command("/factcheck", "report they faked it all | suspicious", fake_slack.hook_url("report"))
    body = urllib.parse.urlencode(form).encode()
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(5):  # the same bytes and the same signature, as an eavesdropper would resend them
        async with slack.send.session.post(slack.send.url, data=body, headers=headers) as response:
            assert response.status == 200
    await slack.settle()
    assert len(await slack.services.stores.reports.list()) == 1
    assert len(fake_slack.hooks("report")) == 1


UNSIGNED = [
    ("not json", b"this is { not json", "application/json"),
    ("empty list", b"[]", "application/json"),
    ("null", b"null", "application/json"),
    ("deep", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("invalid utf-8", b'{"type": "\xff\xfe"}', "application/json"),
    ("form", b"payload=%5B%5D", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("name", "body", "content_type"), UNSIGNED, ids=[u[0] for u in UNSIGNED])
async def test_unsigned_hostile_bodies_get_401_without_a_traceback_or_the_body_in_the_log(
    slack, fake_slack, caplog, name, body, content_type
):
    caplog.set_level("DEBUG")
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    async with slack.send.session.post(slack.send.url, data=body, headers=headers) as response:
        assert response.status == 401
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert body[:10].decode("latin-1") not in caplog.text or body[:10] == b"[" * 10


@pytest.mark.parametrize("timestamp", ["", "soon", "1e9", "-5", "١٢٣"])
async def test_a_malformed_timestamp_is_a_400(slack, timestamp):
    body = b'{"type": "event_callback"}'
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body)["X-Slack-Signature"],
    }
    async with slack.send.session.post(slack.send.url, data=body, headers=headers) as response:
        assert response.status == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"null", "application/json"),
        (b"[]", "application/json"),
        (b"payload=null", "application/x-www-form-urlencoded"),
    ],
)
async def test_even_a_signed_body_that_is_not_slacks_shape_is_a_400(slack, caplog, body, content_type):
    async with slack.send.session.post(
        slack.send.url, data=body, headers={**sign(body), "Content-Type": content_type}
    ) as response:
        assert response.status == 400
    assert not any(r.exc_info for r in caplog.records)


@given(st.integers(min_value=1, max_value=60), st.text(alphabet="ab &<>", max_size=30))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_long_section_is_cut_between_escapes_and_links_never_inside_one(limit, text):
    mrkdwn = slack_escape(text) + link("https://example.org/a-long-path", "a label") + slack_escape(text) * 3
    cut = cut_mrkdwn(mrkdwn, limit)
    assert len(cut) <= max(limit, 1)
    if cut != mrkdwn:
        body = cut.removesuffix("\u2026")
        assert body.count("<") == body.count(">"), "no link cut in half"
        assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*", body), "no escape cut in half"


def test_section_blocks_cut_long_text_safely():
    from bot.adapters.slack.render import section

    text = "x" * 2990 + link("https://example.org/page", "label") + " &amp; more"
    cut = section(text)["text"]["text"]
    assert len(cut) <= 3000 and cut.endswith("\u2026") and "<https" not in cut
