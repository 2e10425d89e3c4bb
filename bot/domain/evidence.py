"""Which excerpts a reply shows first, and how a quote is labelled, decided once for every platform.

A reply that shows only quotes agreeing with the claim would tell whoever argues that side what they want to
hear. So the excerpts shown first are the strongest of each side: the first excerpt of each stance in file order
(curators list each side's strongest first), supports before contradicts, and context only when one side has no
excerpt. Moderators may pin excerpts instead; lint warns when pins leave a contested claim one-sided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.models import Claim, Evidence, Stance
from bot.domain.textcut import shorten

# How many excerpts a chat-sized fact-check shows: one per side.
LEAD_EXCERPTS = 2
# How much of a leading excerpt (or its translation) a chat-sized reply quotes before cutting with an ellipsis.
LEAD_QUOTE_CHARS = 320
# The longest brief a chat-sized reply shows, and the catalogue's limit for `brief`.
BRIEF_CHARS = 300
SIDE_ORDER = (Stance.SUPPORTS, Stance.CONTRADICTS, Stance.CONTEXT)
STANCE_LABELS = {
    Stance.SUPPORTS: "supports the claim",
    Stance.CONTRADICTS: "cuts against the claim",
    Stance.CONTEXT: "context",
}
LANGUAGE_NAMES = {
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
}


def is_two_sided(claim: Claim) -> bool:
    """Whether the record cuts both ways: some excerpts support the claim and some cut against it."""
    stances = {e.stance for e in claim.evidence}
    return Stance.SUPPORTS in stances and Stance.CONTRADICTS in stances


def lead_indexes(claim: Claim, limit: int = LEAD_EXCERPTS) -> tuple[int, ...]:
    """Positions (0-based) of the excerpts shown first: pinned ones, else the first of each side."""
    pinned = tuple(i for i, e in enumerate(claim.evidence) if e.pinned)
    if pinned:
        return pinned[:limit]
    chosen: list[int] = []
    for stance in SIDE_ORDER:
        first = next((i for i, e in enumerate(claim.evidence) if e.stance is stance), None)
        if first is not None:
            chosen.append(first)
    chosen += [i for i in range(len(claim.evidence)) if i not in chosen]
    return tuple(chosen[:limit])


def ordered_indexes(claim: Claim) -> tuple[int, ...]:
    """Every excerpt's position: the leads first, then the rest in file order."""
    leads = lead_indexes(claim)
    return (*leads, *(i for i in range(len(claim.evidence)) if i not in leads))


def language_name(code: str) -> str:
    """A language's English name, or its code when factbot does not know it."""
    return LANGUAGE_NAMES.get(code, code)


@dataclass(frozen=True, slots=True)
class ShownQuote:
    """An excerpt as a reply shows it: the words, and what a reader must be told about them."""

    number: int  # 1-based position in the claim's evidence, as `evidence remove` and `claim show` count
    evidence: Evidence
    text: str  # the English translation where there is one, else the original wording
    translation_label: str | None  # e.g. "English translation by …; original in German"
    note: str | None

    @property
    def stance_label(self) -> str:
        """How the excerpt bears on the claim, in words."""
        return STANCE_LABELS[self.evidence.stance]


def shown_quote(claim: Claim, index: int) -> ShownQuote:
    """How a reply shows one excerpt: its translation (labelled) in place of a non-English original."""
    evidence = claim.evidence[index]
    label = None
    if evidence.translation is not None:
        label = f"English translation by {evidence.translation_by}; original in {language_name(evidence.lang)}"
    return ShownQuote(index + 1, evidence, evidence.translation or evidence.excerpt, label, evidence.note)


def lead_quotes(claim: Claim, limit: int = LEAD_EXCERPTS) -> tuple[ShownQuote, ...]:
    """The excerpts a chat-sized reply shows, ready to render."""
    return tuple(shown_quote(claim, i) for i in lead_indexes(claim, limit))


def brief_of(claim: Claim, limit: int = BRIEF_CHARS) -> str:
    """What a chat-sized reply says about the record: the curated brief, else the summary's opening sentences.

    Claims added in chat may have no brief yet (lint warns about them); their summary is cut after the last
    whole sentence that fits, or at a word, marked with an ellipsis.
    """
    if claim.brief:
        return claim.brief
    summary = " ".join(claim.summary.split())
    if len(summary) <= limit:
        return summary
    head = summary[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]]
    return head[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "\u2026"


# The end of a sentence: a full stop after a lower-case word (not "U.S." or "J. Baker"), before a capital.
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]\u201d'\"])[.!?](?= [A-Z\u201c'\"])")


def source_line(evidence: Evidence) -> str:
    """`title, date. source.` without doubled full stops when a part already ends with one."""
    return f"{_sentence(f'{evidence.title}, {evidence.date}')} {_sentence(evidence.source)}"


def _sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "\u2026")) else text + "."


def has_more(claim: Claim) -> bool:
    """Whether a chat-sized reply leaves something out (excerpts, or summary beyond the brief)."""
    return len(claim.evidence) > len(lead_indexes(claim)) or brief_of(claim) != " ".join(claim.summary.split())


# What a chat-sized fact-check may show, in characters a reader sees (a link counts as its label).
CHAT_BUDGET = 1200
# No part is cut below these lengths, however tight the budget: the reply must still say something.
_FLOORS = {"claim": 60, "brief": 80, "text": 80, "note": 50, "title": 40, "source": 30, "label": 30}


@dataclass(frozen=True, slots=True)
class CardQuote:
    """One leading excerpt of a chat-sized reply, every part already cut to fit."""

    number: int
    text: str
    translation_label: str | None
    note: str | None
    title: str
    date: str
    source: str
    url: str
    stance: Stance

    @property
    def stance_label(self) -> str:
        """How the excerpt bears on the claim, in words."""
        return STANCE_LABELS[self.stance]


@dataclass(frozen=True, slots=True)
class Card:
    """A chat-sized fact-check (verdict, claim, brief, one excerpt per side) within a character budget."""

    claim: Claim
    text: str
    brief: str
    quotes: tuple[CardQuote, ...]
    more: bool


def chat_card(claim: Claim, *, overhead: int, budget: int = CHAT_BUDGET) -> Card:
    """Cut the claim, brief and leading excerpts so that they and the platform's `overhead` fit in `budget`.

    The longest part is cut first, each to no less than its floor, so a long excerpt gives way before a short note.
    """
    parts: dict[tuple[str, int], str] = {("claim", 0): claim.claim, ("brief", 0): brief_of(claim)}
    quotes = lead_quotes(claim)
    for n, quote in enumerate(quotes):
        evidence = quote.evidence
        parts[("text", n)] = shorten(quote.text, LEAD_QUOTE_CHARS)
        parts[("title", n)] = evidence.title
        parts[("source", n)] = evidence.source
        if quote.note:
            parts[("note", n)] = quote.note
        if quote.translation_label:
            parts[("label", n)] = quote.translation_label
    # Fixed text per excerpt: the date, the stance label, separators and quotation marks.
    fixed = overhead + sum(len(q.evidence.date) + len(q.stance_label) + 12 for q in quotes)
    while (over := fixed + sum(map(len, parts.values())) - budget) > 0:
        key = max((k for k in parts if len(parts[k]) > _FLOORS[k[0]]), key=lambda k: len(parts[k]), default=None)
        if key is None:
            break
        parts[key] = shorten(parts[key], max(_FLOORS[key[0]], len(parts[key]) - over))
    card_quotes = tuple(
        CardQuote(
            number=quote.number,
            text=parts[("text", n)],
            translation_label=parts.get(("label", n)),
            note=parts.get(("note", n)),
            title=parts[("title", n)],
            date=quote.evidence.date,
            source=parts[("source", n)],
            url=quote.evidence.url,
            stance=quote.evidence.stance,
        )
        for n, quote in enumerate(quotes)
    )
    return Card(claim, parts[("claim", 0)], parts[("brief", 0)], card_quotes, has_more(claim))
