"""Replies as Slack messages: Block Kit within Slack's limits, a plain-text fallback, every text escaped."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.manifest import COMMAND
from bot.adapters.slack.mrkdwn import fit, link
from bot.core.models import Claim, Evidence, Reply, ReplyAction, ReplyKind, Stance, Verdict

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks): 50 blocks, 3,000 characters per section,
# 10 elements per context or actions block, 75 characters per button label, 2,000 per button value.
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTON_VALUE = 2000
# factbot's own budget, far below those limits, so a reply stays readable (reliability SL-9).
MAX_FALLBACK = 600
MAX_CLAIM = 500
MAX_SUMMARY = 1500
MAX_EXCERPT = 500
MAX_META = 300
FACT_CHECK_EXCERPTS = 3
CLAIM_EXCERPTS = 15
MAX_LISTED = 10

ACTION_FEEDBACK = "factbot:feedback"
ACTION_SHARE = "factbot:share"
ACTION_EVIDENCE = "factbot:evidence"
ACTION_REPORT = "factbot:report"

Block = dict[str, Any]
Message = dict[str, Any]

_VERDICT_EMOJI = {
    Verdict.ACCURATE: ":large_green_circle:",
    Verdict.MOSTLY_ACCURATE: ":large_green_circle:",
    Verdict.NEEDS_CONTEXT: ":large_yellow_circle:",
    Verdict.MISLEADING: ":large_orange_circle:",
    Verdict.DISPUTED: ":large_yellow_circle:",
    Verdict.MOSTLY_FALSE: ":red_circle:",
    Verdict.FALSE: ":red_circle:",
    Verdict.UNSUPPORTED: ":red_circle:",
}
_STANCE = {
    Stance.SUPPORTS: "supports the claim",
    Stance.CONTRADICTS: "cuts against the claim",
    Stance.CONTEXT: "context",
}
_FEEDBACK_LABELS = {
    ReplyAction.HELPFUL: "Helpful",
    ReplyAction.NOT_HELPFUL: "Not helpful",
    ReplyAction.WRONG_CLAIM: "Wrong claim",
}


def section(mrkdwn: str) -> Block:
    """A section block; callers pass text that is already escaped and within MAX_SECTION."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:MAX_SECTION]}}


def context(*mrkdwn: str) -> Block:
    """A context block of small grey text (at most 10 elements)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:MAX_SECTION]} for t in mrkdwn[:10]]}


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    """A button with a fixed label; its value is data for factbot, never shown as mrkdwn."""
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:75]},
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if style:
        element["style"] = style
    return element


def _verdict_line(claim: Claim) -> str:
    return f"{_VERDICT_EMOJI[claim.verdict]} *{claim.verdict.label}*  \u201c{fit(claim.claim, MAX_CLAIM)}\u201d"


def _evidence_blocks(evidence: Evidence) -> list[Block]:
    source = link(evidence.url, "source")
    meta = f"{fit(evidence.title, MAX_META)}, {fit(evidence.date, 20)} \u00b7 {fit(evidence.source, MAX_META)}"
    return [
        section(f"\u201c{fit(evidence.excerpt, MAX_EXCERPT)}\u201d"),
        context(f"{meta} \u00b7 {source} \u00b7 _{_STANCE[evidence.stance]}_"),
    ]


def claim_blocks(claim: Claim, *, excerpts: int, more_hint: str) -> list[Block]:
    """The claim, its verdict, the summary and up to `excerpts` excerpts with date, source and link."""
    blocks = [section(_verdict_line(claim)), section(fit(claim.summary, MAX_SUMMARY))]
    status = "" if claim.is_active else " \u00b7 retired: no longer matched"
    blocks.append(context(f"Claim `{fit(claim.id, 80)}`{status}"))
    for evidence in claim.evidence[:excerpts]:
        blocks += _evidence_blocks(evidence)
    hidden = len(claim.evidence) - min(len(claim.evidence), excerpts)
    if hidden:
        blocks.append(context(f"\u2026and {hidden} more excerpt{'s' if hidden > 1 else ''} {more_hint}"))
    return blocks


def candidate_lines(candidates: tuple[tuple[Claim, float], ...]) -> str:
    """Claims as a bulleted list with their ids and verdicts."""
    lines = [
        f"\u2022 `{fit(claim.id, 80)}` ({claim.verdict.label}): {fit(claim.claim, 200)}"
        for claim, _ in candidates[:MAX_LISTED]
    ]
    return "\n".join(lines)


def _text_sections(text: str) -> list[Block]:
    """Long plain text (help, listings) as as many sections as it needs, split between lines."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for raw in text.splitlines() or [""]:
        line = fit(raw, MAX_SECTION)
        if chunk and size + len(line) + 1 > MAX_SECTION:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    blocks.append(section("\n".join(chunk)))
    return blocks[: MAX_BLOCKS - 5]


def _action_buttons(reply: Reply, *, shareable: bool) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    if reply.reply_id:
        for action in reply.actions:
            if action in _FEEDBACK_LABELS:
                buttons.append(button(_FEEDBACK_LABELS[action], f"{ACTION_FEEDBACK}:{action.value}", reply.reply_id))
    claim = reply.claim
    if (
        claim is not None
        and ReplyAction.SHOW_ALL_EVIDENCE in reply.actions
        and reply.kind is ReplyKind.FACT_CHECK
        and len(claim.evidence) > FACT_CHECK_EXCERPTS
    ):
        buttons.append(button("Show all evidence", ACTION_EVIDENCE, claim.id))
    if ReplyAction.REPORT in reply.actions and reply.query and reply.query.strip():
        buttons.append(button("Report to moderators", ACTION_REPORT, reply.query))
    if shareable and claim is not None:
        buttons.append(button("Share in channel", ACTION_SHARE, claim.id, style="primary"))
    return buttons[:10]


def reply_blocks(reply: Reply, *, shareable: bool = False, shared: bool = False) -> list[Block]:
    """The Block Kit body of one reply; `shareable` adds "Share in channel", `shared` is the public short form."""
    blocks: list[Block] = []
    claim = reply.claim
    if claim is not None and (reply.kind is ReplyKind.FACT_CHECK or (shared and reply.kind is ReplyKind.CLAIM)):
        blocks.append(section("*This claim has been fact-checked:*"))
        hint = f"(`{COMMAND} show {claim.id}` shows them all)"
        blocks += claim_blocks(claim, excerpts=FACT_CHECK_EXCERPTS, more_hint=hint)
        if reply.candidates:
            blocks.append(context("Related: " + ", ".join(f"`{fit(c.id, 80)}`" for c, _ in reply.candidates[:5])))
        if reply.unprompted:
            blocks.append(context("factbot answers known claims in this channel automatically."))
    elif claim is not None and reply.kind is ReplyKind.CLAIM:
        blocks += claim_blocks(
            claim, excerpts=CLAIM_EXCERPTS, more_hint="are in the catalogue (too many for one message)"
        )
    else:
        prefix = ":warning: " if reply.kind is ReplyKind.ERROR else ""
        blocks += _text_sections(prefix + reply.text)
        if reply.candidates:
            blocks.append(section(candidate_lines(reply.candidates)))
        if reply.attachment is not None:
            # Uploading files needs the files:write scope, which factbot does not ask for (least privilege).
            blocks.append(context("The chart is not shown on Slack; the figures above are the same."))
    buttons = [] if shared else _action_buttons(reply, shareable=shareable)
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks[:MAX_BLOCKS]


def fallback_text(reply: Reply) -> str:
    """The notification and screen-reader text: the core's short text, escaped (it is parsed like mrkdwn)."""
    return fit(reply.text, MAX_FALLBACK)


def render(reply: Reply, *, shareable: bool = False, shared: bool = False) -> Message:
    """A complete chat message for chat.postMessage, chat.postEphemeral or a response_url: never unfurled."""
    return {
        "text": fallback_text(reply),
        "blocks": reply_blocks(reply, shareable=shareable, shared=shared),
        "unfurl_links": False,
        "unfurl_media": False,
    }
