"""Catalogue lint: warnings that are not format errors but make a catalogue worse to match or to trust."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from bot.catalogue.dossier import DossierExcerpt, source_warnings
from bot.catalogue.hosts import host_of, is_trusted_host
from bot.catalogue.loader import LoadedClaim, Problem
from bot.catalogue.schema import MAX_EXCERPT
from bot.domain.evidence import LEAD_QUOTE_CHARS, is_two_sided, language_name, lead_indexes
from bot.domain.models import Claim, Stance, Verdict
from bot.matching.text import analyse

DEFAULT_LANGUAGES = ("en", "es", "de", "fr", "ru")
MIN_ENGLISH_ALIASES = 5
NEAR_DUPLICATE_SCORE = 90.0
STALE_AFTER = dt.timedelta(days=365)
# Words that address or accuse whoever made the claim; the same summary is shown to both sides (claims/README.md).
ACCUSING = re.compile(r"\b(you|your|yours|myths?|lies|lied|liars?|lying|propaganda|debunk(?:s|ed|ing)?)\b", re.I)
# A mirror pair's verdicts must agree: what one asserts the other denies.
MIRROR_VERDICTS = {
    Verdict.ACCURATE: {Verdict.FALSE},
    Verdict.MOSTLY_ACCURATE: {Verdict.MOSTLY_FALSE},
    Verdict.MOSTLY_FALSE: {Verdict.MOSTLY_ACCURATE},
    Verdict.FALSE: {Verdict.ACCURATE},
}
OPEN_VERDICTS = {Verdict.NEEDS_CONTEXT, Verdict.MISLEADING, Verdict.DISPUTED, Verdict.UNSUPPORTED}


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


def _mirror_warnings(entries: Sequence[LoadedClaim]) -> list[Problem]:
    by_id = {entry.claim.id: entry.claim for entry in entries}
    problems = []
    for entry in entries:
        claim, mirror_id = entry.claim, entry.claim.mirror
        if mirror_id is None:
            continue
        mirror = by_id.get(mirror_id)
        where = (entry.file, entry.line_of("mirror"), "mirror")
        if mirror is None:
            problems.append(Problem(*where, f"unknown claim id {mirror_id!r}"))
            continue
        if mirror.mirror != claim.id:
            problems.append(Problem(*where, f"{mirror_id} does not name {claim.id} as its mirror"))
        if mirror_id not in claim.related:
            problems.append(Problem(*where, f"list {mirror_id} in related too"))
        agreeing = MIRROR_VERDICTS.get(claim.verdict, OPEN_VERDICTS)
        if mirror.verdict not in agreeing:
            problems.append(
                Problem(
                    entry.file,
                    entry.line_of("verdict"),
                    "verdict",
                    f"{claim.verdict.value} here but {mirror.verdict.value} on the mirror {mirror_id}; "
                    f"a mirror's verdict should be {' or '.join(sorted(v.value for v in agreeing))}",
                )
            )
    return problems


def _evidence_warnings(entry: LoadedClaim) -> list[Problem]:
    """Both sides shown first, translations for non-English words, and links a reader can trust."""
    claim = entry.claim
    problems = []

    def warn(field: str, message: str) -> None:
        problems.append(Problem(entry.file, entry.line_of(field), field, message))

    stances = {e.stance for e in claim.evidence}
    if len(claim.evidence) > 1 and len(stances) == 1:
        warn("evidence", f"every excerpt {_stance_words(next(iter(stances)))}; add the other side, or context")
    leads = lead_indexes(claim)
    lead_stances = {claim.evidence[i].stance for i in leads}
    if is_two_sided(claim) and not {Stance.SUPPORTS, Stance.CONTRADICTS} <= lead_stances:
        warn("evidence", "the record cuts both ways but the pinned excerpts replies lead with show one side only")
    elif claim.verdict is Verdict.DISPUTED and not is_two_sided(claim):
        warn("evidence", "the verdict is disputed but no excerpt is on the other side; quote both sides")
    for number, evidence in enumerate(claim.evidence):
        path = f"evidence[{number}]"
        if len(evidence.excerpt) > MAX_EXCERPT:
            warn(f"{path}.excerpt", f"is {len(evidence.excerpt):,} characters; the limit is {MAX_EXCERPT:,}")
        if not evidence.url.lower().startswith("https://"):
            warn(f"{path}.url", "must be https")
        elif not is_trusted_host(evidence.url) and evidence.note is None:
            warn(
                f"{path}.url",
                f"{host_of(evidence.url)} is not an archive, official body, scholarly publisher or major outlet; "
                "link the primary record, or say in a note what the linked page is",
            )
        guessed = analyse(evidence.excerpt).lang
        if evidence.lang != "en" and evidence.translation is None:
            warn(
                f"{path}.translation", f"the excerpt is in {language_name(evidence.lang)}: give an English translation"
            )
        elif evidence.lang == "en" and guessed != "en":
            warn(f"{path}.lang", f"the excerpt looks {language_name(guessed)}: give its lang and a translation")
        shown = evidence.translation or evidence.excerpt
        if number in leads and len(shown) > LEAD_QUOTE_CHARS:
            warn(
                f"{path}.excerpt",
                f"leads chat-sized replies but is {len(shown):,} characters, so replies cut it at "
                f"{LEAD_QUOTE_CHARS}; quote the passage that matters (cut with \u2026)",
            )
    return problems


def _stance_words(stance: Stance) -> str:
    return {Stance.SUPPORTS: "supports the claim", Stance.CONTRADICTS: "cuts against it", Stance.CONTEXT: "is context"}[
        stance
    ]


def _wording_warnings(entry: LoadedClaim) -> list[Problem]:
    claim: Claim = entry.claim
    problems = []
    for field, text in (("summary", claim.summary), ("brief", claim.brief or "")):
        found = sorted({m.group(0).lower() for m in ACCUSING.finditer(text)})
        if found:
            problems.append(
                Problem(
                    entry.file,
                    entry.line_of(field),
                    field,
                    f"{', '.join(found)}: replies show this to both sides; present the record without addressing "
                    "or accusing anyone",
                )
            )
    if claim.is_active and claim.brief is None:
        problems.append(
            Problem(entry.file, entry.line_of("summary"), "brief", "missing: chat replies will cut the summary instead")
        )
    english = sum(1 for a in claim.aliases if a.lang == "en")
    if claim.is_active and english < MIN_ENGLISH_ALIASES:
        problems.append(
            Problem(
                entry.file,
                entry.line_of("aliases"),
                "aliases",
                f"{english} in English; give at least {MIN_ENGLISH_ALIASES}",
            )
        )
    return problems


def lint(
    entries: Sequence[LoadedClaim],
    *,
    today: dt.date,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
    dossier: Sequence[DossierExcerpt] | None = None,
) -> list[Problem]:
    """Every lint warning for a loaded catalogue, in file order; with a dossier, its sourcing warnings too."""
    wanted = tuple(languages)
    problems = near_duplicates(entries) + _mirror_warnings(entries)
    if dossier is not None:
        problems += source_warnings(entries, dossier)
    for entry in entries:
        problems += _evidence_warnings(entry) + _wording_warnings(entry)
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
