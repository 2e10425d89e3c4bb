"""Guessing a message's language, cheaply, to pick its stop-words and stemmer."""

from __future__ import annotations

from collections.abc import Sequence

from bot.matching.lexicon import STOPWORDS, word_set
from bot.matching.negation import N_WORDS, NEGATORS


def guess_language(tokens: Sequence[str], default: str = "en") -> str:
    """Guess the language of a message from its script and its stop-words; cheap and good enough to pick a stemmer."""
    cyrillic = sum(1 for t in tokens if t and "\u0400" <= t[0] <= "\u04ff")
    if tokens and cyrillic * 2 >= len(tokens):
        if any(ch in t for t in tokens for ch in "іїєґ"):
            return "uk"
        return "ru"
    best, best_hits = default, 0
    for lang in ("en", "es", "de", "fr", "pl"):
        stop = _GUESS_WORDS[lang]
        hits = sum(map(stop.__contains__, tokens))  # in C: True counts 1
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


_GUESS_WORDS = {
    lang: (STOPWORDS[lang] | NEGATORS[lang] | N_WORDS[lang])
    - frozenset({"a", "o", "y", "i", "e", "de", "en", "in", "la", "no", "so", "an", "die", "son", "des", "on"})
    | word_set({"en": "the and not of is was to", "es": "el la de que no", "de": "die der und ist nicht",
                 "fr": "le la les de des est", "pl": "nie się że"}[lang])
    for lang in ("en", "es", "de", "fr", "pl")
}  # fmt: skip
