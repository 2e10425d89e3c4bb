"""Embeds: a colour per verdict, the excerpts and their links, and Discord's limits whatever the catalogue holds."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord.render import MAX_PAGES, VERDICT_COLOURS, render, visible_size
from bot.catalogue.loader import load_claims
from bot.domain.evidence import CHAT_BUDGET
from bot.domain.models import Candidate, Claim, Evidence, Reply, ReplyAction, ReplyKind, Stance, Verdict
from tests.conftest import PROJECT_ROOT
from tests.fakes.fake_discord import payload_problems

HUGE = "word " * 20_000  # 100 kB


def claim(
    text: str = "The sea boiled.",
    *,
    evidence: int = 2,
    excerpt: str = "Cold water.",
    summary: str = "S.",
    title: str = "Log",
    url: str = "https://example.org/log",
) -> Claim:
    items = tuple(Evidence(title, "1816-06", "Archive", url, excerpt, Stance.CONTRADICTS) for _ in range(evidence))
    return Claim(id="sea-boiled", claim=text, verdict=Verdict.FALSE, summary=summary, evidence=items)


def fact_check(c: Claim, **kwargs) -> Reply:
    return Reply(kind=ReplyKind.FACT_CHECK, text="t", claim=c, match=Candidate(c.id, 0.9, c.claim), **kwargs)


def payloads(reply: Reply) -> list[dict]:
    return [
        {
            "content": out.content,
            "embeds": [e.to_dict() for e in out.embeds],
            "allowed_mentions": {"parse": []},
            "flags": 4 if out.suppress_embeds else 0,
        }
        for out in render(reply)
    ]


def test_every_verdict_has_its_own_colour():
    assert set(VERDICT_COLOURS) == set(Verdict)
    assert len(set(VERDICT_COLOURS.values())) == len(Verdict)


def test_a_fact_check_shows_two_excerpts_and_says_where_the_rest_is():
    [payload] = payloads(fact_check(claim(evidence=5)))
    fields = payload["embeds"][0]["fields"]
    assert [f["name"] for f in fields] == ["1816-06 · Archive"] * 2 + ["The full record"]
    assert "[Log](https://example.org/log) (cuts against the claim)" in fields[0]["value"]
    assert "All 5 excerpts" in fields[2]["value"] and "/claim show id:sea-boiled" in fields[2]["value"]


def test_links_that_could_break_out_of_markdown_are_not_linked():
    [payload] = payloads(fact_check(claim(url="javascript:alert(1)")))
    assert "javascript" not in str(payload) and "Log" in payload["embeds"][0]["fields"][0]["value"]
    [payload] = payloads(fact_check(claim(url="https://en.wikipedia.org/wiki/Foo_(bar)")))
    assert "(https://en.wikipedia.org/wiki/Foo_%28bar%29)" in payload["embeds"][0]["fields"][0]["value"]


def test_huge_catalogue_entries_are_cut_cleanly_within_every_limit():
    reply = fact_check(claim(HUGE, evidence=50, excerpt=HUGE, summary=HUGE, title=HUGE))
    for payload in payloads(reply):
        assert payload_problems(payload) == []
    [embed] = payloads(reply)[0]["embeds"]
    assert embed["title"].endswith("\u2026\u201d") and embed["description"].endswith("\u2026")


def test_a_claim_shown_in_full_is_spread_over_messages_within_the_total_limit():
    reply = Reply(kind=ReplyKind.CLAIM, text="Claim `sea-boiled` (v3): False", claim=claim(evidence=50, excerpt=HUGE))
    pages = payloads(reply)
    assert 1 < len(pages) <= MAX_PAGES
    assert all(payload_problems(p) == [] for p in pages)
    assert pages[0]["content"] == "Claim `sea-boiled` (v3): False" and pages[1]["content"] is None
    assert "not shown" in pages[-1]["embeds"][-1]["footer"]["text"]


def test_long_core_text_moves_into_an_embed_and_links_never_preview():
    [long] = payloads(Reply(kind=ReplyKind.INFO, text="x " * 1500))
    assert long["content"] is None and payload_problems(long) == []
    [short] = payloads(Reply(kind=ReplyKind.ERROR, text="see https://e.vil", ephemeral=True))
    assert short["content"] == "see <https://e.vil>" and short["flags"] == 4


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(min_size=1, max_size=600),
    excerpt=st.text(min_size=1, max_size=1200),
    count=st.integers(min_value=0, max_value=12),
    kind=st.sampled_from([ReplyKind.FACT_CHECK, ReplyKind.CLAIM, ReplyKind.NO_MATCH, ReplyKind.SEARCH_RESULTS]),
)
def test_any_reply_fits_discord(text, excerpt, count, kind):
    c = claim(text, evidence=count, excerpt=excerpt, summary=text, title=text)
    reply = Reply(
        kind=kind,
        text=text,
        claim=c,
        candidates=((c, 0.5),) * 3,
        query=text,
        actions=(ReplyAction.REPORT,),
        match=Candidate(c.id, 0.5, text),
    )
    for payload in payloads(reply):
        assert payload_problems(payload) == []


def _record(*stances: Stance, **evidence_fields) -> Claim:
    items = tuple(
        Evidence(f"Doc {i}", "1990", "Archive", f"https://example.org/{i}", f"Excerpt {i}.", stance, **evidence_fields)
        for i, stance in enumerate(stances)
    )
    return Claim("c", "NATO promised.", Verdict.DISPUTED, "Summary.", items, brief="Both sides.")


def test_a_contested_claim_shows_the_strongest_excerpt_of_each_side_first():
    [payload] = payloads(fact_check(_record(Stance.SUPPORTS, Stance.SUPPORTS, Stance.SUPPORTS, Stance.CONTRADICTS)))
    values = [f["value"] for f in payload["embeds"][0]["fields"]]
    assert "Excerpt 0." in values[0] and "(supports the claim)" in values[0]
    assert "Excerpt 3." in values[1] and "(cuts against the claim)" in values[1]


def test_users_never_see_scores_or_the_matched_alias_but_moderators_get_a_reference():
    record = _record(Stance.SUPPORTS, Stance.CONTRADICTS)
    reply = Reply(
        kind=ReplyKind.FACT_CHECK,
        text="t",
        claim=record,
        match=Candidate("c", 0.8731, "SECRET ALIAS TEXT"),
        candidates=((claim(), 0.4567),),
        reply_id="r1",
    )
    text = str(payloads(reply))
    assert "SECRET ALIAS" not in text and "0.87" not in text and "0.46" not in text
    assert payloads(reply)[0]["embeds"][0]["footer"]["text"] == "c · ref r1"
    no_match = Reply(kind=ReplyKind.NO_MATCH, text="No known claim matched.", candidates=((record, 0.3141),))
    assert "0.31" not in str(payloads(no_match))


def test_a_translation_is_shown_labelled_and_the_original_is_in_the_full_record():
    german = _record(
        Stance.CONTRADICTS, lang="de", translation="English words.", translation_by="the source itself", note="A relay."
    )
    [payload] = payloads(fact_check(german))
    value = payload["embeds"][0]["fields"][0]["value"]
    assert value.startswith("“English words.”")
    assert "*English translation by the source itself; original in German*" in value and "Note: A relay." in value
    [page] = payloads(Reply(kind=ReplyKind.CLAIM, text="Claim `c`", claim=german))
    fields = page["embeds"][0]["fields"]
    assert fields[0]["value"] == "“Excerpt 0.”"
    assert fields[1]["name"] == "English translation by the source itself"
    assert fields[1]["value"].startswith("“English words.”\nNote: A relay.\n— [Doc 0]")


def test_a_fact_check_is_chat_sized_whatever_the_catalogue_holds():
    huge = "word " * 400
    items = tuple(
        Evidence(huge[:300], "1990-02-09", huge[:300], "https://example.org/x", huge[:1000], s, "de", huge, huge, huge)
        for s in (Stance.SUPPORTS, Stance.CONTRADICTS, Stance.CONTEXT)
    )
    biggest = Claim("c" * 80, huge[:500], Verdict.DISPUTED, huge[:700], items, brief=huge[:300])
    reply = dataclasses.replace(fact_check(biggest), candidates=((claim(HUGE), 0.5),) * 3, reply_id="r" * 16)
    [out] = render(reply)
    assert visible_size(out.embeds[0]) <= CHAT_BUDGET


@pytest.mark.parametrize("shipped", load_claims(PROJECT_ROOT / "claims"), ids=lambda c: c.id)
def test_every_shipped_claim_answers_unprompted_in_a_chat_sized_embed(shipped):
    reply = Reply(
        kind=ReplyKind.FACT_CHECK,
        text="t",
        claim=shipped,
        unprompted=True,
        reply_id="0123456789abcdef",
        actions=(ReplyAction.HELPFUL, ReplyAction.SHOW_ALL_EVIDENCE),
    )
    [out] = render(reply)
    assert visible_size(out.embeds[0]) <= CHAT_BUDGET
    assert payload_problems(payloads(reply)[0]) == []
