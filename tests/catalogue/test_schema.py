"""Field rules shared by the loader and moderator commands, and the round trip to plain data."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalogue.schema import (
    FieldError,
    InvalidClaim,
    check_date,
    check_url,
    check_verdict,
    claim_to_dict,
    parse_claim,
)
from bot.domain.models import Verdict


def test_unquoted_false_verdict_from_yaml_means_the_verdict_false():
    assert check_verdict(False) is Verdict.FALSE
    with pytest.raises(FieldError):
        check_verdict(True)


def test_invalid_verdict_lists_the_valid_ones():
    with pytest.raises(FieldError) as caught:
        check_verdict("wrongish")
    assert "accurate, mostly-accurate, needs-context, misleading, disputed, mostly-false, false, unsupported" in str(
        caught.value
    )


@pytest.mark.parametrize("value", ["1990", "1990-02", "1990-02-09", dt.date(1990, 2, 9), 1990])
def test_partial_dates_are_accepted(value):
    assert check_date(value).startswith("1990")


@pytest.mark.parametrize("value", ["1990-2-9", "09.02.1990", "1990-02-30", "", None])
def test_bad_dates_are_rejected(value):
    with pytest.raises(FieldError):
        check_date(value)


@pytest.mark.parametrize(
    "url",
    [
        "http://x.org",
        "javascript:alert(1)",
        "https://",
        "https://x.org/a b",
        "https://x.org/<script>",
        "https://localhost/x",
        "https://a:b@x.org",
    ],
)
def test_unsafe_links_are_rejected(url):
    with pytest.raises(FieldError):
        check_url(url)


def test_control_characters_are_rejected_in_text():
    data = {
        "id": "a",
        "claim": "bell\x07",
        "verdict": "false",
        "summary": "s",
        "evidence": [
            {"title": "t", "date": "1990", "source": "s", "url": "https://x.org", "excerpt": "e", "stance": "context"}
        ],
    }
    with pytest.raises(InvalidClaim, match="control character"):
        parse_claim(data)


def test_repeated_aliases_are_rejected():
    data = {
        "id": "a",
        "claim": "Same text",
        "verdict": "false",
        "summary": "s",
        "aliases": ["same TEXT"],
        "evidence": [
            {"title": "t", "date": "1990", "source": "s", "url": "https://x.org", "excerpt": "e", "stance": "context"}
        ],
    }
    with pytest.raises(InvalidClaim, match="repeats"):
        parse_claim(data)


def test_fixture_claims_round_trip_through_plain_data(fixture_claims):
    for claim in fixture_claims:
        assert parse_claim(claim_to_dict(claim)) == claim


text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=80).filter(str.strip)


@given(claim_text=text, summary=text, alias=text, excerpt=text)
def test_any_valid_claim_round_trips(claim_text, summary, alias, excerpt):
    data = {
        "id": "x-1",
        "claim": claim_text,
        "verdict": "disputed",
        "summary": summary,
        "aliases": [{"text": alias, "lang": "de"}],
        "evidence": [
            {
                "title": "t",
                "date": "2001-01",
                "source": "s",
                "url": "https://x.org/p",
                "excerpt": excerpt,
                "stance": "supports",
            }
        ],
    }
    try:
        claim = parse_claim(data)
    except InvalidClaim as exc:
        assert all(p.path.startswith("aliases") for p in exc.problems)  # an alias equal to the claim text
        return
    assert parse_claim(claim_to_dict(claim)) == claim
