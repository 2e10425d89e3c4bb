"""Safe Slack text: the one escape for mrkdwn, links built only by code, and cuts that never split a character."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from bot.domain.textcut import grapheme_cut

ELLIPSIS = "\u2026"
MAX_URL = 2000
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ENTITY = re.compile(r"&(amp|lt|gt);")
_UNESCAPES = {"amp": "&", "lt": "<", "gt": ">"}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def slack_escape(text: str) -> str:
    """Escape `&`, `<` and `>` so user or catalogue text can never become a mention, a ping or a link."""
    return text.translate(_ESCAPES)


def slack_unescape(text: str) -> str:
    """Undo slack_escape (used by tests and to show Slack's own text in plain inputs)."""
    return _ENTITY.sub(lambda m: _UNESCAPES[m.group(1)], text)


def scrub(text: str) -> str:
    """Replace lone surrogates (possible in JSON input) so payloads always encode as UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def truncate(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, on a grapheme boundary, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    cut = grapheme_cut(text, limit - len(ELLIPSIS))
    return text[:cut].rstrip() + ELLIPSIS


def cut_mrkdwn(mrkdwn: str, limit: int) -> str:
    """Cut already-escaped mrkdwn to `limit` characters at a safe point: never inside a `<...>` link or mention,
    an `&amp;`-style escape, or a character cluster; the cut is marked with an ellipsis."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = max(0, limit - len(ELLIPSIS))
    opened, closed = mrkdwn.rfind("<", 0, cut), mrkdwn.rfind(">", 0, cut)
    if opened > closed:
        cut = opened  # inside a link: drop it whole
    entity = mrkdwn.rfind("&", 0, cut)
    if entity >= 0 and ";" not in mrkdwn[entity:cut]:
        cut = entity  # inside &amp; &lt; or &gt;
    return mrkdwn[: grapheme_cut(mrkdwn, cut)] + ELLIPSIS


def fit(text: str, limit: int) -> str:
    """Escape text for mrkdwn, cut so that the escaped form is at most `limit` characters."""
    text = scrub(text)
    escaped = slack_escape(text)
    budget = limit
    while len(escaped) > limit:
        budget -= max(1, len(escaped) - limit)
        escaped = slack_escape(truncate(text, budget))
    return escaped


def https_url(url: str) -> str | None:
    """The URL if it is a clean https link factbot may show under its name, else None."""
    if not url or len(url) > MAX_URL:
        return None
    if any(ch.isspace() or ch in '<>|"' or unicodedata.category(ch) in {"Cc", "Cf"} for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not parts.hostname or "." not in parts.hostname:
        return None
    if parts.username or parts.password:
        return None
    return url


def link(url: str, label: str) -> str:
    """A mrkdwn link built by code: `<https://...|label>`, or just the escaped label when the URL is not safe."""
    safe = https_url(url)
    shown = slack_escape(scrub(label))
    if safe is None:
        return shown
    return f"<{slack_escape(safe)}|{shown}>"
