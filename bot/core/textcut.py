"""Text hygiene for display and storage: cut at a word, marked with an ellipsis; no lone surrogates."""

from __future__ import annotations

import re

ELLIPSIS = "\u2026"
REPLACEMENT = "\ufffd"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """Replace lone surrogates (JSON can carry them, UTF-8 cannot) with U+FFFD, so the text stores and prints."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


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
