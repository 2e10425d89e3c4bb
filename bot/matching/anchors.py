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
_DIGIT = re.compile(r"\d")


def _words(text: str) -> list[tuple[str, bool]]:
    """Each word of a phrasing, lower-cased, and whether it is written as a name or number there."""
    found: list[tuple[str, bool]] = []
    sentence_start = True
    for token in _TOKEN.findall(text):
        if token in _SENTENCE_MARKS:
            sentence_start = True
            continue
        if token.islower() and len(token) > 1:  # most words: neither a name nor a year, written as they are
            found.append((token, not token.isalpha() and _DIGIT.search(token) is not None))
        elif len(token) > 1 or token.isdigit():
            capitals = token.isupper() and sum(c.isalpha() for c in token) >= 2
            named = token[0].isupper() and not sentence_start
            number = not token.isalpha() and _DIGIT.search(token) is not None  # a character test per word is slow
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
    votes: dict[str, dict[str, int]] = {}  # language -> word -> times written as a name minus times not
    numbers: list[list[str]] = []  # per claim, the numbers its phrasings write ("'97" is no word of them)
    for claim in phrasings:
        numbers.append([])
        for text, analysed in claim:
            counts = votes.setdefault(analysed.lang, {})
            for word, named in _words(text):
                counts[word] = counts.get(word, 0) + (1 if named else -1)
                if named and word.isdigit():
                    numbers[-1].append(word)
    names = {lang: frozenset(w for w, n in counts.items() if n > 0) for lang, counts in votes.items()}
    anchors: list[tuple[str, ...]] = []
    for claim, claim_numbers in zip(phrasings, numbers, strict=True):
        terms: set[str] = set(claim_numbers)
        for _, analysed in claim:
            lang_names = names.get(analysed.lang, frozenset())
            if not lang_names.isdisjoint(analysed.surface):
                terms.update(t for w, t in zip(analysed.surface, analysed.terms, strict=True) if w in lang_names)
        anchors.append(tuple(sorted(terms)))
    return anchors
