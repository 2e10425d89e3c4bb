"""The shipped catalogue: valid, complete, and quoting only verified dossier excerpts word for word."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.catalogue.loader import load_claims
from bot.core.models import Stance

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_DIR = ROOT / "claims"
SHARED = Path(os.environ.get("FACTBOT_SHARED_DIR", ROOT.parent / "shared"))
DOSSIER = SHARED / "sources" / "nato-dossier.yaml"
ELLIPSIS = "\u2026"
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
}
CLAIMS = load_claims(CLAIMS_DIR)
BY_ID = {c.id: c for c in CLAIMS}


def test_required_ids_present():
    assert set(BY_ID) >= REQUIRED_IDS


def test_required_ids_match_shared_list_when_present():
    path = SHARED / "catalogue" / "required-claims.yaml"
    if not path.exists():
        pytest.skip("../shared/catalogue/required-claims.yaml is not present")
    assert {entry["id"] for entry in yaml.safe_load(path.read_text())} == REQUIRED_IDS


@pytest.mark.parametrize("claim_id", sorted(REQUIRED_IDS))
def test_claim_has_two_evidence_items_and_aliases_in_five_languages(claim_id):
    claim = BY_ID[claim_id]
    assert len(claim.evidence) >= 2
    languages = Counter(alias.lang for alias in claim.aliases)
    assert languages["en"] >= 5
    for lang in ("es", "de", "fr", "ru"):
        assert languages[lang] >= 1, f"{claim_id} has no {lang} alias"
    assert claim.reviewed is not None
    assert claim.tags and claim.related


@pytest.mark.parametrize("claim_id", sorted(REQUIRED_IDS))
def test_claim_with_two_sided_record_shows_both_sides(claim_id):
    stances = {e.stance for e in BY_ID[claim_id].evidence}
    # Every claim must carry something beyond evidence for its own reading.
    assert stances - {Stance.SUPPORTS}, f"{claim_id} only has supporting evidence"


def test_mirror_claims_point_at_each_other():
    for left, right in (
        ("nato-promised-no-expansion", "nato-never-promised"),
        ("treaty-bans-expansion", "no-written-commitment"),
    ):
        assert right in BY_ID[left].related and left in BY_ID[right].related


def _verified_excerpts():
    documents = yaml.safe_load(DOSSIER.read_text(encoding="utf-8"))["documents"]
    for document in documents:
        for excerpt in document.get("excerpts", []):
            yield document, excerpt


def _core(text: str) -> tuple[str, bool, bool]:
    starts_cut = text.startswith(ELLIPSIS)
    ends_cut = text.endswith(ELLIPSIS)
    return text.strip(ELLIPSIS).strip(), starts_cut, ends_cut


def _allowed_urls(document: dict, excerpt: dict) -> set[str]:
    urls = {document.get("url") or ""}
    urls |= {u.replace("http://", "https://", 1) for u in urls}
    if not document.get("url"):
        # No primary URL: the pages the dossier lists for this excerpt are the best public ones.
        urls |= {u.strip() for u in str(excerpt.get("seen_at", "")).split(" ; ")}
    return {u for u in urls if u}


@pytest.mark.skipif(not DOSSIER.exists(), reason="../shared/sources/nato-dossier.yaml is not present")
@pytest.mark.parametrize("claim_id", sorted(BY_ID))
def test_every_excerpt_is_a_verbatim_part_of_a_verified_dossier_excerpt(claim_id):
    sources = list(_verified_excerpts())
    for number, evidence in enumerate(BY_ID[claim_id].evidence):
        core, starts_cut, ends_cut = _core(evidence.excerpt)
        where = f"{claim_id} evidence[{number}]"
        found = [(doc, ex) for doc, ex in sources if core in ex["text"]]
        assert found, f"{where}: excerpt is not in the dossier"
        verified = [(doc, ex) for doc, ex in found if ex.get("verified") is True]
        assert verified, f"{where}: quotes an excerpt that is not marked verified"
        matches = [
            (doc, ex)
            for doc, ex in verified
            if (ex["text"].strip().startswith(core) or starts_cut) and (ex["text"].strip().endswith(core) or ends_cut)
        ]
        assert matches, f"{where}: a shortened excerpt must show the cut with an ellipsis"
        assert any(
            doc["title"] == evidence.title
            and doc["source"] == evidence.source
            and evidence.url in _allowed_urls(doc, ex)
            for doc, ex in matches
        ), f"{where}: title, source and url must come from the dossier entry (primary url)"
        assert any(
            str(doc["date"]).startswith(evidence.date[:4]) or evidence.date[:4] in str(doc["date"])
            for doc, _ in matches
        ), f"{where}: date does not match the dossier entry"


def test_excerpts_check_catches_a_paraphrase():
    """The verbatim check must be able to fail: a reworded quote is not found in the dossier."""
    if not DOSSIER.exists():
        pytest.skip("dossier not present")
    texts = [ex["text"] for _, ex in _verified_excerpts()]
    assert not any("NATO will never move even one inch to the east" in t for t in texts)


def test_shipped_catalogue_passes_lint_without_warnings():
    import datetime as dt

    from bot.catalogue.lint import lint
    from bot.catalogue.loader import load_directory

    assert [str(w) for w in lint(load_directory(CLAIMS_DIR), today=dt.date(2026, 11, 27))] == []
