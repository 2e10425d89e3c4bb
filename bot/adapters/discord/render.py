"""Replies as Discord messages: embeds with a colour per verdict, always inside Discord's size limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bot.adapters.discord.text import clip, defuse_mentions, inert_links, no_previews, quote, untrusted
from bot.domain.evidence import CardQuote, ShownQuote, chat_card, has_more, lead_indexes, shown_quote
from bot.domain.models import Attachment, Claim, Reply, ReplyKind, Verdict, fact_check_heading

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
MAX_PAGES = 5
# What each excerpt of a chat-sized fact-check adds beyond the card's own text ("Note: ", "\u2014 ", brackets).
CARD_MARKS = 16
RELATED_CHARS = 160
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
_SAFE_URL = re.compile(r"https?://[^\s<>()\[\]`|\"']+", re.ASCII)
_MASKED_LINK = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\(https?://[^)\s]*\)")
_ESCAPED = re.compile(r"\\([^\w\s])")


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


def visible(markdown: str) -> str:
    """What a reader sees of Discord Markdown: a masked link shows its label, an escape its character."""
    return _ESCAPED.sub(r"\1", _MASKED_LINK.sub(r"\1", markdown))


def visible_size(embed: discord.Embed) -> int:
    """The characters a reader sees in an embed (links count as their label)."""
    texts = [embed.title, embed.description, embed.footer.text, embed.author.name]
    texts += [t for f in embed.fields for t in (f.name, f.value)]
    return sum(len(visible(t)) for t in texts if t)


def _link(title: str, url: str) -> str:
    label = clip(untrusted(title), 200) or "source"
    url = url.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({url})" if len(url) <= 512 and _SAFE_URL.fullmatch(url) else label


def _card_field(card_quote: CardQuote) -> tuple[str, str]:
    """A leading excerpt of a chat-sized reply; the core has already cut every part to fit the budget."""
    name = clip(untrusted(f"{card_quote.date} \u00b7 {card_quote.source}"), FIELD_NAME_MAX)
    lines = [quote(card_quote.text, FIELD_VALUE_MAX // 2)]
    if card_quote.translation_label:
        lines.append(f"*{untrusted(card_quote.translation_label)}*")
    if card_quote.note:
        lines.append(f"Note: {untrusted(card_quote.note)}")
    lines.append(f"\u2014 {_link(card_quote.title, card_quote.url)} ({card_quote.stance_label})")
    return name, clip("\n".join(lines), FIELD_VALUE_MAX)


def _record_fields(shown: ShownQuote) -> list[tuple[str, str]]:
    """One excerpt of the full record: the original wording, its translation in a field of its own, the note."""
    evidence = shown.evidence
    name = clip(untrusted(f"{shown.number}. {evidence.date} \u00b7 {evidence.source}"), FIELD_NAME_MAX)
    tail = [f"Note: {untrusted(shown.note)}"] if shown.note else []
    tail.append(f"\u2014 {_link(evidence.title, evidence.url)} ({shown.stance_label})")
    fields = []
    if evidence.translation is not None:
        fields.append((name, quote(evidence.excerpt, FIELD_VALUE_MAX)))
        name = clip(untrusted(f"English translation by {evidence.translation_by}"), FIELD_NAME_MAX)
        body = evidence.translation
    else:
        body = evidence.excerpt
    tail_text = "\n" + "\n".join(tail)
    room = max(64, FIELD_VALUE_MAX - len(tail_text))
    fields.append((name, clip(quote(body, room) + tail_text, FIELD_VALUE_MAX)))
    return fields


def _claim_line(claim: Claim) -> str:
    return f"\u2022 `{claim.id}` ({claim.verdict.label}) {quote(claim.claim, 140)}"


def _claim_embed(
    claim: Claim, *, author: str | None, text: str | None = None, about: str | None = None
) -> discord.Embed:
    embed = discord.Embed(
        title=quote(text or claim.claim, TITLE_MAX),
        description=clip(f"**{claim.verdict.label}.** {untrusted(about or claim.summary)}", SUMMARY_BUDGET),
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
    """A matched claim, chat-sized: verdict, claim, brief, the strongest excerpt of each side, and links."""
    author = fact_check_heading(reply)
    extra_fields = []
    if has_more(claim):
        extra_fields.append(
            (
                "The full record",
                f"All {len(claim.evidence)} excerpts and the full summary: **Show all evidence** below, "
                f"or `/claim show id:{claim.id}`.",
            )
        )
    if reply.candidates:
        related = ", ".join(f"`{c.id}`" for c, _ in reply.candidates)
        extra_fields.append(("Related claims", clip(related, RELATED_CHARS)))
    footer = clip(claim.id + (f" \u00b7 ref {reply.reply_id}" if reply.reply_id else ""), FOOTER_MAX)
    # Everything around the card's own text: author, footer, verdict label, extra fields, marks per excerpt.
    chrome = [author, footer, f"**{claim.verdict.label}.** \u201c\u201d", *(t for f in extra_fields for t in f)]
    overhead = sum(len(visible(t)) for t in chrome) + CARD_MARKS * len(lead_indexes(claim))
    card = chat_card(claim, overhead=overhead)
    embed = _claim_embed(claim, author=author, text=card.text, about=card.brief)
    for card_quote in card.quotes:
        name, value = _card_field(card_quote)
        embed.add_field(name=name, value=value, inline=False)
    for name, value in extra_fields:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=footer)
    return Outgoing(embeds=(fit(embed),), ephemeral=reply.ephemeral)


def no_match(reply: Reply) -> Outgoing:
    """Nothing matched: say so, show what came close, and keep the checked text for the Report button."""
    if reply.candidates:
        description = "These came closest:\n" + "\n".join(_claim_line(c) for c, _ in reply.candidates)
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
    for shown in range(len(claim.evidence)):
        fields = _record_fields(shown_quote(claim, shown))
        page = pages[-1]
        full = len(page[-1].fields) + len(fields) > FIELDS_MAX and len(page) >= EMBEDS_PER_MESSAGE
        size = sum(len(name) + len(value) for name, value in fields)
        if full or sum(embed_size(e) for e in page) + size > MESSAGE_BUDGET:
            if len(pages) == MAX_PAGES:
                left = len(claim.evidence) - shown
                page[-1].set_footer(text=f"{left} more excerpt(s) not shown: see the published catalogue.")
                break
            pages.append([discord.Embed(colour=VERDICT_COLOURS[claim.verdict])])
        elif len(page[-1].fields) + len(fields) > FIELDS_MAX:
            page.append(discord.Embed(colour=VERDICT_COLOURS[claim.verdict]))
        for name, value in fields:
            pages[-1][-1].add_field(name=name, value=value, inline=False)
    heading = clip(no_previews(defuse_mentions(inert_links(reply.text))), CONTENT_BUDGET)
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
    """Informational and error text from the core: its `code` is kept; mentions, masked links and previews are not."""
    text = no_previews(defuse_mentions(inert_links(reply.text)))
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
