"""The benchmarks' ranking metrics: the figures in benchmarks/README.md are only as right as these."""

from __future__ import annotations

from benchmarks.common import (
    ClefClaim,
    as_groups,
    average_precision,
    duplicate_groups,
    reciprocal_rank,
    success_at,
)


def test_average_precision_is_truncated_at_five_and_divided_by_the_relevant_claims() -> None:
    assert average_precision(["a", "b"], frozenset({"a"})) == 1.0
    assert average_precision(["x", "a"], frozenset({"a"})) == 0.5
    assert average_precision(["x", "x2", "x3", "x4", "x5", "a"], frozenset({"a"})) == 0.0
    assert average_precision(["a", "x", "b"], frozenset({"a", "b"})) == (1 + 2 / 3) / 2


def test_reciprocal_rank_and_success_at_one() -> None:
    assert reciprocal_rank(["x", "y", "a"], frozenset({"a"})) == 1 / 3
    assert success_at(["x", "a"], frozenset({"a"})) == 0.0
    assert success_at(["a", "x"], frozenset({"a"})) == 1.0


def test_claims_with_the_same_normalised_text_form_one_group() -> None:
    claims = [
        ClefClaim("1", "Vaccines contain microchips.", ""),
        ClefClaim("2", "vaccines   contain MICROCHIPS", "another title"),
        ClefClaim("3", "Vaccines contain no microchips.", ""),
    ]
    assert duplicate_groups(claims) == {"1": "1", "2": "1", "3": "3"}


def test_a_twin_of_the_gold_claim_counts_and_later_twins_leave_room_for_others() -> None:
    groups = {"1": "1", "2": "1", "3": "3", "4": "4"}
    assert as_groups(["2", "1", "3", "4"], groups) == ["1", "3", "4"]
    ranked = as_groups(["2", "3"], groups)
    assert success_at(ranked, frozenset(groups[g] for g in {"1"})) == 1.0
