"""Text analysis for matching: clean, tokenise, guess the language, note negation scopes, stem.

The jobs live in their own modules (clean, language, negation, stemming, lexicon); this one puts them together.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from bot.matching.clean import BOUNDARY_CHARS, clean
from bot.matching.language import guess_language
from bot.matching.negation import separate_retorts, stance_of
from bot.matching.stemming import drop_set, stem_words


class Analysed(NamedTuple):
    """A piece of text turned into what the index and the stance check need.

    `terms` are the stems of the content words `surface`, in reading order; `stances` gives, for each term,
    1 if it stands under a negation (see `stance_contexts`); `negations` counts the effective negations.
    With `offsets=True`, `cleaned` is the cleaned text and `offsets` each term's span in it.
    """

    lang: str
    terms: tuple[str, ...]
    negations: int
    surface: tuple[str, ...]
    stances: tuple[int, ...] = ()
    cleaned: str = ""
    offsets: tuple[tuple[int, int], ...] = ()


_TOKEN = re.compile(r"\w+|[.!?;…\n]")
_ASCII_TOKEN = re.compile(r"[a-z0-9_]+|[.!?;\n]")  # the same on case-folded ASCII text, and faster


def tokenize(cleaned: str) -> list[str]:
    """Word tokens with sentence-boundary marks kept as tokens (one per mark)."""
    return _TOKEN.findall(cleaned)


def analyse(text: str, lang: str | None = None, *, offsets: bool = False) -> Analysed:
    """Clean, tokenise, guess the language if not given, drop stop-words and stem; note negation scopes."""
    cleaned = separate_retorts(clean(text))
    spans: list[tuple[int, int]] = []
    if offsets:
        matches = list(_TOKEN.finditer(cleaned))
        tokens = [m.group() for m in matches]
        spans = [m.span() for m in matches]
    else:
        tokens = (_ASCII_TOKEN if cleaned.isascii() else _TOKEN).findall(cleaned)
    language = lang or guess_language([t for t in tokens if t[0] not in BOUNDARY_CHARS])
    contexts, negations = stance_of(tokens, language)
    drop = drop_set(language)
    # Boundary marks are single characters, so the length test drops them with the single letters.
    if negations or offsets:
        keep = [i for i, token in enumerate(tokens) if token not in drop and (len(token) > 1 or token.isdigit())]
        kept = [tokens[i] for i in keep]
        stances = tuple(contexts[i] for i in keep)
    else:
        kept = [token for token in tokens if token not in drop and (len(token) > 1 or token.isdigit())]
        stances = (0,) * len(kept)
    return Analysed(
        language,
        tuple(stem_words(kept, language)),
        negations,
        tuple(kept),
        stances,
        cleaned if offsets else "",
        tuple(spans[i] for i in keep) if offsets else (),
    )


@lru_cache(maxsize=64)
def analyse_message(text: str) -> Analysed:
    """A message analysed with offsets, remembered briefly, so the shared index and a community's own index analyse
    one message once."""
    return analyse(text, offsets=True)
