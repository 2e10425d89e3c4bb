"""Write the catalogue out: as YAML in the `claims/` format, or as schema.org ClaimReview JSON-LD."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from bot.catalogue.loader import load_file
from bot.catalogue.schema import check_url, claim_to_dict
from bot.domain.models import Claim, Verdict

# ClaimReview's numeric scale, 1 (worst) to 5 (best), published in every rating as bestRating/worstRating.
RATING_VALUES = {
    Verdict.ACCURATE: 5,
    Verdict.MOSTLY_ACCURATE: 4,
    Verdict.NEEDS_CONTEXT: 3,
    Verdict.DISPUTED: 3,
    Verdict.MISLEADING: 2,
    Verdict.MOSTLY_FALSE: 2,
    Verdict.FALSE: 1,
    Verdict.UNSUPPORTED: 1,
}


def claim_yaml(claim: Claim) -> str:
    """One claim as the text of a `claims/<id>.yaml` file."""
    return yaml.safe_dump(claim_to_dict(claim), allow_unicode=True, sort_keys=False, width=100)


def catalogue_yaml(claims: Sequence[Claim]) -> str:
    """Several claims as one YAML list, the bulk-import form."""
    return yaml.safe_dump([claim_to_dict(c) for c in claims], allow_unicode=True, sort_keys=False, width=100)


def _unchanged(target: Path, claim: Claim) -> bool:
    """Whether the file already holds exactly this claim (its comments and layout are then kept as they are)."""
    if target.is_symlink() or not target.is_file():
        return False
    claims, problems = load_file(target)
    return not problems and len(claims) == 1 and claims[0].claim == claim


class ExportRefused(Exception):
    """An export would replace files that hold something else; `--force` says that is intended."""


def atomic_write(target: Path, text: str) -> None:
    """Write a file through a temporary file and a rename: never half written, and a symlink at `target` is
    replaced by the file rather than followed to whatever it points at."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def check_replaceable(targets: Sequence[Path], *, force: bool) -> None:
    """Refuse to replace existing files (or links) unless forced, naming the first few."""
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        names = ", ".join(str(t) for t in existing[:3]) + (
            f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        )
        raise ExportRefused(f"would replace {names}; pass --force to replace them")


def write_yaml_directory(claims: Sequence[Claim], directory: Path, *, force: bool = True) -> list[Path]:
    """Write one file per changed claim, each atomically; a file that already holds its claim is left untouched.

    So exporting an unchanged catalogue changes no file: reviewers' comments and the file layout survive, and the
    diff of an export shows only the claims that were edited in chat. Without `force`, replacing a file that holds
    something else is refused before anything is written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    changed = [(c, directory / f"{c.id}.yaml") for c in claims if not _unchanged(directory / f"{c.id}.yaml", c)]
    check_replaceable([target for _, target in changed], force=force)
    for claim, target in changed:
        atomic_write(target, claim_yaml(claim))
    return [target for _, target in changed]


def claim_review(claim: Claim, *, base_url: str, publisher: str, published: dt.date) -> dict[str, Any]:
    """One claim as a schema.org ClaimReview with the fields Google requires, evidence as citations."""
    verdict = claim.verdict
    review: dict[str, Any] = {
        "@type": "ClaimReview",
        "url": f"{base_url.rstrip('/')}/{quote(claim.id)}",
        "claimReviewed": claim.claim,
        "itemReviewed": {"@type": "Claim", "text": claim.claim},
        "reviewRating": {
            "@type": "Rating",
            "alternateName": verdict.label,
            "name": verdict.label,
            "ratingValue": RATING_VALUES[verdict],
            "bestRating": 5,
            "worstRating": 1,
        },
        "author": {"@type": "Organization", "name": publisher, "url": base_url},
        "datePublished": (claim.reviewed or published).isoformat(),
        "reviewBody": claim.summary,
        "inLanguage": claim.lang,
        "citation": [
            {
                "@type": "CreativeWork",
                "name": e.title,
                "url": e.url,
                "datePublished": e.date,
                "publisher": {"@type": "Organization", "name": e.source},
                "text": e.excerpt,
                "inLanguage": e.lang,
            }
            for e in claim.evidence
        ],
    }
    if claim.tags:
        review["keywords"] = ", ".join(claim.tags)
    return review


def claim_review_document(
    claims: Sequence[Claim], *, base_url: str, publisher: str, published: dt.date | None = None
) -> dict[str, Any]:
    """The active catalogue as one JSON-LD document with a @graph of ClaimReviews."""
    check_url(base_url)
    today = published or dt.datetime.now(dt.UTC).date()
    return {
        "@context": "https://schema.org",
        "@graph": [
            claim_review(c, base_url=base_url, publisher=publisher, published=today) for c in claims if c.is_active
        ],
    }
