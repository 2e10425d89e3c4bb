"""Anchors: the names and numbers a claim is about, so that an idiom sharing its other words never makes the bot
speak unprompted ("an open door policy" at the office, "not one inch further" to a dog).

A word is a name when the catalogue's phrasings write it as one more often than not: capitalised inside a
sentence ("Gorbachev", "Moscow", "the West"), in capitals ("NATO", "OSCE", "НАТО"), or holding a digit
("1990", "Article 10"; a year also as "'90"). A claim's anchors are the names among all its phrasings' words,
wherever they stand, so "Россия" at the start of a Russian alias counts because another alias writes it
mid-sentence. An unprompted reply without an anchor in the matched part of the message needs a higher score.
German capitalises every noun, so its anchors are broader and the gate there weaker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.matching.text import Analysed

_TOKEN = re.compile(r"\w+|[.!?;:…\n]")
_SENTENCE_MARKS = frozenset(".!?;:…\n")


def _words(text: str) -> list[tuple[str, bool]]:
    """Each word of a phrasing, lower-cased, and whether it is written as a name or number there."""
    found: list[tuple[str, bool]] = []
    sentence_start = True
    for token in _TOKEN.findall(text):
        if token in _SENTENCE_MARKS:
            sentence_start = True
            continue
        if len(token) > 1 or token.isdigit():
            capitals = token.isupper() and sum(c.isalpha() for c in token) >= 2
            named = token[0].isupper() and not sentence_start
            number = any(c.isdigit() for c in token)
            if capitals or named or number or not token[0].isupper():  # a capitalised first word says nothing
                found.append((token.lower(), capitals or named or number))
            if number and len(token) == 4 and token.isdigit() and token[:2] in {"19", "20"}:
                found.append((token[2:], True))  # "back in '97"
        sentence_start = False
    return found


def anchor_sets(phrasings: Sequence[Sequence[tuple[str, Analysed]]]) -> list[tuple[str, ...]]:
    """Each claim's anchors (index terms, sorted; a tuple is a fifth of a frozenset's size and there is one per
    claim), from its phrasings as (original text, analysis) pairs.

    A word is a name in a language when the catalogue writes it as one more often than not, so "East" in
    "East Germany" does not make "east" a name while "nato" in an informal alias leaves NATO one.
    """
    votes: dict[tuple[str, str], int] = {}
    for claim in phrasings:
        for text, analysed in claim:
            for word, named in _words(text):
                key = (analysed.lang, word)
                votes[key] = votes.get(key, 0) + (1 if named else -1)
    anchors: list[tuple[str, ...]] = []
    for claim in phrasings:
        terms: set[str] = set()
        for text, analysed in claim:
            lang = analysed.lang
            terms.update(
                t for w, t in zip(analysed.surface, analysed.terms, strict=True) if votes.get((lang, w), 0) > 0
            )
            terms.update(w for w, named in _words(text) if named and w.isdigit())  # "'97" is no word of it
        anchors.append(tuple(sorted(terms)))
    return anchors
