"""Plain-text rendering of replies, for the terminal (CLI and console) and as a fallback for other adapters."""

from __future__ import annotations

import dataclasses
import textwrap
import unicodedata
from dataclasses import dataclass

from bot.domain.evidence import (
    LEAD_QUOTE_CHARS,
    ShownQuote,
    brief_of,
    has_more,
    lead_quotes,
    shown_quote,
    source_line,
)
from bot.domain.models import Claim, Reply, ReplyKind, Verdict, fact_check_heading
from bot.domain.textcut import shorten

MAX_EXCERPT_CHARS = 1500

_VERDICT_COLOURS = {
    Verdict.ACCURATE: "32",
    Verdict.MOSTLY_ACCURATE: "32",
    Verdict.NEEDS_CONTEXT: "33",
    Verdict.DISPUTED: "33",
    Verdict.MISLEADING: "33",
    Verdict.MOSTLY_FALSE: "31",
    Verdict.FALSE: "31",
    Verdict.UNSUPPORTED: "31",
}


@dataclass(frozen=True, slots=True)
class Style:
    """ANSI styling, or none at all when output is not a colour terminal."""

    colour: bool = False
    width: int = 88

    def paint(self, text: str, code: str) -> str:
        """Wrap text in an ANSI colour code if colour is on."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text


def _wrap(text: str, style: Style, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=style.width, initial_indent=indent, subsequent_indent=indent) or [indent]


def render_quote(quote: ShownQuote, style: Style, *, full: bool = False) -> list[str]:
    """One excerpt: the quote (a translation is labelled; `full` adds the original), its note, source and link."""
    evidence = quote.evidence
    limit = MAX_EXCERPT_CHARS if full else LEAD_QUOTE_CHARS
    if full and evidence.translation is not None:
        lines = _wrap(f"\u201c{shorten(evidence.excerpt, limit)}\u201d", style, "    ")
        lines += _wrap(f"English translation by {evidence.translation_by}:", style, "     ")
        lines += _wrap(f"\u201c{shorten(evidence.translation, limit)}\u201d", style, "     ")
    else:
        lines = _wrap(f"\u201c{shorten(quote.text, limit)}\u201d", style, "    ")
        if quote.translation_label:
            lines += _wrap(f"[{quote.translation_label}]", style, "     ")
    lines[0] = f"  {quote.number}." + lines[0][3:]
    if quote.note:
        lines += _wrap(f"Note: {quote.note}", style, "     ")
    lines += _wrap(f"\u2014 {source_line(evidence)} ({quote.stance_label})", style, "     ")
    lines.append("     " + style.paint(evidence.url, "4"))
    return lines


def render_claim(claim: Claim, style: Style, *, all_evidence: bool = False) -> list[str]:
    """The claim and its verdict; then the brief and the leading excerpts, or (all_evidence) the whole record."""
    verdict = style.paint(claim.verdict.label.upper(), "1;" + _VERDICT_COLOURS[claim.verdict])
    lines = [f"{verdict}  \u201c{claim.claim}\u201d", style.paint(f"[{claim.id}]", "2")]
    if not claim.is_active:
        lines.append(style.paint("(retired: no longer matched)", "2"))
    if all_evidence:
        lines += _wrap(claim.summary, style)
        quotes = [shown_quote(claim, i) for i in range(len(claim.evidence))]
    else:
        lines += _wrap(brief_of(claim), style)
        quotes = list(lead_quotes(claim))
    if quotes:
        lines.append("From the record:")
        for quote in quotes:
            lines += render_quote(quote, style, full=all_evidence)
    if not all_evidence and has_more(claim):
        count = len(claim.evidence)
        lines.append(style.paint(f"  The full summary and all {count} excerpts: `claim show {claim.id}`", "2"))
    return lines


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def visible_controls(text: str) -> str:
    """Control characters shown as escapes, so text from users cannot drive the terminal.

    An ESC sequence could recolour or clear the screen, and OSC 8 hides a clickable link behind harmless words;
    bidirectional overrides reorder what is read. Newlines and tabs stay.
    """
    return "".join(
        ch if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ch not in _BIDI) else f"\\u{ord(ch):04x}"
        for ch in text
    )


def render_reply(reply: Reply, style: Style | None = None) -> str:
    """Render any reply as readable text; its own text may quote users, so its control characters are escaped."""
    style = style or Style()
    reply = dataclasses.replace(reply, text=visible_controls(reply.text))
    lines: list[str] = []
    if reply.kind is ReplyKind.FACT_CHECK and reply.claim:
        lines.append(style.paint(f"{fact_check_heading(reply)}:", "1"))
        lines += render_claim(reply.claim, style)
        if reply.reply_id:
            lines.append(style.paint(f"(ref {reply.reply_id})", "2"))
    elif reply.kind is ReplyKind.CLAIM and reply.claim:
        lines.append(style.paint(reply.text, "2"))
        lines += render_claim(reply.claim, style, all_evidence=True)
    else:
        lines.append(style.paint(reply.text, "31") if reply.kind is ReplyKind.ERROR else reply.text)
    if reply.candidates:
        if reply.kind is ReplyKind.FACT_CHECK:
            lines.append("Related claims:")
        for claim, _ in reply.candidates:
            lines.append(f"  \u2022 {claim.id} ({claim.verdict.label}): {shorten(claim.claim, 110)}")
    return "\n".join(lines)
