"""Catalogue lint: warnings that are not format errors but make a catalogue worse to match or to trust."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from bot.catalogue.loader import LoadedClaim, Problem
from bot.catalogue.schema import MAX_EXCERPT
from bot.matching.text import analyse

DEFAULT_LANGUAGES = ("en", "es", "de", "fr", "ru")
NEAR_DUPLICATE_SCORE = 90.0
STALE_AFTER = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class _Phrasing:
    entry: LoadedClaim
    path: str
    text: str
    processed: str
    negated: bool


def _phrasings(entries: Sequence[LoadedClaim]) -> list[_Phrasing]:
    found = []
    for entry in entries:
        claim = entry.claim
        items = [("claim", claim.claim, claim.lang)]
        items += [(f"aliases[{i}]", a.text, a.lang) for i, a in enumerate(claim.aliases)]
        for path, text, lang in items:
            negated = analyse(text, lang).negations % 2 == 1
            found.append(_Phrasing(entry, path, text, utils.default_process(text), negated))
    return found


def near_duplicates(entries: Sequence[LoadedClaim], threshold: float = NEAR_DUPLICATE_SCORE) -> list[Problem]:
    """Phrasings of different claims that read almost alike with the same stance: the matcher cannot tell them apart.

    Mirror claims ("promised" / "never promised") differ in negation by design and are not reported.
    """
    phrasings = _phrasings(entries)
    problems = []
    for i, left in enumerate(phrasings):
        for right in phrasings[i + 1 :]:
            if left.entry.claim.id == right.entry.claim.id or left.negated != right.negated:
                continue
            score = fuzz.token_sort_ratio(left.processed, right.processed, score_cutoff=threshold)
            if score:
                problems.append(
                    Problem(
                        right.entry.file,
                        right.entry.line_of(right.path),
                        right.path,
                        f"near-duplicate ({score:.0f}%) of {left.entry.claim.id} {left.path} "
                        f"\u201c{left.text[:80]}\u201d; reword one so the matcher can tell them apart",
                    )
                )
    return problems


def lint(
    entries: Sequence[LoadedClaim], *, today: dt.date, languages: Iterable[str] = DEFAULT_LANGUAGES
) -> list[Problem]:
    """Every lint warning for a loaded catalogue, in file order."""
    wanted = tuple(languages)
    problems = near_duplicates(entries)
    for entry in entries:
        claim = entry.claim
        present = {claim.lang} | {a.lang for a in claim.aliases}
        missing = [lang for lang in wanted if lang not in present]
        if missing and claim.is_active:
            problems.append(
                Problem(
                    entry.file,
                    entry.line_of("aliases"),
                    "aliases",
                    f"no alias in {', '.join(missing)}; messages in those languages will not match",
                )
            )
        for number, evidence in enumerate(claim.evidence):
            path = f"evidence[{number}]"
            if len(evidence.excerpt) > MAX_EXCERPT:
                problems.append(
                    Problem(
                        entry.file,
                        entry.line_of(f"{path}.excerpt"),
                        f"{path}.excerpt",
                        f"is {len(evidence.excerpt):,} characters; the limit is {MAX_EXCERPT:,}",
                    )
                )
            if not evidence.url.lower().startswith("https://"):
                problems.append(Problem(entry.file, entry.line_of(f"{path}.url"), f"{path}.url", "must be https"))
        if claim.reviewed is None:
            problems.append(Problem(entry.file, entry.line, "reviewed", "missing: say when a person last checked it"))
        elif today - claim.reviewed > STALE_AFTER:
            problems.append(
                Problem(
                    entry.file,
                    entry.line_of("reviewed"),
                    "reviewed",
                    f"{claim.reviewed.isoformat()} is over a year ago; review the entry again",
                )
            )
    return sorted(problems, key=lambda p: (p.file, p.line or 0))
