"""The catalogue's validation rules, shared by the YAML loader, the database and moderator commands."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.domain.evidence import BRIEF_CHARS
from bot.domain.models import Alias, Claim, ClaimStatus, Evidence, Stance, Verdict

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANG_PATTERN = re.compile(r"[a-z]{2,3}")
DATE_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

MAX_ID = 80
MAX_CLAIM = 500
MAX_SUMMARY = 700
MAX_BRIEF = BRIEF_CHARS
MAX_ALIAS = 500
MAX_ALIASES = 200
MAX_TITLE = 300
MAX_SOURCE = 300
MAX_EXCERPT = 1000
MAX_TRANSLATION = 1500
MAX_TRANSLATOR = 200
MAX_NOTE = 200
MAX_EVIDENCE = 50
MAX_URL = 2000
MAX_TAG = 40

CLAIM_FIELDS = (
    "id",
    "claim",
    "verdict",
    "summary",
    "brief",
    "aliases",
    "evidence",
    "mirror",
    "related",
    "tags",
    "lang",
    "reviewed",
    "status",
)
REQUIRED_FIELDS = ("id", "claim", "verdict", "summary", "evidence")
EVIDENCE_FIELDS = ("title", "date", "source", "url", "excerpt", "stance")
# Every field an evidence item may have, in the order a catalogue file writes them.
EVIDENCE_FILE_ORDER = (
    "title",
    "date",
    "source",
    "url",
    "excerpt",
    "lang",
    "translation",
    "translation_by",
    "note",
    "stance",
    "pinned",
)
VERDICTS = tuple(v.value for v in Verdict)
STANCES = tuple(s.value for s in Stance)
STATUSES = tuple(s.value for s in ClaimStatus)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one field, addressed by a path such as `evidence[1].url`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidClaim(ValueError):
    """A claim failed validation; carries every problem found, not just the first."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class FieldError(ValueError):
    """A single field's value is unacceptable; the message says why in plain words."""


def _text(value: object, *, limit: int, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise FieldError(f"must be text, not {_type_name(value)}")
    text = value.strip()
    if not text:
        raise FieldError("must not be empty")
    if len(text) > limit:
        raise FieldError(f"is {len(text):,} characters; the limit is {limit:,}")
    control = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    if control:
        raise FieldError(f"contains a control character (U+{ord(control.group()):04X})")
    return text


# Unicode's control characters (category Cc: U+0000-U+001F, U+007F-U+009F), but for tabs, and newlines where a
# field may hold several lines: one regular expression instead of a category look-up per character.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _type_name(value: object) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def check_id(value: object) -> str:
    """Ids are lowercase slugs so they work as file names, command arguments and URLs."""
    text = _text(value, limit=MAX_ID)
    if not ID_PATTERN.fullmatch(text):
        raise FieldError(f"{text!r} is not a lowercase slug (letters a-z, digits and single hyphens)")
    return text


def check_claim_text(value: object) -> str:
    """Validate the claim in its asserted form."""
    return " ".join(_text(value, limit=MAX_CLAIM).split())


def check_summary(value: object) -> str:
    """Validate a summary; it is shown in every reply, so it has a hard limit."""
    return _text(value, limit=MAX_SUMMARY, multiline=True)


def check_brief(value: object) -> str:
    """Validate a brief: the one or two sentences a chat-sized reply shows instead of the summary."""
    return " ".join(_text(value, limit=MAX_BRIEF).split())


def check_translation(value: object) -> str:
    """Validate an English translation of a non-English excerpt."""
    return _text(value, limit=MAX_TRANSLATION, multiline=True)


def check_translator(value: object) -> str:
    """Validate who made a translation (the source itself, a publication, or an editor)."""
    return " ".join(_text(value, limit=MAX_TRANSLATOR).split())


def check_note(value: object) -> str:
    """Validate a reader's note: a short caveat in our own words, shown beside the quote."""
    return " ".join(_text(value, limit=MAX_NOTE).split())


def check_flag(value: object) -> bool:
    """Validate a yes/no field; YAML's true/false only, so a typo is not read as yes."""
    if isinstance(value, bool):
        return value
    raise FieldError(f"{value!r} is not true or false")


def check_verdict(value: object) -> Verdict:
    """Validate a verdict and list the valid ones when it is wrong."""
    if value is False:
        # YAML 1.1 reads an unquoted `verdict: false` as a boolean; the author clearly meant the verdict.
        return Verdict.FALSE
    if isinstance(value, str) and value.strip().lower() in VERDICTS:
        return Verdict(value.strip().lower())
    raise FieldError(f"{value!r} is not a verdict; use one of: {', '.join(VERDICTS)}")


def check_stance(value: object) -> Stance:
    """Validate an excerpt's stance."""
    if isinstance(value, str) and value.strip().lower() in STANCES:
        return Stance(value.strip().lower())
    raise FieldError(f"{value!r} is not a stance; use one of: {', '.join(STANCES)}")


def check_status(value: object) -> ClaimStatus:
    """Validate a claim status."""
    if isinstance(value, str) and value.strip().lower() in STATUSES:
        return ClaimStatus(value.strip().lower())
    raise FieldError(f"{value!r} is not a status; use one of: {', '.join(STATUSES)}")


def check_lang(value: object) -> str:
    """Languages are ISO 639 codes so the matcher can pick a stemmer."""
    text = _text(value, limit=3).lower()
    if not LANG_PATTERN.fullmatch(text):
        raise FieldError(f"{value!r} is not a language code such as en, es, de, fr or ru")
    return text


def check_date(value: object) -> str:
    """Evidence dates may be partial (YYYY or YYYY-MM) because archives often are."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _text(value, limit=10)
    match = DATE_PATTERN.fullmatch(text)
    if not match:
        raise FieldError(f"{text!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise FieldError(f"{text!r} is not a real date ({exc})") from None
    return text


def check_reviewed(value: object) -> dt.date:
    """The review date is a full calendar date, so staleness can be computed."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value, limit=10)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FieldError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def check_url(value: object) -> str:
    """Links are shown to users under the bot's name, so only clean https links pass."""
    text = _text(value, limit=MAX_URL)
    if any(ch.isspace() for ch in text) or any(ch in text for ch in '<>|"'):
        raise FieldError('must not contain spaces or any of < > | "')
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise FieldError(f"is not a valid URL ({exc})") from None
    if parts.scheme.lower() != "https":
        raise FieldError("must be https")
    if not parts.hostname or "." not in parts.hostname:
        raise FieldError("must name a host, as in https://example.org/page")
    if parts.username or parts.password:
        raise FieldError("must not contain a user name or password")
    return text


def check_title(value: object) -> str:
    """Validate a document title."""
    return _text(value, limit=MAX_TITLE)


def check_source(value: object) -> str:
    """Validate a source (archive, collection, publisher)."""
    return _text(value, limit=MAX_SOURCE)


def check_excerpt(value: object) -> str:
    """Excerpts are verbatim quotes with a length limit so replies stay readable."""
    return _text(value, limit=MAX_EXCERPT, multiline=True)


def check_tag(value: object) -> str:
    """Tags are short lowercase labels; a bare year such as 1990 is read by YAML as a number, so numbers are fine."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _text(value, limit=MAX_TAG).lower()


EVIDENCE_CHECKS: dict[str, Callable[[object], Any]] = {
    "title": check_title,
    "date": check_date,
    "source": check_source,
    "url": check_url,
    "excerpt": check_excerpt,
    "stance": check_stance,
}
OPTIONAL_EVIDENCE_CHECKS: dict[str, Callable[[object], Any]] = {
    "lang": check_lang,
    "translation": check_translation,
    "translation_by": check_translator,
    "note": check_note,
    "pinned": check_flag,
}


@dataclass(slots=True)
class _Collector:
    problems: list[FieldProblem]

    def field(self, path: str, check: Callable[[object], Any], value: object) -> Any:
        try:
            return check(value)
        except FieldError as exc:
            self.problems.append(FieldProblem(path, str(exc)))
            return None


def _as_list(value: object, path: str, out: _Collector) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        out.problems.append(FieldProblem(path, f"must be a list, not {_type_name(value)}"))
        return []
    return value


def _unknown_fields(data: Mapping[str, object], allowed: tuple[str, ...], prefix: str, out: _Collector) -> None:
    for key in data:
        if key not in allowed:
            path = f"{prefix}{key}"
            out.problems.append(FieldProblem(path, f"unknown field; allowed fields are {', '.join(allowed)}"))


def _alias(value: object, path: str, lang: str, out: _Collector) -> Alias | None:
    if isinstance(value, str):
        text = out.field(path, check_claim_text, value)
        return Alias(text, lang) if text else None
    if isinstance(value, dict):
        _unknown_fields(value, ("text", "lang"), f"{path}.", out)
        if "text" not in value:
            out.problems.append(FieldProblem(f"{path}.text", "is required"))
            return None
        text = out.field(f"{path}.text", check_claim_text, value["text"])
        alias_lang = out.field(f"{path}.lang", check_lang, value.get("lang", lang))
        return Alias(text, alias_lang) if text and alias_lang else None
    out.problems.append(FieldProblem(path, "must be text or a mapping with text and lang"))
    return None


def _evidence(value: object, path: str, out: _Collector) -> Evidence | None:
    if not isinstance(value, dict):
        out.problems.append(FieldProblem(path, f"must be a mapping with {', '.join(EVIDENCE_FIELDS)}"))
        return None
    _unknown_fields(value, EVIDENCE_FILE_ORDER, f"{path}.", out)
    checks = EVIDENCE_CHECKS
    parsed: dict[str, Any] = {}
    for name, check in checks.items():
        if name not in value:
            out.problems.append(FieldProblem(f"{path}.{name}", "is required"))
        else:
            parsed[name] = out.field(f"{path}.{name}", check, value[name])
    complete = len(parsed) == len(checks) and all(v is not None for v in parsed.values())
    optional: dict[str, Any] = {}
    for name, check in OPTIONAL_EVIDENCE_CHECKS.items():
        if value.get(name) is not None:
            optional[name] = out.field(f"{path}.{name}", check, value[name])
    if any(v is None for v in optional.values()):
        return None
    problem = translation_problem(
        optional.get("lang", "en"), optional.get("translation"), optional.get("translation_by")
    )
    if problem:
        out.problems.append(FieldProblem(f"{path}.{problem[0]}", problem[1]))
        return None
    return Evidence(**parsed, **optional) if complete else None


def translation_problem(lang: str, translation: str | None, translation_by: str | None) -> tuple[str, str] | None:
    """A translation needs its translator and a non-English original; returns the field at fault and why."""
    if translation is not None and translation_by is None:
        return "translation_by", "is required with a translation: say who translated it"
    if translation_by is not None and translation is None:
        return "translation", "is required when translation_by is given"
    if translation is not None and lang == "en":
        return "lang", "give the excerpt's language (de, ru, ...); an English excerpt needs no translation"
    return None


def parse_claim(data: object) -> Claim:
    """Build a Claim from loaded YAML or JSON, or raise InvalidClaim listing every problem."""
    out = _Collector([])
    if not isinstance(data, dict):
        raise InvalidClaim([FieldProblem("", f"a claim must be a mapping of fields, not {_type_name(data)}")])
    _unknown_fields(data, CLAIM_FIELDS, "", out)
    for name in REQUIRED_FIELDS:
        if data.get(name) is None:
            out.problems.append(FieldProblem(name, "is required"))
    claim_id = out.field("id", check_id, data["id"]) if data.get("id") is not None else None
    text = out.field("claim", check_claim_text, data["claim"]) if data.get("claim") is not None else None
    verdict = out.field("verdict", check_verdict, data["verdict"]) if data.get("verdict") is not None else None
    summary = out.field("summary", check_summary, data["summary"]) if data.get("summary") is not None else None
    brief = out.field("brief", check_brief, data["brief"]) if data.get("brief") is not None else None
    lang = out.field("lang", check_lang, data.get("lang", "en")) or "en"
    status = out.field("status", check_status, data.get("status", "active"))
    reviewed = out.field("reviewed", check_reviewed, data["reviewed"]) if data.get("reviewed") is not None else None

    alias_values = _as_list(data.get("aliases"), "aliases", out)
    aliases = [_alias(v, f"aliases[{i}]", lang, out) for i, v in enumerate(alias_values)]
    if len(aliases) > MAX_ALIASES:
        out.problems.append(FieldProblem("aliases", f"has {len(aliases)} entries; the limit is {MAX_ALIASES}"))
    seen_alias: set[str] = {text.casefold()} if text else set()
    for i, alias in enumerate(aliases):
        if alias and alias.text.casefold() in seen_alias:
            out.problems.append(FieldProblem(f"aliases[{i}]", f"repeats {alias.text!r}"))
        elif alias:
            seen_alias.add(alias.text.casefold())

    evidence_raw = _as_list(data.get("evidence"), "evidence", out)
    if data.get("evidence") is not None and isinstance(data.get("evidence"), list) and not evidence_raw:
        out.problems.append(FieldProblem("evidence", "needs at least one item"))
    if len(evidence_raw) > MAX_EVIDENCE:
        out.problems.append(FieldProblem("evidence", f"has {len(evidence_raw)} items; the limit is {MAX_EVIDENCE}"))
    evidence = [_evidence(v, f"evidence[{i}]", out) for i, v in enumerate(evidence_raw)]

    mirror = out.field("mirror", check_id, data["mirror"]) if data.get("mirror") is not None else None
    if claim_id and mirror == claim_id:
        out.problems.append(FieldProblem("mirror", "must name another claim"))
    related_values = _as_list(data.get("related"), "related", out)
    related = [out.field(f"related[{i}]", check_id, v) for i, v in enumerate(related_values)]
    if claim_id and claim_id in related:
        out.problems.append(FieldProblem("related", "must not list the claim itself"))
    tags = [out.field(f"tags[{i}]", check_tag, v) for i, v in enumerate(_as_list(data.get("tags"), "tags", out))]

    if out.problems:
        raise InvalidClaim(out.problems)
    assert claim_id and text and verdict and summary and status
    return Claim(
        id=claim_id,
        claim=text,
        verdict=verdict,
        summary=summary,
        evidence=tuple(e for e in evidence if e),
        aliases=tuple(a for a in aliases if a),
        related=tuple(r for r in related if r),
        tags=tuple(t for t in tags if t),
        lang=lang,
        reviewed=reviewed,
        status=status,
        brief=brief,
        mirror=mirror,
    )


def evidence_to_dict(evidence: Evidence) -> dict[str, Any]:
    """One evidence item in file order, with optional fields only when set."""
    data: dict[str, Any] = {
        "title": evidence.title,
        "date": evidence.date,
        "source": evidence.source,
        "url": evidence.url,
        "excerpt": evidence.excerpt,
        "lang": evidence.lang if evidence.lang != "en" else None,
        "translation": evidence.translation,
        "translation_by": evidence.translation_by,
        "note": evidence.note,
        "stance": evidence.stance.value,
        "pinned": True if evidence.pinned else None,
    }
    return {key: value for key, value in data.items() if value is not None}


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    """The catalogue-file form of a claim: plain data that parse_claim reads back unchanged.

    Optional fields that are not set are left out, so a file written before they existed hashes the same.
    """
    data: dict[str, Any] = {
        "id": claim.id,
        "claim": claim.claim,
        "verdict": claim.verdict.value,
        "summary": claim.summary,
        "brief": claim.brief,
        "aliases": [a.text if a.lang == claim.lang else {"text": a.text, "lang": a.lang} for a in claim.aliases],
        "evidence": [evidence_to_dict(e) for e in claim.evidence],
        "mirror": claim.mirror,
        "related": list(claim.related),
        "tags": list(claim.tags),
        "lang": claim.lang,
        "reviewed": claim.reviewed.isoformat() if claim.reviewed else None,
        "status": claim.status.value,
    }
    return {key: value for key, value in data.items() if value is not None}
