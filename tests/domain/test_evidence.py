"""The two-sided rule, translations and notes, and the chat-sized card: decided once in the core for every platform."""

from __future__ import annotations

import dataclasses

from bot.domain.evidence import (
    CHAT_BUDGET,
    brief_of,
    chat_card,
    has_more,
    is_two_sided,
    lead_indexes,
    ordered_indexes,
    shown_quote,
    source_line,
)
from bot.domain.models import Claim, Evidence, Stance, Verdict

S, C, X = Stance.SUPPORTS, Stance.CONTRADICTS, Stance.CONTEXT


def ev(name: str, stance: Stance, **kwargs) -> Evidence:
    return Evidence(name, "1990", "Archive", f"https://example.org/{name}", f"Excerpt {name}.", stance, **kwargs)


def claim(*evidence: Evidence, **kwargs) -> Claim:
    fields = {"summary": "First sentence. Second sentence.", "verdict": Verdict.DISPUTED} | kwargs
    return Claim(id="c", claim="NATO promised.", evidence=evidence, **fields)


def test_a_contested_claim_leads_with_the_first_excerpt_of_each_side_whatever_the_file_order():
    record = claim(ev("a", S), ev("b", S), ev("c", S), ev("d", C), ev("e", X))
    assert is_two_sided(record)
    assert lead_indexes(record) == (0, 3)
    assert ordered_indexes(record) == (0, 3, 1, 2, 4)


def test_the_denial_side_first_in_the_file_still_gives_supports_then_contradicts():
    record = claim(ev("a", C), ev("b", C), ev("c", S))
    assert lead_indexes(record) == (2, 0)


def test_context_leads_only_when_a_side_is_missing():
    assert lead_indexes(claim(ev("a", S), ev("b", X), ev("c", S))) == (0, 1)
    assert lead_indexes(claim(ev("a", C), ev("b", C), ev("c", X))) == (0, 2)
    assert lead_indexes(claim(ev("a", C), ev("b", C))) == (0, 1)
    assert not is_two_sided(claim(ev("a", C), ev("b", X)))


def test_pinned_excerpts_replace_the_automatic_choice_in_file_order():
    record = claim(ev("a", S), ev("b", S, pinned=True), ev("c", C), ev("d", S, pinned=True))
    assert lead_indexes(record) == (1, 3)
    assert ordered_indexes(record) == (1, 3, 0, 2)


def test_a_translated_excerpt_is_shown_in_english_and_says_whose_translation_it_is():
    german = ev("de", C, lang="de", translation="In English.", translation_by="dossier editor (unofficial)")
    quote = shown_quote(claim(german, ev("b", S)), 0)
    assert quote.text == "In English."
    assert quote.translation_label == "English translation by dossier editor (unofficial); original in German"
    assert quote.number == 1 and quote.stance_label == "cuts against the claim"
    untranslated = shown_quote(claim(ev("a", S)), 0)
    assert untranslated.text == "Excerpt a." and untranslated.translation_label is None


def test_the_brief_is_used_when_set_and_otherwise_the_summary_is_cut_after_a_whole_sentence():
    assert brief_of(claim(ev("a", S), brief="Both sides, briefly.")) == "Both sides, briefly."
    opening = "An opening sentence long enough to stand on its own as what a chat-sized reply says about the record."
    assert brief_of(claim(ev("a", S), summary=f"{opening} " + "Word " * 120)) == opening
    no_stop = "word " * 120
    cut = brief_of(claim(ev("a", S), summary=no_stop))
    assert cut.endswith("\u2026") and len(cut) <= 300


def test_has_more_when_excerpts_or_summary_are_left_out():
    assert not has_more(claim(ev("a", S), ev("b", C), summary="Short.", brief="Short."))
    assert has_more(claim(ev("a", S), ev("b", C), ev("c", C), summary="Short.", brief="Short."))
    assert has_more(claim(ev("a", S), ev("b", C), summary="Longer summary.", brief="Short."))


def test_source_line_never_doubles_a_full_stop():
    item = dataclasses.replace(ev("a", S), title="Vol. 45, p. 162 ff.", source="International Security.")
    assert source_line(item) == "Vol. 45, p. 162 ff., 1990. International Security."


def _card_size(card, overhead: int) -> int:
    parts = [card.text, card.brief]
    for q in card.quotes:
        parts += [q.text, q.title, q.source, q.note or "", q.translation_label or "", q.date, q.stance_label]
    return overhead + sum(map(len, parts)) + 12 * len(card.quotes)


def test_the_card_fits_the_budget_even_when_every_field_is_at_its_limit():
    huge = "word " * 400
    items = [
        Evidence(
            huge[:300],
            "1990-02-09",
            huge[:300],
            "https://example.org/x",
            huge[:1000],
            stance,
            "de",
            huge,
            huge,
            huge[:200],
        )
        for stance in (S, C, X)
    ]
    record = Claim("c", huge[:500], Verdict.DISPUTED, huge[:700], tuple(items), brief=huge[:300])
    card = chat_card(record, overhead=170)
    assert _card_size(card, 170) <= CHAT_BUDGET
    assert [q.number for q in card.quotes] == [1, 2]
    assert all(q.text.endswith("\u2026") for q in card.quotes), "cuts are marked"


def test_the_card_leaves_a_short_record_untouched():
    record = claim(ev("a", S, note="Quoted second-hand."), ev("b", C), brief="Both sides.", summary="Both sides.")
    card = chat_card(record, overhead=170)
    assert card.brief == "Both sides." and card.text == "NATO promised."
    assert [(q.text, q.note) for q in card.quotes] == [("Excerpt a.", "Quoted second-hand."), ("Excerpt b.", None)]
    assert not card.more


def test_the_summary_is_not_cut_at_an_abbreviation():
    summary = (
        "Declassified records show assurances in 1990 and 1991 by leaders of member states, among them U.S. "
        "Secretary of State James Baker and others, that NATO would not expand. " + "Further " * 60
    )
    brief = brief_of(claim(ev("a", S), summary=summary))
    assert brief.endswith("that NATO would not expand.") and "U.S. Secretary" in brief
