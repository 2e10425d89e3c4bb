"""The one way untrusted text reaches a Discord payload: mentions defused, Markdown escaped, cut cleanly."""

from __future__ import annotations

import re

from bot.domain.textcut import grapheme_cut

ELLIPSIS = "\u2026"
ZERO_WIDTH_SPACE = "\u200b"
# `@everyone`, `@here` (even glued to more text) and `<@id>`, `<@!id>`, `<@&id>`, whatever the case or the id length.
_MENTION = re.compile(r"@(?=everyone|here|[!&]?\d)", re.IGNORECASE)


def defuse_mentions(text: str) -> str:
    """Break every mass, role and user mention with a zero-width space, so it cannot ping even if parsed."""
    return _MENTION.sub("@" + ZERO_WIDTH_SPACE, text)


_BARE_URL = re.compile(r"(?<![<(])\bhttps?://[^\s<>]+")


def no_previews(text: str) -> str:
    """Wrap bare links in <…>, which stops Discord previewing them even on a message that has embeds."""
    return _BARE_URL.sub(lambda m: f"<{m.group(0)}>", text)


_BACKTICKS = re.compile(r"`+")


def inert_links(markdown: str) -> str:
    """The core's text with its code spans kept but no masked link: `[`, `]` and `\\` escaped outside code spans.

    Core messages quote users (report text, a bad argument) beside their own `code` Markdown, so escaping it all
    would break the code spans, and leaving it would let "[Verify your account](https://evil.example)" render
    as a link under factbot's name. Code spans render literally, so only the text outside them is touched,
    found the way Discord does: a run of backticks closes at the next run of the same length.
    """
    out: list[str] = []
    position = 0
    while position < len(markdown):
        opening = _BACKTICKS.search(markdown, position)
        if opening is None:
            out.append(_escape_brackets(markdown[position:]))
            break
        out.append(_escape_brackets(markdown[position : opening.start()]))
        closing = next(
            (m for m in _BACKTICKS.finditer(markdown, opening.end()) if len(m.group()) == len(opening.group())), None
        )
        if closing is None:
            out.append(opening.group())
            position = opening.end()
            continue
        out.append(markdown[opening.start() : closing.end()])
        position = closing.end()
    return "".join(out)


_BRACKET = re.compile(r"([\\\[\]])")


def _escape_brackets(text: str) -> str:
    """Escape backslashes too, so a user's own backslash cannot undo the escape of the bracket after it."""
    return _BRACKET.sub(r"\\\1", text)


# Characters that format text wherever they stand (emphasis, spoilers, code, and the brackets of a masked link), and
# those that do at the start of a line (quotes, headings, subtext, lists).
_INLINE = re.compile(r"([\\*_~|`\[\]])")
_LINE_START = re.compile(r"(?m)^(\s*)([>#\-+])")


def untrusted(text: str) -> str:
    """User or catalogue text made inert: no pings, no Markdown, no masked links (bare URLs stay readable).

    Escapes are invisible in Discord, so the text reads as written. discord.py's escape_markdown is not enough:
    it reads "[a](<x>) [b](<y>)" as one link and escapes only its first bracket, leaving the second link live.
    """
    escaped = _INLINE.sub(r"\\\1", defuse_mentions(text))
    return _LINE_START.sub(r"\1\\\2", escaped)


def clip(text: str, limit: int) -> str:
    """Fit text in `limit` characters, cutting at a word or cluster boundary and ending with an ellipsis."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    cut = grapheme_cut(text, limit - 1)
    space = text.rfind(" ", 0, cut + 1)
    if space > cut - 40 and space > limit // 2:
        cut = space
    head = text[: grapheme_cut(text, cut)]
    while True:  # no dangling space or joiner, and no escape backslash left to escape the ellipsis
        tidy = head.rstrip().rstrip("\u200d")
        if (len(tidy) - len(tidy.rstrip("\\"))) % 2:
            tidy = tidy[:-1]
        if tidy == head:
            break
        head = tidy
    return head + ELLIPSIS


def quote(text: str, limit: int) -> str:
    """Untrusted text in curly quotes, escaped, within `limit` characters."""
    return f"\u201c{clip(untrusted(' '.join(text.split())), limit - 2)}\u201d"


_ESCAPED = re.compile(r"\\([^\w\s])")


def unquote(text: str) -> str:
    """Undo `quote` well enough to pre-fill a form with text factbot showed (it may have been shortened)."""
    inner = text.removeprefix("\u201c").removesuffix("\u201d")
    return _ESCAPED.sub(r"\1", inner).replace("@" + ZERO_WIDTH_SPACE, "@")
