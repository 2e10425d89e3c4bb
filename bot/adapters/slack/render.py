"""Replies as Slack messages: Block Kit within Slack's limits, a plain-text fallback, every text escaped."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.adapters.slack.manifest import COMMAND
from bot.adapters.slack.mrkdwn import cut_mrkdwn, fit, link, slack_unescape
from bot.domain.evidence import CardQuote, ShownQuote, chat_card, has_more, lead_indexes, shown_quote
from bot.domain.models import Claim, Reply, ReplyAction, ReplyKind, Verdict, fact_check_heading

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks): 50 blocks, 3,000 characters per section,
# 10 elements per context or actions block, 75 characters per button label, 2,000 per button value.
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_BUTTON_VALUE = 2000
# factbot's own budget, far below those limits, so a reply stays readable (reliability SL-9).
MAX_FALLBACK = 600
MAX_CLAIM = 500
MAX_SUMMARY = 1500
MAX_EXCERPT = 1500
MAX_META = 300
CLAIM_EXCERPTS = 12
# The whole record stays well inside what Slack accepts for one message, as its JSON is counted.
RECORD_BUDGET = 30_000
# What each excerpt of a chat-sized fact-check adds beyond the card's own text (quotes, "Note: ", separators).
CARD_MARKS = 16
# The labels of the buttons under a fact-check (Helpful, Not helpful, Wrong claim, Show all evidence, Share).
BUTTON_LABELS = 70
RELATED_CHARS = 160
_LINK = re.compile(r"<https://[^|>]*\|([^>]*)>")
_EMOJI = re.compile(r":[a-z0-9_+-]+:")
MAX_LISTED = 10

ACTION_FEEDBACK = "factbot:feedback"
ACTION_SHARE = "factbot:share"
ACTION_EVIDENCE = "factbot:evidence"
ACTION_REPORT = "factbot:report"
ACTION_APPROVE = "factbot:approve"
ACTION_REJECT = "factbot:reject"

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
_FEEDBACK_LABELS = {
    ReplyAction.HELPFUL: "Helpful",
    ReplyAction.NOT_HELPFUL: "Not helpful",
    ReplyAction.WRONG_CLAIM: "Wrong claim",
}


def section(mrkdwn: str) -> Block:
    """A section block; callers pass text that is already escaped and within MAX_SECTION."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut_mrkdwn(mrkdwn, MAX_SECTION)}}


def context(*mrkdwn: str) -> Block:
    """A context block of small grey text (at most 10 elements)."""
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut_mrkdwn(t, MAX_SECTION)} for t in mrkdwn[:10]],
    }


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


def _verdict_line(claim: Claim, text: str | None = None) -> str:
    return f"{_VERDICT_EMOJI[claim.verdict]} *{claim.verdict.label}*  \u201c{fit(text or claim.claim, MAX_CLAIM)}\u201d"


def _card_blocks(card_quote: CardQuote) -> list[Block]:
    """A leading excerpt of a chat-sized reply; the core has already cut every part to fit the budget."""
    lines = [f"\u201c{fit(card_quote.text, MAX_EXCERPT)}\u201d"]
    if card_quote.translation_label:
        lines.append(f"_{fit(card_quote.translation_label, MAX_META)}_")
    if card_quote.note:
        lines.append(f"Note: {fit(card_quote.note, MAX_META)}")
    meta = f"{fit(card_quote.title, MAX_META)}, {fit(card_quote.date, 20)} \u00b7 {fit(card_quote.source, MAX_META)}"
    return [
        section("\n".join(lines)),
        context(f"{meta} \u00b7 {link(card_quote.url, 'source')} \u00b7 _{card_quote.stance_label}_"),
    ]


def _record_blocks(shown: ShownQuote) -> list[Block]:
    """One excerpt of the full record: original wording, then its translation and who made it, the note."""
    evidence = shown.evidence
    lines = [f"*{shown.number}.* \u201c{fit(evidence.excerpt, MAX_EXCERPT)}\u201d"]
    if evidence.translation is not None:
        translator = fit(evidence.translation_by or "", MAX_META)
        lines.append(f"_English translation by {translator}:_ \u201c{fit(evidence.translation, MAX_EXCERPT)}\u201d")
    if shown.note:
        lines.append(f"Note: {fit(shown.note, MAX_META)}")
    meta = f"{fit(evidence.title, MAX_META)}, {fit(evidence.date, 20)} \u00b7 {fit(evidence.source, MAX_META)}"
    return [
        section("\n".join(lines)),
        context(f"{meta} \u00b7 {link(evidence.url, 'source')} \u00b7 _{shown.stance_label}_"),
    ]


def visible(mrkdwn: str) -> str:
    """What a reader sees of mrkdwn: a link shows its label, an escape its character, an emoji one symbol."""
    text = _LINK.sub(r"\1", mrkdwn)
    return _EMOJI.sub("*", slack_unescape(text))


def fact_check_blocks(reply: Reply, claim: Claim, *, shared: bool) -> list[Block]:
    """A chat-sized fact-check: verdict, claim, brief and the strongest excerpt of each side, within the budget."""
    command = f"`{COMMAND} show {fit(claim.id, 80)}`"
    status = "" if claim.is_active else " \u00b7 retired: no longer matched"
    reference = f" \u00b7 ref {fit(reply.reply_id, 40)}" if reply.reply_id and not shared else ""
    head = [f"*{fact_check_heading(reply)}:*", f"Claim `{fit(claim.id, 80)}`{status}{reference}"]
    tail = []
    if has_more(claim):
        hint = command if shared else f"*Show all evidence*, or {command}"
        tail.append(f"The full summary and all {len(claim.evidence)} excerpts: {hint}")
    if reply.candidates:
        related = ", ".join(f"`{c.id}`" for c, _ in reply.candidates[:5])
        tail.append(f"Related: {fit(related, RELATED_CHARS)}")
    if reply.unprompted:
        tail.append("factbot answers known claims in this channel automatically.")
    chrome = [*head, *tail, _verdict_line(claim, "")]
    overhead = sum(len(visible(t)) for t in chrome) + CARD_MARKS * len(lead_indexes(claim)) + BUTTON_LABELS
    card = chat_card(claim, overhead=overhead)
    blocks = [section(head[0]), section(_verdict_line(claim, card.text)), section(fit(card.brief, MAX_SUMMARY))]
    blocks.append(context(head[1]))
    for card_quote in card.quotes:
        blocks += _card_blocks(card_quote)
    blocks += [context(line) for line in tail]
    return blocks


def record_blocks(claim: Claim) -> list[Block]:
    """The whole record: verdict, claim, the full summary and every excerpt with its translation."""
    blocks = [section(_verdict_line(claim)), section(fit(claim.summary, MAX_SUMMARY))]
    status = "" if claim.is_active else " \u00b7 retired: no longer matched"
    blocks.append(context(f"Claim `{fit(claim.id, 80)}`{status}"))
    shown = 0
    for index in range(min(len(claim.evidence), CLAIM_EXCERPTS)):
        more = _record_blocks(shown_quote(claim, index))
        if shown and len(json.dumps(blocks + more)) > RECORD_BUDGET:
            break
        blocks += more
        shown += 1
    hidden = len(claim.evidence) - shown
    if hidden > 0:
        blocks.append(context(f"\u2026and {hidden} more excerpts in the catalogue (too many for one message)"))
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
        and has_more(claim)
    ):
        buttons.append(button("Show all evidence", ACTION_EVIDENCE, claim.id))
    if ReplyAction.REPORT in reply.actions and reply.query and reply.query.strip():
        buttons.append(button("Report to moderators", ACTION_REPORT, reply.query))
    if shareable and claim is not None:
        buttons.append(button("Share in channel", ACTION_SHARE, claim.id, style="primary"))
    if reply.held_id is not None:
        if ReplyAction.APPROVE in reply.actions:
            buttons.append(button("Approve and post", ACTION_APPROVE, str(reply.held_id), style="primary"))
        if ReplyAction.REJECT in reply.actions:
            buttons.append(button("Reject", ACTION_REJECT, str(reply.held_id), style="danger"))
    return buttons[:10]


def reply_blocks(reply: Reply, *, shareable: bool = False, shared: bool = False) -> list[Block]:
    """The Block Kit body of one reply; `shareable` adds "Share in channel", `shared` is the public short form."""
    blocks: list[Block] = []
    claim = reply.claim
    if claim is not None and (reply.kind is ReplyKind.FACT_CHECK or (shared and reply.kind is ReplyKind.CLAIM)):
        blocks += fact_check_blocks(reply, claim, shared=shared)
    elif claim is not None and reply.kind is ReplyKind.CLAIM:
        blocks += record_blocks(claim)
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
