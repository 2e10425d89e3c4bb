"""The shipped catalogue: complete, two-sided, quoting only verified dossier excerpts word for word, lint-clean."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.catalogue.dossier import load_dossier, source_problems
from bot.catalogue.lint import lint
from bot.catalogue.loader import load_directory, missing_required
from bot.domain.evidence import is_two_sided, lead_indexes
from bot.domain.models import Stance, Verdict

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_DIR = ROOT / "claims"
SHARED = Path(os.environ.get("FACTBOT_SHARED_DIR", ROOT.parent / "shared"))
DOSSIER = SHARED / "sources" / "nato-dossier.yaml"
REQUIRED = SHARED / "catalogue" / "required-claims.yaml"
# The required ids as of the dossier revision of 2026-12-05, so the test holds where ../shared is absent.
REQUIRED_IDS = {
    "nato-promised-no-expansion",
    "nato-never-promised",
    "baker-not-one-inch",
    "gorbachev-denied-promise",
    "assurances-only-about-east-germany",
    "treaty-bans-expansion",
    "no-written-commitment",
    "two-plus-four-east-germany",
    "open-door-in-1949-treaty",
    "russia-accepted-right-to-choose-alliances",
    "documents-declassified-2017",
    "uk-1991-document-elbe",
    "yeltsin-told-pfp-not-expansion",
    "yeltsin-no-objection-poland",
    "founding-act-no-permanent-forces",
    "gates-led-to-believe",
    "major-assured-gorbachev-1991",
    "genscher-poland-assurance-1990",
    "germany-in-nato-traded-for-pledge",
    "osce-indivisible-security-bans-enlargement",
    "founding-act-russia-accepted-enlargement",
    "us-refused-written-guarantee-2022",
}
# The claims people repeat most get Ukrainian and Polish aliases too.
MOST_REPEATED = (
    "nato-promised-no-expansion",
    "nato-never-promised",
    "baker-not-one-inch",
    "treaty-bans-expansion",
    "no-written-commitment",
)
MIRRORS = (("nato-promised-no-expansion", "nato-never-promised"), ("treaty-bans-expansion", "no-written-commitment"))
ENTRIES = load_directory(CLAIMS_DIR)
BY_ID = {e.claim.id: e.claim for e in ENTRIES}
needs_shared = pytest.mark.skipif(not DOSSIER.exists(), reason="../shared/sources/nato-dossier.yaml is not present")


def test_required_ids_present():
    assert set(BY_ID) >= REQUIRED_IDS


def test_required_ids_match_shared_list_when_present():
    if not REQUIRED.exists():
        pytest.skip("../shared/catalogue/required-claims.yaml is not present")
    assert {entry["id"] for entry in yaml.safe_load(REQUIRED.read_text())} == REQUIRED_IDS
    assert missing_required(ENTRIES, REQUIRED) == []


@pytest.mark.parametrize("claim_id", sorted(REQUIRED_IDS))
def test_claim_has_two_evidence_items_a_brief_and_aliases_in_five_languages(claim_id):
    claim = BY_ID[claim_id]
    assert len(claim.evidence) >= 2
    languages = Counter(alias.lang for alias in claim.aliases)
    assert languages["en"] >= 5
    for lang in ("es", "de", "fr", "ru"):
        assert languages[lang] >= 1, f"{claim_id} has no {lang} alias"
    assert claim.reviewed is not None and claim.brief
    assert claim.tags and claim.related


@pytest.mark.parametrize("claim_id", MOST_REPEATED)
def test_the_most_repeated_claims_have_ukrainian_and_polish_aliases(claim_id):
    languages = {alias.lang for alias in BY_ID[claim_id].aliases}
    assert {"uk", "pl"} <= languages


@pytest.mark.parametrize("claim_id", sorted(REQUIRED_IDS))
def test_a_claim_with_a_two_sided_record_leads_with_both_sides(claim_id):
    claim = BY_ID[claim_id]
    stances = {e.stance for e in claim.evidence}
    assert stances - {Stance.SUPPORTS}, f"{claim_id} only has supporting evidence"
    if claim.verdict in {Verdict.DISPUTED, Verdict.NEEDS_CONTEXT, Verdict.MISLEADING} and is_two_sided(claim):
        assert {claim.evidence[i].stance for i in lead_indexes(claim)} == {Stance.SUPPORTS, Stance.CONTRADICTS}


def test_disputed_claims_quote_both_sides():
    for claim in BY_ID.values():
        if claim.verdict is Verdict.DISPUTED:
            assert is_two_sided(claim), claim.id


def test_mirror_claims_point_at_each_other():
    for left, right in MIRRORS:
        assert BY_ID[left].mirror == right and BY_ID[right].mirror == left
        assert right in BY_ID[left].related and left in BY_ID[right].related


def test_every_non_english_excerpt_is_shown_with_an_english_translation():
    for claim in BY_ID.values():
        for evidence in claim.evidence:
            assert (evidence.lang == "en") == (evidence.translation is None), (claim.id, evidence.excerpt[:60])


@needs_shared
def test_every_excerpt_is_a_verbatim_part_of_a_verified_dossier_excerpt_under_its_own_entry():
    assert [str(p) for p in source_problems(ENTRIES, load_dossier(DOSSIER))] == []


@needs_shared
def test_the_source_check_catches_a_paraphrase_and_a_borrowed_title():
    dossier = load_dossier(DOSSIER)
    baker = next(e for e in ENTRIES if e.claim.id == "baker-not-one-inch")
    first = baker.claim.evidence[0]
    reworded = first.__class__(**{**_fields(first), "excerpt": "NATO will never move even one inch to the east"})
    other_title = first.__class__(**{**_fields(first), "title": "Letter from James Baker to Helmut Kohl"})
    for broken in (reworded, other_title):
        claim = baker.claim.__class__(**{**_fields(baker.claim), "evidence": (broken,)})
        assert source_problems([baker.__class__(claim, baker.file, baker.line)], dossier) != []


def _fields(value: object) -> dict:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}  # type: ignore[attr-defined]


@needs_shared
def test_shipped_catalogue_passes_lint_with_the_dossier_without_warnings():
    warnings = lint(ENTRIES, today=dt.date(2026, 12, 5), dossier=load_dossier(DOSSIER))
    assert [str(w) for w in warnings] == []


def test_shipped_catalogue_passes_lint_without_the_dossier():
    assert [str(w) for w in lint(ENTRIES, today=dt.date(2026, 12, 5))] == []
