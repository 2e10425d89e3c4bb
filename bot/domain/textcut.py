"""Text hygiene for display and storage: cut at a word, marked with an ellipsis; no lone surrogates."""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "\u2026"
REPLACEMENT = "\ufffd"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """Replace lone surrogates (JSON can carry them, UTF-8 cannot) with U+FFFD, so the text stores and prints."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


_ZWJ = "\u200d"


def _attaches_to_previous(char: str) -> bool:
    """Marks (Mn, Me, and spacing Mc such as Devanagari vowel signs), joiners, selectors, skin tones, tags."""
    code = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag sequences (subdivision flags)
        or 0xE0100 <= code <= 0xE01EF
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def grapheme_cut(text: str, index: int) -> int:
    """The largest cut position <= index that splits no user-visible character: not a base from its marks
    ("कि"), an emoji sequence, a flag (a pair of regional indicators), or a CRLF. One rule for every renderer."""
    index = max(0, min(index, len(text)))
    while 0 < index < len(text) and (_attaches_to_previous(text[index]) or text[index - 1] == _ZWJ):
        index -= 1
    if 0 < index < len(text) and _is_regional_indicator(text[index]):
        run = 0
        while index - run > 0 and _is_regional_indicator(text[index - run - 1]):
            run += 1
        index -= run % 2  # flags are pairs: never keep half of one
    if 0 < index < len(text) and text[index - 1] == "\r" and text[index] == "\n":
        index -= 1
    return index


def shorten(text: str, limit: int) -> str:
    """Collapse whitespace, then cut at a word boundary and mark the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + ELLIPSIS
