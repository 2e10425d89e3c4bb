"""Plain-text rendering of replies, for the terminal (CLI and console) and as a fallback for other adapters."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from bot.core.models import Claim, Evidence, Reply, ReplyKind, Stance, Verdict

DEFAULT_EXCERPTS = 3
MAX_EXCERPT_CHARS = 600

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
_STANCE_LABELS = {
    Stance.SUPPORTS: "supports the claim",
    Stance.CONTRADICTS: "cuts against the claim",
    Stance.CONTEXT: "context",
}


@dataclass(frozen=True, slots=True)
class Style:
    """ANSI styling, or none at all when output is not a colour terminal."""

    colour: bool = False
    width: int = 88

    def paint(self, text: str, code: str) -> str:
        """Wrap text in an ANSI colour code if colour is on."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text


def shorten(text: str, limit: int) -> str:
    """Cut text at a word boundary and mark the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "\u2026"


def _wrap(text: str, style: Style, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=style.width, initial_indent=indent, subsequent_indent=indent) or [indent]


def render_evidence(number: int, evidence: Evidence, style: Style) -> list[str]:
    """One excerpt: the quote, then its date, source, title and link."""
    lines = _wrap(f"\u201c{shorten(evidence.excerpt, MAX_EXCERPT_CHARS)}\u201d", style, "    ")
    lines[0] = f"  {number}." + lines[0][3:]
    lines += _wrap(
        f"\u2014 {evidence.title}, {evidence.date}. {evidence.source}. ({_STANCE_LABELS[evidence.stance]})",
        style,
        "     ",
    )
    lines.append("     " + style.paint(evidence.url, "4"))
    return lines


def render_claim(claim: Claim, style: Style, *, all_evidence: bool = False) -> list[str]:
    """The claim, its verdict, the summary and the excerpts."""
    verdict = style.paint(claim.verdict.label.upper(), "1;" + _VERDICT_COLOURS[claim.verdict])
    lines = [f"{verdict}  \u201c{claim.claim}\u201d", style.paint(f"[{claim.id}]", "2")]
    if not claim.is_active:
        lines.append(style.paint("(retired: no longer matched)", "2"))
    lines += _wrap(claim.summary, style)
    shown = claim.evidence if all_evidence else claim.evidence[:DEFAULT_EXCERPTS]
    if shown:
        lines.append("From the record:")
        for number, evidence in enumerate(shown, start=1):
            lines += render_evidence(number, evidence, style)
    hidden = len(claim.evidence) - len(shown)
    if hidden > 0:
        lines.append(style.paint(f"  \u2026and {hidden} more: `claim show {claim.id}`", "2"))
    return lines


def render_reply(reply: Reply, style: Style | None = None) -> str:
    """Render any reply as readable text."""
    style = style or Style()
    lines: list[str] = []
    if reply.kind is ReplyKind.FACT_CHECK and reply.claim:
        lines.append(style.paint("This claim has been fact-checked:", "1"))
        lines += render_claim(reply.claim, style)
        if reply.match:
            lines.append(
                style.paint(
                    f"(matched \u201c{shorten(reply.match.matched_variant, 120)}\u201d, score {reply.match.score:.2f})",
                    "2",
                )
            )
    elif reply.kind is ReplyKind.CLAIM and reply.claim:
        lines.append(style.paint(reply.text, "2"))
        lines += render_claim(reply.claim, style, all_evidence=True)
    else:
        lines.append(style.paint(reply.text, "31") if reply.kind is ReplyKind.ERROR else reply.text)
    if reply.candidates:
        if reply.kind is ReplyKind.FACT_CHECK:
            lines.append("Related claims:")
        for claim, score in reply.candidates:
            lines.append(f"  \u2022 {claim.id} ({claim.verdict.label}, {score:.2f}): {shorten(claim.claim, 110)}")
    return "\n".join(lines)
