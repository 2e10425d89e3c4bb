"""Split long messages into sentence windows, since a claim usually sits in one sentence of a long message."""

from __future__ import annotations

import itertools
import re

_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+|\s{3,}")
MIN_WINDOW_WORDS = 3


def split_windows(text: str, *, whole_limit: int = 280, max_windows: int = 48) -> list[str]:
    """Return the spans worth matching: the whole text if short, plus sentences and adjacent sentence pairs."""
    text = text.strip()
    if not text:
        return []
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    if len(sentences) <= 1 and len(text) <= whole_limit:
        return [text]
    windows: list[str] = [text] if len(text) <= whole_limit else []
    kept = [s for s in sentences if len(s.split()) >= MIN_WINDOW_WORDS]
    windows.extend(kept)
    windows.extend(f"{a} {b}" for a, b in itertools.pairwise(sentences))
    unique = list(dict.fromkeys(windows))
    return unique[:max_windows] or [text[:whole_limit]]
