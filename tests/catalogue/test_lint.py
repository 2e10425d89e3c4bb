"""Catalogue lint: near-duplicates across claims (but not mirrors), missing languages, stale reviews."""

from __future__ import annotations

import datetime as dt

from bot.catalogue.lint import lint
from bot.catalogue.loader import load_directory, load_text
from tests.conftest import FIXTURE_CLAIMS

TODAY = dt.date(2026, 11, 28)


def entry(text: str, name: str):
    claims, problems = load_text(text, name)
    assert not problems
    return claims[0]


def claim_yaml(claim_id: str, claim: str, aliases: str = "", reviewed: str = "2026-11-01") -> str:
    return (
        f"id: {claim_id}\nclaim: {claim}\nverdict: disputed\nsummary: s\nreviewed: {reviewed}\n"
        f"aliases:\n{aliases or '  - ' + claim_id * 5 + ' wording'}\n"
        + "".join(f"  - {{text: '{claim_id * 4} {lang}', lang: {lang}}}\n" for lang in ("es", "de", "fr", "ru"))
        + "evidence:\n  - {title: t, date: '1990', source: s, url: 'https://x.org', excerpt: e, stance: context}\n"
    )


def test_near_duplicate_alias_of_another_claim_is_reported_with_its_line():
    first = entry(claim_yaml("a", "The alliance promised Moscow no expansion"), "a.yaml")
    second = entry(
        claim_yaml("b", "Something else entirely", "  - other words\n  - the alliance promised moscow no expansion!\n"),
        "b.yaml",
    )
    warnings = [str(w) for w in lint([first, second], today=TODAY)]
    assert warnings == [
        "b.yaml:8: aliases[1]: near-duplicate (100%) of a claim \u201cThe alliance promised Moscow "
        "no expansion\u201d; reword one so the matcher can tell them apart"
    ]


def test_mirror_claims_differing_in_negation_are_not_duplicates():
    first = entry(claim_yaml("a", "NATO promised not to expand eastward"), "a.yaml")
    second = entry(claim_yaml("b", "NATO never promised not to expand eastward"), "b.yaml")
    assert lint([first, second], today=TODAY) == []


def test_missing_languages_and_stale_or_missing_reviews_are_reported():
    warnings = [str(w) for w in lint(load_directory(FIXTURE_CLAIMS), today=dt.date(2028, 1, 1))]
    text = "\n".join(warnings)
    assert "moon-landing-real.yaml:6: aliases: no alias in es, de, fr, ru" in text
    assert "moon-landing-staged.yaml:25: reviewed: 2026-11-27 is over a year ago" in text
    assert "vaccines-microchips.yaml:2: reviewed: missing" in text


def test_languages_to_require_are_configurable():
    warnings = lint(load_directory(FIXTURE_CLAIMS), today=TODAY, languages=["en"])
    assert not any(w.field == "aliases" for w in warnings)
