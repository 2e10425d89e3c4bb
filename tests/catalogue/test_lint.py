"""Catalogue lint: near-duplicates across claims (but not mirrors), missing languages, stale reviews."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.catalogue.lint import lint
from bot.catalogue.loader import load_directory, load_text
from tests.conftest import FIXTURE_CLAIMS

TODAY = dt.date(2026, 11, 28)


def entry(text: str, name: str):
    claims, problems = load_text(text, name)
    assert not problems
    return claims[0]


def claim_yaml(claim_id: str, claim: str, aliases: str = "", reviewed: str = "2026-11-01") -> str:
    """A claim that lint has nothing to say about, unless the test's own text gives it something."""
    english = "".join(f"  - {claim_id * 5} wording number {n}\n" for n in range(5))
    return (
        f"id: {claim_id}\nclaim: {claim}\nverdict: disputed\nsummary: s\nbrief: b\nreviewed: {reviewed}\n"
        f"aliases:\n{aliases or english}"
        + "".join(f"  - {{text: '{claim_id * 4} {lang}', lang: {lang}}}\n" for lang in ("es", "de", "fr", "ru"))
        + "evidence:\n"
        + "  - {title: t, date: '1990', source: s, url: 'https://www.nato.int/x', excerpt: e, stance: supports}\n"
        + "  - {title: t, date: '1990', source: s, url: 'https://www.nato.int/y', excerpt: f, stance: contradicts}\n"
    )


def test_near_duplicate_alias_of_another_claim_is_reported_with_its_line():
    first = entry(claim_yaml("a", "The alliance promised Moscow no expansion"), "a.yaml")
    aliases = "  - the alliance promised moscow no expansion!\n" + "".join(f"  - other words {n}\n" for n in range(4))
    second = entry(claim_yaml("b", "Something else entirely", aliases), "b.yaml")
    warnings = [str(w) for w in lint([first, second], today=TODAY)]
    assert warnings == [
        "b.yaml:8: aliases[0]: near-duplicate (100%) of a claim \u201cThe alliance promised Moscow "
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
    assert not any(w.message.startswith("no alias in") for w in warnings)


def _warnings(*texts: str) -> list[str]:
    entries = [entry(t, f"{chr(97 + i)}.yaml") for i, t in enumerate(texts)]
    return [f"{w.field}: {w.message}" for w in lint(entries, today=TODAY)]


BASE = claim_yaml("a", "The alliance promised Moscow no expansion")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("stance: contradicts", "stance: supports", "evidence: every excerpt supports the claim"),
        ("stance: contradicts", "stance: context", "evidence: the verdict is disputed but no excerpt is on the other"),
        ("stance: contradicts}", "stance: supports, pinned: true}", "evidence: every excerpt supports"),
        (
            "excerpt: e, stance: supports}",
            "excerpt: e, stance: supports, pinned: true}",
            "evidence: the record cuts both ways but the pinned excerpts",
        ),
        ("summary: s", "summary: You repeat a myth that was debunked", "summary: debunked, myth, you:"),
        ("brief: b\n", "", "brief: missing"),
        ("  - aaaaa wording number 4\n", "", "aliases: 4 in English; give at least 5"),
        ("url: 'https://www.nato.int/x'", "url: 'https://someblog.example/x'", "evidence[0].url: someblog.example is"),
        (
            "excerpt: e, stance: supports",
            "excerpt: e, lang: de, stance: supports",
            "evidence[0].translation: the excerpt is in German: give an English translation",
        ),
        (
            "excerpt: e,",
            "excerpt: 'Die NATO wird sich nicht nach Osten ausdehnen, und das ist nicht verhandelbar.',",
            "evidence[0].lang: the excerpt looks German",
        ),
        ("excerpt: e,", f"excerpt: '{'word ' * 80}',", "evidence[0].excerpt: leads chat-sized replies but is 399"),
    ],
)
def test_lint_warns_about_what_the_readme_promises(old, new, expected):
    assert old in BASE
    found = _warnings(BASE.replace(old, new, 1))
    assert any(w.startswith(expected) for w in found), found


def test_mirror_pairs_must_name_each_other_and_agree_on_the_verdict():
    left = claim_yaml("a", "NATO promised not to expand eastward") + "mirror: b\nrelated: [b]\n"
    right = claim_yaml("b", "NATO never promised not to expand eastward") + "mirror: a\nrelated: [a]\n"
    assert _warnings(left, right) == []
    false_right = right.replace("verdict: disputed", "verdict: false")
    assert _warnings(left, false_right) == [
        "verdict: disputed here but false on the mirror b; a mirror's verdict should be "
        "disputed or misleading or needs-context or unsupported",
        "verdict: false here but disputed on the mirror a; a mirror's verdict should be accurate",
    ]
    one_way = right.replace("mirror: a\n", "")
    assert _warnings(left, one_way) == ["mirror: b does not name a as its mirror"]
    assert _warnings(left.replace("mirror: b", "mirror: zz")) == ["mirror: unknown claim id 'zz'"]
