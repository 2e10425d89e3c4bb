"""Cleaning chat text for matching: markup, links and mentions out, contractions and chat negations spelt out,
accents folded. Linear in the length of the input: no nested quantifiers or backreferences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_URL = re.compile(
    r"(?:https?://|www\.)\S{0,2000}"  # full links
    r"|\b[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,12}/\S{0,2000}",  # bare domain/path: pic.twitter.com/x
    re.IGNORECASE,
)
_PLATFORM_MARKUP = re.compile(r"<[@#!][^<>\s]{0,120}>")
_MENTION = re.compile(r"(?<![\w@])@\w{1,64}")
_HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_APOSTROPHE_CHARS = ("\u2019", "\u02bc", "\u2018")  # and "`": all read as "'" (NFKC has already split "\u00b4")
# "didn't" and the misplaced "did'nt"; the stem before n't decides the auxiliary.
_CONTRACTION = re.compile(r"(\w+?)(?:n't|'nt)\b")
_CONTRACTION_STEMS = {"won": "will", "wo": "will", "can": "can", "ca": "can", "sha": "shall", "ai": "is"}
_WORD = re.compile(r"\w+")
_CHAT_NEGATION = re.compile(r"\b[dwihacmns][a-z]{1,6}nt\b")  # candidates for "didnt", "wasnt", "woudnt" ...
# Every control, format, private-use and surrogate code point (Unicode categories Cc, Cf, Co, Cs) except the
# line break, which marks a sentence end. Ranges from the Unicode 14 database of Python 3.11.
_INVISIBLE_RANGES = (
    (0x0, 0x9), (0xB, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD),
    (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xF8FF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD),
)  # fmt: skip
_INVISIBLE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _INVISIBLE_RANGES) + "]")
_US = re.compile(r"(?<![\w.])U\.?S\.?(?:A\.?)?(?![\w])")  # "US", "U.S.": the country, not the pronoun


def _split_hashtag(match: re.Match[str]) -> str:
    return " " + _CAMEL.sub(" ", match.group(1)).replace("_", " ") + " "


def clean(text: str) -> str:
    """Normalise Unicode; drop links, platform markup, @mentions and invisible characters; split #CamelCase;
    case-fold; expand "n't" contractions so the negation is a word of its own."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    # Each pass runs only when its trigger character is present: most text needs none of them.
    if "/" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "<" in text:
        text = _PLATFORM_MARKUP.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(_split_hashtag, text)
    if "US" in text or "U.S" in text:
        text = _US.sub(" USA ", text)
    if not text.isprintable():
        text = _INVISIBLE.sub(" ", text)
    text = text.casefold()
    if not text.isascii():
        for quote in _APOSTROPHE_CHARS:
            if quote in text:
                text = text.replace(quote, "'")
    if "`" in text:
        text = text.replace("`", "'")
    if "n't" in text or "'nt" in text:
        text = _CONTRACTION.sub(lambda m: f"{_CONTRACTION_STEMS.get(m.group(1), m.group(1))} not", text)
    if "nt" in text:
        text = _CHAT_NEGATION.sub(_expand_chat_negation, text)
    return text


def _expand_chat_negation(match: re.Match[str]) -> str:
    aux = negated_auxiliary(match.group())
    return f"{aux} not" if aux else match.group()


def words(cleaned: str) -> list[str]:
    """Split cleaned text into word tokens."""
    return _WORD.findall(cleaned)


# Chat spelling drops the apostrophe ("didnt", "wasnt") and often misspells the auxiliary too ("woudnt").
_NEGATED_AUX_EXACT = {
    "do": "do", "does": "does", "did": "did", "is": "is", "was": "was", "are": "are", "were": "were",
    "has": "has", "have": "have", "had": "had", "ca": "can", "can": "can", "wo": "will", "ai": "is",
    "would": "would", "could": "could", "should": "should", "must": "must", "need": "need", "might": "might",
}  # fmt: skip
_NEGATED_AUX_FUZZY = ("would", "could", "should", "does", "have", "were", "must", "need", "might", "did", "was")


def _near(a: str, b: str) -> bool:
    """Edit distance at most 1 (one insertion, deletion or substitution)."""
    if abs(len(a) - len(b)) > 1 or a[0] != b[0]:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@lru_cache(maxsize=8192)
def negated_auxiliary(token: str) -> str | None:
    """'didnt' -> 'did', 'woudnt' -> 'would', 'wasnt' -> 'was'; None for words like 'want' or 'parent'."""
    if len(token) < 4 or not token.endswith("nt") or not token.isalpha():
        return None
    stem = token[:-2]
    if stem in _NEGATED_AUX_EXACT:
        return _NEGATED_AUX_EXACT[stem]
    if stem.endswith("n") and stem[:-1] in _NEGATED_AUX_EXACT:  # "didnnt", "doesnnt"
        return _NEGATED_AUX_EXACT[stem[:-1]]
    if len(stem) >= 3:
        for aux in _NEGATED_AUX_FUZZY:
            if len(aux) >= 3 and _near(stem, aux):
                return aux
    return None


def expand_tokens(tokens: Sequence[str]) -> list[str]:
    """Split apostrophe-less negated auxiliaries into auxiliary + 'not'."""
    out: list[str] = []
    for token in tokens:
        aux = negated_auxiliary(token) if token.endswith("nt") else None
        if aux is None:
            out.append(token)
        else:
            out.extend((aux, "not"))
    return out


def fold_latin(word: str) -> str:
    if word.isascii() or not any("\u00c0" <= ch <= "\u024f" for ch in word):
        return word.replace("ё", "е") if "ё" in word else word
    return "".join(fold_accents(ch) if "\u00c0" <= ch <= "\u024f" else ch for ch in word)


def fold_accents(word: str) -> str:
    """Strip diacritics: 'prometió' and 'prometio', 'Горбачёв' and 'Горбачев' meet."""
    decomposed = unicodedata.normalize("NFD", word)
    if decomposed == word:
        return word
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Sentence-boundary marks, kept as tokens of their own by the tokeniser.
BOUNDARY_CHARS = frozenset(".!?;…\n")
