"""Checks against the source dossier: every excerpt quoted word for word from a verified entry, under its own title.

The dossier (`../shared/sources/nato-dossier.yaml` for the shipped catalogue) lists documents, each with a title,
source, date and primary `url`, and excerpts marked verified or not, with their `kind`, any `caveat`, and an English
`translation` for non-English wording. `source_problems` are errors (`catalogue validate --dossier`);
`source_warnings` are judgement calls for a reviewer (`catalogue lint --dossier`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.catalogue.loader import CatalogueError, LoadedClaim, Problem, parse_yaml
from bot.domain.models import Evidence

ELLIPSIS = "\u2026"
MAX_DOSSIER_BYTES = 20_000_000
# A caveat that says the wording must not be quoted: a reply must use the wording the dossier prefers.
SUPERSEDED = re.compile(r"superseded|do not quote|do not use its wording|unsafe to quote", re.IGNORECASE)
# Kinds whose words are the titled document's own (its text, heading or record); any other kind is second-hand
# (a summary, a reporter's paraphrase, an editorial note, a re-translation) and readers must be told so.
OWN_WORDS = ("primary", "title", "archive title", "bibliographic", "contemporary diary", "NSA document header")
# Even the document's own words need a note when they reach us through a translation or a relay.
RELAYED = re.compile(r"translat|relay", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DossierExcerpt:
    """One excerpt of the dossier with the fields of the document it belongs to."""

    key: str
    title: str
    source: str
    date: str
    url: str
    text: str
    verified: bool
    kind: str
    caveat: str | None
    translation: str | None
    translation_by: str | None
    primary_url: str | None

    def links(self) -> set[str]:
        """The links an evidence item may use: the entry's url or the excerpt's primary_url, http made https."""
        urls = {u for u in (self.url, self.primary_url) if u}
        return urls | {u.replace("http://", "https://", 1) for u in urls}

    @property
    def superseded(self) -> bool:
        """Whether the dossier says not to quote this wording."""
        return bool(self.caveat and SUPERSEDED.search(self.caveat))

    def reader_caveat(self) -> str | None:
        """Why a reader needs a note beside this excerpt, if they do."""
        if self.caveat:
            return self.caveat
        own = self.kind == "secondary" or self.kind.startswith(OWN_WORDS)  # bare "secondary": the entry's own text
        if not own or RELAYED.search(self.kind):
            return f"the dossier describes it as {self.kind}"
        return None


def load_dossier(path: Path) -> list[DossierExcerpt]:
    """Every excerpt of a dossier file, or CatalogueError naming the file and what is wrong with it."""
    try:
        if path.stat().st_size > MAX_DOSSIER_BYTES:
            raise CatalogueError([Problem(str(path), None, "", f"is over {MAX_DOSSIER_BYTES:,} bytes")])
        data, problems = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise CatalogueError([Problem(str(path), None, "", f"cannot be read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise CatalogueError([Problem(str(path), None, "", f"is not UTF-8 text (byte {exc.start})")]) from None
    if problems:
        raise CatalogueError(problems)
    documents = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(documents, list):
        raise CatalogueError([Problem(str(path), None, "documents", "a dossier needs a `documents` list")])
    return [
        DossierExcerpt(
            key=str(document.get("key", "")),
            title=str(document.get("title", "")),
            source=str(document.get("source", "")),
            date=str(document.get("date", "")),
            url=str(document.get("url") or ""),
            text=str(excerpt.get("text", "")),
            verified=excerpt.get("verified") is True,
            kind=str(excerpt.get("kind", "")),
            caveat=_optional(excerpt.get("caveat")),
            translation=_optional(excerpt.get("translation")),
            translation_by=_optional(excerpt.get("translation_by")),
            primary_url=_optional(excerpt.get("primary_url")),
        )
        for document in documents
        if isinstance(document, dict)
        for excerpt in document.get("excerpts") or []
        if isinstance(excerpt, dict)
    ]


def _optional(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _core(excerpt: str) -> tuple[str, bool, bool]:
    """The quoted words without the cut marks, and whether the start and the end were cut."""
    return excerpt.strip(ELLIPSIS).strip(), excerpt.startswith(ELLIPSIS), excerpt.endswith(ELLIPSIS)


@dataclass(frozen=True, slots=True)
class _Finding:
    """Where an evidence item's words are in the dossier, or why they cannot be found there."""

    matches: tuple[DossierExcerpt, ...]
    problem: str | None


def _find(evidence: Evidence, dossier: Sequence[DossierExcerpt]) -> _Finding:
    core, starts_cut, ends_cut = _core(evidence.excerpt)
    found = [d for d in dossier if core and core in d.text]
    if not found:
        return _Finding((), "is not in the dossier: quote a verified excerpt word for word")
    verified = [d for d in found if d.verified]
    if not verified:
        return _Finding((), "quotes an excerpt the dossier marks unverified; it must not be shown to users")
    whole = [
        d
        for d in verified
        if (d.text.strip().startswith(core) or starts_cut) and (d.text.strip().endswith(core) or ends_cut)
    ]
    if not whole:
        return _Finding((), f"is shortened: mark each cut end with {ELLIPSIS} (U+2026)")
    return _Finding(tuple(whole), None)


def _evidence_items(entries: Iterable[LoadedClaim]) -> Iterable[tuple[LoadedClaim, str, Evidence]]:
    for entry in entries:
        for number, evidence in enumerate(entry.claim.evidence):
            yield entry, f"evidence[{number}]", evidence


def source_problems(entries: Sequence[LoadedClaim], dossier: Sequence[DossierExcerpt]) -> list[Problem]:
    """Errors: excerpts not verbatim from a verified excerpt, or shown under another entry's title or wording."""
    problems = []
    for entry, path, evidence in _evidence_items(entries):

        def problem(field: str, message: str, entry: LoadedClaim = entry, path: str = path) -> None:
            problems.append(Problem(entry.file, entry.line_of(f"{path}.{field}"), f"{path}.{field}", message))

        finding = _find(evidence, dossier)
        if finding.problem:
            problem("excerpt", finding.problem)
            continue
        matches = finding.matches
        if not any(d.title == evidence.title for d in matches):
            problem("title", f"must be the dossier entry's title ({_keys(matches)})")
        elif not any(d.title == evidence.title and d.source == evidence.source for d in matches):
            problem("source", f"must be the dossier entry's source ({_keys(matches)})")
        if evidence.translation is not None:
            if not any(d.translation == evidence.translation for d in matches):
                problem("translation", "must be the dossier's translation of this excerpt, word for word")
            elif not any(d.translation_by == evidence.translation_by for d in matches):
                problem("translation_by", "must say who made the translation, as the dossier does")
            if _core(evidence.excerpt)[1:] != (False, False) or not any(
                d.text.strip() == evidence.excerpt for d in matches
            ):
                problem("excerpt", "a translated excerpt is quoted whole, so that the translation matches it")
    return problems


def source_warnings(entries: Sequence[LoadedClaim], dossier: Sequence[DossierExcerpt]) -> list[Problem]:
    """Warnings: links and dates that differ from the entry, superseded wording, caveats readers are not told."""
    problems = []
    for entry, path, evidence in _evidence_items(entries):

        def warn(field: str, message: str, entry: LoadedClaim = entry, path: str = path) -> None:
            problems.append(Problem(entry.file, entry.line_of(f"{path}.{field}"), f"{path}.{field}", message))

        finding = _find(evidence, dossier)
        if finding.problem:
            continue  # validate reports it
        matches = [d for d in finding.matches if d.title == evidence.title] or list(finding.matches)
        if all(d.superseded for d in matches):
            warn("excerpt", f"the dossier says this wording is superseded: {matches[0].caveat}")
        if not any(evidence.url in d.links() for d in matches):
            warn("url", f"is not the dossier entry's link ({', '.join(sorted(matches[0].links())) or 'none'})")
        if not any(_same_date(evidence.date, d.date) for d in matches):
            warn("date", f"does not match the dossier entry's date ({matches[0].date})")
        caveats = [c for c in (d.reader_caveat() for d in matches) if c]
        if evidence.note is None and caveats and len(caveats) == len(matches):
            warn("note", f"readers need a note: {caveats[0][:160]}")
        if evidence.translation is None and any(d.translation for d in matches):
            warn("translation", "the excerpt is not in English: give the dossier's translation and translation_by")
    return problems


def _same_date(date: str, dossier_date: str) -> bool:
    return dossier_date.startswith(date[:4]) or date[:4] in dossier_date


def _keys(matches: Sequence[DossierExcerpt]) -> str:
    return ", ".join(sorted({d.key for d in matches}))
