"""Replies as Discord messages: embeds with a colour per verdict, always inside Discord's size limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bot.adapters.discord.text import clip, defuse_mentions, no_previews, quote, untrusted
from bot.core.models import Attachment, Claim, Evidence, Reply, ReplyKind, Stance, Verdict

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
FIELDS_MAX = 25
EMBED_TOTAL_MAX = 6000  # for all the embeds of one message together
EMBEDS_PER_MESSAGE = 10
CONTENT_MAX = 2000
# Below the hard limits: room for Discord's own counting quirks, and shorter is easier to read.
CONTENT_BUDGET = 1900
MESSAGE_BUDGET = 5900
SUMMARY_BUDGET = 1500
EXCERPT_BUDGET = 600
SHOWN_EXCERPTS = 3
MAX_PAGES = 5
CHECKED_TEXT_FIELD = "Checked text"

VERDICT_COLOURS: dict[Verdict, int] = {
    Verdict.ACCURATE: 0x2E7D32,
    Verdict.MOSTLY_ACCURATE: 0x7CB342,
    Verdict.NEEDS_CONTEXT: 0xF9A825,
    Verdict.DISPUTED: 0xFB8C00,
    Verdict.MISLEADING: 0xEF6C00,
    Verdict.MOSTLY_FALSE: 0xE53935,
    Verdict.FALSE: 0xB71C1C,
    Verdict.UNSUPPORTED: 0x78909C,
}
NEUTRAL_COLOUR = 0x5865F2
NO_MATCH_COLOUR = 0x99AAB5
_STANCES = {
    Stance.SUPPORTS: "supports the claim",
    Stance.CONTRADICTS: "cuts against the claim",
    Stance.CONTEXT: "context",
}
_SAFE_URL = re.compile(r"https?://[^\s<>()\[\]`|\"']+", re.ASCII)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Discord message: text and/or embeds, and whether only the requester sees it."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()
    ephemeral: bool = False
    attachment: Attachment | None = None

    @property
    def suppress_embeds(self) -> bool:
        """Link previews are off for text-only messages; on an embed message the flag would hide our own embeds."""
        return not self.embeds


def embed_size(embed: discord.Embed) -> int:
    """The characters Discord counts towards the 6,000 total."""
    return len(embed)


def _link(title: str, url: str) -> str:
    label = clip(untrusted(title), 200) or "source"
    url = url.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({url})" if len(url) <= 512 and _SAFE_URL.fullmatch(url) else label


def _evidence_field(evidence: Evidence, budget: int) -> tuple[str, str]:
    name = clip(untrusted(f"{evidence.date} \u00b7 {evidence.source}"), FIELD_NAME_MAX)
    tail = f"\n\u2014 {_link(evidence.title, evidence.url)} ({_STANCES[evidence.stance]})"
    room = max(64, min(budget, FIELD_VALUE_MAX - len(tail)))
    return name, clip(quote(evidence.excerpt, room) + tail, FIELD_VALUE_MAX)


def _claim_line(claim: Claim, score: float | None = None) -> str:
    extra = f", {score:.2f}" if score is not None else ""
    return f"\u2022 `{claim.id}` ({claim.verdict.label}{extra}) {quote(claim.claim, 140)}"


def _claim_embed(claim: Claim, *, author: str | None) -> discord.Embed:
    embed = discord.Embed(
        title=quote(claim.claim, TITLE_MAX),
        description=clip(f"**{claim.verdict.label}.** {untrusted(claim.summary)}", SUMMARY_BUDGET),
        colour=VERDICT_COLOURS[claim.verdict],
    )
    if author:
        embed.set_author(name=clip(author, AUTHOR_MAX))
    return embed


def fit(embed: discord.Embed, budget: int = MESSAGE_BUDGET) -> discord.Embed:
    """Shorten the longest parts until the embed fits its share of the 6,000-character total."""
    while embed_size(embed) > budget:
        over = embed_size(embed) - budget
        parts = [(len(embed.description or ""), -1)] + [(len(f.value or ""), i) for i, f in enumerate(embed.fields)]
        longest, index = max(parts)
        if longest <= 80:
            if not embed.fields:
                break  # only short title, author and footer are left; they cannot exceed the total
            embed.remove_field(len(embed.fields) - 1)
            continue
        target = max(64, longest - over)
        if index < 0:
            embed.description = clip(embed.description or "", target)
        else:
            field = embed.fields[index]
            embed.set_field_at(index, name=field.name or "\u200b", value=clip(field.value or "", target), inline=False)
    return embed


def fact_check(reply: Reply, claim: Claim) -> Outgoing:
    """A matched claim: verdict, summary, up to three excerpts, and where the rest is."""
    embed = _claim_embed(claim, author="This claim has been fact-checked")
    for evidence in claim.evidence[:SHOWN_EXCERPTS]:
        name, value = _evidence_field(evidence, EXCERPT_BUDGET)
        embed.add_field(name=name, value=value, inline=False)
    hidden = len(claim.evidence) - SHOWN_EXCERPTS
    if hidden > 0:
        embed.add_field(
            name="More from the record",
            value=f"{hidden} more excerpt{'s' if hidden > 1 else ''}: **Show all evidence** below, "
            f"or `/claim show id:{claim.id}`.",
            inline=False,
        )
    if reply.candidates:
        lines = "\n".join(_claim_line(c) for c, _ in reply.candidates)
        embed.add_field(name="Related claims", value=clip(lines, FIELD_VALUE_MAX), inline=False)
    footer = claim.id
    if reply.match is not None and reply.match.matched_variant:
        footer += f" \u00b7 matched {quote(reply.match.matched_variant, 160)} ({reply.match.score:.2f})"
    embed.set_footer(text=clip(footer, FOOTER_MAX))
    return Outgoing(embeds=(fit(embed),), ephemeral=reply.ephemeral)


def no_match(reply: Reply) -> Outgoing:
    """Nothing matched: say so, show what came close, and keep the checked text for the Report button."""
    if reply.candidates:
        description = "These came closest:\n" + "\n".join(_claim_line(c, s) for c, s in reply.candidates)
    else:
        description = "Nothing in the catalogue is close. If this claim should be fact-checked, report it."
    embed = discord.Embed(title="No known claim matched", description=clip(description, 2000), colour=NO_MATCH_COLOUR)
    if reply.query:
        embed.add_field(name=CHECKED_TEXT_FIELD, value=quote(reply.query, FIELD_VALUE_MAX), inline=False)
    return Outgoing(embeds=(fit(embed),), ephemeral=reply.ephemeral)


def claim_pages(reply: Reply, claim: Claim) -> list[Outgoing]:
    """A claim with all its evidence, over as many messages as the 6,000-character limit needs (at most five)."""
    first = _claim_embed(claim, author=None if claim.is_active else "Retired: no longer matched")
    first.set_footer(text=clip(f"{claim.id} \u00b7 {len(claim.evidence)} excerpt(s)", FOOTER_MAX))
    pages: list[list[discord.Embed]] = [[first]]
    for shown, evidence in enumerate(claim.evidence):
        name, value = _evidence_field(evidence, FIELD_VALUE_MAX)
        page = pages[-1]
        full = len(page[-1].fields) >= FIELDS_MAX and len(page) >= EMBEDS_PER_MESSAGE
        if full or sum(embed_size(e) for e in page) + len(name) + len(value) > MESSAGE_BUDGET:
            if len(pages) == MAX_PAGES:
                left = len(claim.evidence) - shown
                page[-1].set_footer(text=f"{left} more excerpt(s) not shown: see the published catalogue.")
                break
            pages.append([discord.Embed(colour=VERDICT_COLOURS[claim.verdict])])
        elif len(page[-1].fields) >= FIELDS_MAX:
            page.append(discord.Embed(colour=VERDICT_COLOURS[claim.verdict]))
        pages[-1][-1].add_field(name=name, value=value, inline=False)
    heading = clip(no_previews(defuse_mentions(reply.text)), CONTENT_BUDGET)
    return [
        Outgoing(content=heading if i == 0 else None, embeds=tuple(page), ephemeral=reply.ephemeral)
        for i, page in enumerate(pages)
    ]


def search_results(reply: Reply) -> Outgoing:
    """Claims and their ids, best first."""
    lines = "\n".join(_claim_line(c) for c, _ in reply.candidates)
    embed = discord.Embed(title=clip(untrusted(reply.text), TITLE_MAX), description=clip(lines, DESCRIPTION_MAX))
    embed.colour = NEUTRAL_COLOUR
    return Outgoing(embeds=(fit(embed),), ephemeral=reply.ephemeral)


def plain(reply: Reply) -> Outgoing:
    """Informational and error text from the core; its Markdown (`code`) is kept, its mentions defused."""
    text = no_previews(defuse_mentions(reply.text))
    if len(text) <= CONTENT_BUDGET:
        return Outgoing(content=text, ephemeral=reply.ephemeral, attachment=reply.attachment)
    embed = discord.Embed(description=clip(text, DESCRIPTION_MAX - 96), colour=NEUTRAL_COLOUR)
    return Outgoing(embeds=(fit(embed),), ephemeral=reply.ephemeral, attachment=reply.attachment)


def render(reply: Reply) -> list[Outgoing]:
    """Every message one reply needs (usually one)."""
    if reply.kind is ReplyKind.FACT_CHECK and reply.claim is not None:
        return [fact_check(reply, reply.claim)]
    if reply.kind is ReplyKind.CLAIM and reply.claim is not None:
        return claim_pages(reply, reply.claim)
    if reply.kind is ReplyKind.NO_MATCH:
        return [no_match(reply)]
    if reply.kind is ReplyKind.SEARCH_RESULTS and reply.candidates:
        return [search_results(reply)]
    return [plain(reply)]
