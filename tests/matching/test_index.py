"""The BM25 index: textbook behaviour on tiny corpora."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bot.matching.index import Bm25Index

DOCS = [
    ["nato", "promis", "expand"],
    ["nato", "never", "promis", "expand"],
    ["moon", "land", "stage"],
    ["nato", "nato", "treati"],
    [],
]


@pytest.fixture(scope="module")
def index() -> Bm25Index:
    return Bm25Index(DOCS)


def test_idf_is_higher_for_rarer_terms(index: Bm25Index) -> None:
    assert index.idf_of("moon") > index.idf_of("promis") > index.idf_of("nato")
    assert index.idf_of("never-seen") == index.max_idf
    assert math.isclose(index.idf_of("moon"), math.log1p((5 - 1 + 0.5) / (1 + 0.5)), rel_tol=1e-6)


def test_scores_every_document_and_only_matching_ones_are_positive(index: Bm25Index) -> None:
    scores = index.score(["moon", "stage"])
    assert scores is not None
    assert scores.bm25.shape == (5,)
    assert np.flatnonzero(scores.bm25).tolist() == [2]
    assert scores.docs.tolist() == [2]


@pytest.mark.parametrize("query", [["nato"], ["nato", "moon"], ["promis", "never", "nato", "nato"], ["treati", "x"]])
def test_the_scoring_documents_are_exactly_those_with_a_positive_score(index: Bm25Index, query: list[str]) -> None:
    # The matcher keys only these documents instead of scanning every score: none may be missing or extra.
    scores = index.score(query)
    assert scores is not None
    assert scores.docs.tolist() == np.flatnonzero(scores.bm25 > 0).tolist() == np.flatnonzero(scores.bm25).tolist()


def test_unknown_terms_give_none(index: Bm25Index) -> None:
    assert index.score(["zebra", "xylophone"]) is None
    assert index.score([]) is None


def test_repeated_query_terms_count_more_but_saturate(index: Bm25Index) -> None:
    once, twice, often = index.score(["never"]), index.score(["never", "never"]), index.score(["never"] * 50)
    assert once is not None and twice is not None and often is not None
    assert np.allclose(twice.bm25, once.bm25 * 4 / 3)  # k3 = 1: twice weighs 2 x 2 / 3
    assert once.bm25[1] < often.bm25[1] < 2 * once.bm25[1]


def test_shorter_documents_win_ties_and_term_frequency_saturates(index: Bm25Index) -> None:
    scores = index.score(["promis", "expand"])
    assert scores is not None
    assert scores.bm25[0] > scores.bm25[1] > 0  # same terms, the shorter document first
    nato = index.score(["nato"])
    assert nato is not None
    assert nato.bm25[3] > nato.bm25[0]  # twice as often: more, but less than twice
    assert nato.bm25[3] < 2 * nato.bm25[0]


def test_empty_index() -> None:
    empty = Bm25Index([])
    assert empty.size == 0
    assert empty.score(["nato"]) is None


def test_the_scoring_documents_are_those_holding_a_query_term_even_for_a_word_every_document_has() -> None:
    # They are read off the scores being above 0: a word in all of 100,000 documents has the smallest IDF there
    # is, and it must still score above 0 in each of them.
    docs = [["common", f"w{i % 997}", *(["long"] * (i % 50))] for i in range(100_000)]
    index = Bm25Index(docs)
    for query in (["common"], ["w3", "long"], ["w5", "w5", "nowhere"]):
        scores = index.score(query)
        assert scores is not None
        holding = [i for i, doc in enumerate(docs) if not set(query).isdisjoint(doc)]
        assert scores.docs.tolist() == holding
