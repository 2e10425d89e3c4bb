"""Embeds: a colour per verdict, the excerpts and their links, and Discord's limits whatever the catalogue holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord.render import MAX_PAGES, VERDICT_COLOURS, render
from bot.core.models import Candidate, Claim, Evidence, Reply, ReplyAction, ReplyKind, Stance, Verdict
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


def test_a_fact_check_shows_three_excerpts_and_says_where_the_rest_is():
    [payload] = payloads(fact_check(claim(evidence=5)))
    fields = payload["embeds"][0]["fields"]
    assert [f["name"] for f in fields] == ["1816-06 · Archive"] * 3 + ["More from the record"]
    assert "[Log](https://example.org/log) (cuts against the claim)" in fields[0]["value"]
    assert "2 more excerpts" in fields[3]["value"] and "/claim show id:sea-boiled" in fields[3]["value"]


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
