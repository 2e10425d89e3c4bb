"""Anchors: the names and numbers a claim is about, worked out from how the catalogue writes its words."""

from __future__ import annotations

from bot.matching.anchors import anchor_sets
from bot.matching.text import analyse


def anchors(*claims: tuple[tuple[str, str], ...]) -> list[tuple[str, ...]]:
    return anchor_sets([[(text, analyse(text, lang)) for text, lang in claim] for claim in claims])


def test_names_in_capitals_mid_sentence_and_numbers_are_anchors_and_ordinary_words_are_not() -> None:
    [found] = anchors((("Baker told Gorbachev in 1990 that NATO would not move east", "en"),))
    # "Baker" opens the sentence, where every word is capitalised: that says nothing about it.
    assert found == ("1990", "90", "gorbachev", "nato")
    [later] = anchors((("Yesterday Baker told Gorbachev", "en"),))
    assert later == ("baker", "gorbachev")


def test_a_year_also_counts_as_its_last_two_digits() -> None:
    [found] = anchors((("the treaty of 1997 is clear", "en"),))
    assert {"1997", "97"} <= set(found)


def test_a_word_is_a_name_only_when_the_catalogue_writes_it_as_one_more_often_than_not() -> None:
    # "East" is capitalised once ("East Germany") and written plainly twice: not a name anywhere.
    east, plain, other = anchors(
        (("they spoke of East Germany", "en"),),
        (("nato moved east", "en"),),
        (("troops went east again", "en"),),
    )
    assert not {"east"} & set(east + plain + other)
    assert "germani" in east  # stems, as the index has them


def test_a_name_counts_even_where_it_opens_a_sentence_when_another_phrasing_writes_it_mid_sentence() -> None:
    [found] = anchors((("Россия подписала документы", "ru"), ("документы подписала Россия", "ru")))
    [alone] = anchors((("Россия подписала документы", "ru"),))
    assert found and not alone


def test_claims_without_names_have_no_anchors() -> None:
    assert anchors((("they promised and broke it", "en"),)) == [()]
