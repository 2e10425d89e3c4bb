"""YAML export reads back unchanged; ClaimReview export carries the fields Google requires."""

from __future__ import annotations

import datetime as dt
import json

from bot.catalogue.export import claim_review_document, write_yaml_directory
from bot.catalogue.loader import load_claims


def test_yaml_export_writes_files_that_load_back_identically(fixture_claims, tmp_path):
    write_yaml_directory(fixture_claims, tmp_path / "out")
    assert sorted(load_claims(tmp_path / "out"), key=lambda c: c.id) == sorted(fixture_claims, key=lambda c: c.id)
    assert not list((tmp_path / "out").glob(".*.tmp")), "no temporary files left behind"


def test_claimreview_has_required_fields_for_active_claims_only(fixture_claims):
    document = claim_review_document(
        fixture_claims, base_url="https://factbot.example/claims", publisher="Org", published=dt.date(2026, 1, 1)
    )
    json.dumps(document)
    assert document["@context"] == "https://schema.org"
    reviews = document["@graph"]
    assert {r["url"] for r in reviews} == {
        "https://factbot.example/claims/moon-landing-staged",
        "https://factbot.example/claims/moon-landing-real",
        "https://factbot.example/claims/vaccines-contain-microchips",
    }
    staged = next(r for r in reviews if r["url"].endswith("moon-landing-staged"))
    assert staged["@type"] == "ClaimReview"
    assert staged["claimReviewed"] == "The 1969 Moon landing was staged in a film studio."
    assert staged["reviewRating"]["alternateName"] == "False"
    assert staged["reviewRating"]["ratingValue"] == 1 and staged["reviewRating"]["bestRating"] == 5
    assert staged["author"] == {"@type": "Organization", "name": "Org", "url": "https://factbot.example/claims"}
    assert staged["datePublished"] == "2026-11-27"
    assert staged["citation"][0]["url"] == "https://example.org/fixture/one"
