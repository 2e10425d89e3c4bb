"""Stems for the index: Snowball stemmers per language, memoised, and the content words worth stemming."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

import Stemmer

from bot.matching.clean import BOUNDARY_CHARS, fold_accents, fold_latin
from bot.matching.lexicon import STEMMER_NAMES, STOPWORDS

_local = threading.local()


def _stemmer(lang: str) -> Stemmer.Stemmer | None:
    # PyStemmer objects keep a cache and are not safe to share across threads.
    cache: dict[str, Stemmer.Stemmer | None] | None = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if lang not in cache:
        name = STEMMER_NAMES.get(lang)
        cache[lang] = Stemmer.Stemmer(name) if name else None
    return cache[lang]


_STEM_CACHE_LIMIT = 300_000  # words per language
_stem_cache: dict[str, dict[str, str]] = {}


def stem_words(tokens: Sequence[str], lang: str) -> list[str]:
    """Stem with the language's Snowball stemmer (or a prefix cut where none exists), then fold accents.

    Results are memoised per (word, language), since catalogues and chat repeat their words; the memo is
    dropped when it grows past a bound.
    """
    cache = _stem_cache.get(lang)
    if cache is None:
        cache = _stem_cache[lang] = {}
    try:
        return [cache[token] for token in tokens]
    except KeyError:
        pass
    # Work from a local copy, so that another thread clearing the memo cannot break this call.
    known = {token: stem for token in dict.fromkeys(tokens) if (stem := cache.get(token)) is not None}
    missing = [token for token in dict.fromkeys(tokens) if token not in known]
    stemmer = _stemmer(lang)
    # Chat often drops accents, so Latin-script words lose theirs before stemming too ("prometio" must stem
    # like "prometió"); Cyrillic keeps its letters (the Russian stemmer needs "й"), folded only afterwards.
    prepared = [fold_latin(t) for t in missing]
    stems = stemmer.stemWords(prepared) if stemmer else [t[:6] for t in prepared]
    fresh = {token: stem if stem.isascii() else fold_accents(stem) for token, stem in zip(missing, stems, strict=True)}
    if len(cache) > _STEM_CACHE_LIMIT:
        cache.clear()
    cache.update(fresh)
    known.update(fresh)
    return [known[token] for token in tokens]


def content_words(tokens: Sequence[str], lang: str) -> list[str]:
    """Tokens worth indexing: no stop-words, no single letters; negation words are kept on purpose."""
    stop = STOPWORDS.get(lang, STOPWORDS["en"])
    return [t for t in tokens if (len(t) > 1 or t.isdigit()) and t not in stop]


@lru_cache(maxsize=64)
def drop_set(lang: str) -> frozenset[str]:
    """Tokens never kept: the language's stop-words, single Latin letters and sentence marks."""
    return STOPWORDS.get(lang, STOPWORDS["en"]) | frozenset("abcdefghijklmnopqrstuvwxyz_") | BOUNDARY_CHARS


@lru_cache(maxsize=65536)
def stem_one(word: str, lang: str) -> str:
    """Stem a single word, memoised for typo repair."""
    return stem_words([word], lang)[0]
