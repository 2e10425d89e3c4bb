"""Hostile chat through the core and both renderers: does anything ping, link, break a limit or fail?

    .venv/bin/python -m benchmarks.fuzz [--events 12000] [--seed 20261205]

Builds factbot's real core on a scratch SQLite database with the shipped catalogue, then sends it a seeded mix
of mentions, commands, reports, "fact-check this message" actions and channel messages whose text is made of
hostile pieces (mass and user mentions in both platforms' syntax, masked and angle-bracket links, Markdown,
escapes, terminal control sequences, bidirectional overrides, lone surrogates, oversized and empty text), as
ordinary users and as a moderator (who also lists the reports queue). Every reply is rendered for Discord
(embeds, as sent with factbot's client) and for Slack (Block Kit), then counted:

- pings: an undefused @everyone/@here or <@id> on Discord; a <!channel>, <!here>, <!everyone>, <@U…> or
  <!subteam^…> on Slack
- live links from user or catalogue text: a Discord masked link, or a Slack <url|label>, whose URL is not one of
  the catalogue's evidence links (those factbot builds itself from checked https URLs)
- limit breaches: anything Discord or Slack would refuse (sizes, counts), by the same checks the adapter tests use
- internal errors: "something went wrong" replies, and the core's error counter
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import CLAIMS_DIR, machine
from bot.adapters.discord.render import render as render_discord
from bot.adapters.slack.render import render as render_slack
from bot.app import open_services
from bot.catalogue.loader import load_claims
from bot.domain.models import Actor, CommandEvent, Event, MentionEvent, MessageActionEvent, MessageEvent, Origin, Reply
from bot.settings import load_settings
from tests.fakes.fake_discord import payload_problems
from tests.fakes.fake_slack import message_violations

PIECES = [
    "@everyone",
    "@here",
    "@\u200beveryone",
    "<@123456789012345678>",
    "<@&987654321098765432>",
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<@U0123ABCD>",
    "<!subteam^S123|@mods>",
    "[Discord Trust & Safety: verify your account](https://evil.example/login)",
    "[click](<https://evil.example>)",
    "<https://evil.example|https://nsarchive.gwu.edu>",
    "\\[escaped](https://evil.example)",
    "`code [x](https://evil.example)`",
    "```block```",
    "**bold** __under__ ~~strike~~ ||spoiler|| > quote\n# heading",
    "&amp; &lt; &gt; & < >",
    "\x1b[2J\x1b]8;;https://evil.example\x07hidden\x1b]8;;\x07",
    "\u202eevil\u202c",
    "\ud800",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467" * 3,
    "Z\u0351\u0300\u0301\u0302",
    "NATO promised Gorbachev not to expand",
    "NATO never promised not to expand",
    "not one inch eastward",
    "the moon landing was staged",
    "|",
    "",
    " ",
]
COMMANDS = [
    "factcheck {t}",
    "claim search {t}",
    "claim show {t}",
    "claim show nato-never-promised",
    "report {t} | {t}",
    "help",
    "{t}",
    "alias add nato-never-promised | {t}",
    "evidence note nato-never-promised | 1 | {t}",
    "queue list",
    "reply details {t}",
    "stats {t}",
]
DISCORD_PINGS = re.compile(r"@(everyone|here)|<@[!&]?\d+>", re.IGNORECASE)
SLACK_PINGS = re.compile(r"<!(channel|here|everyone)|<@[UW][A-Z0-9]+|<!subteam\^", re.IGNORECASE)
DISCORD_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\(\s*<?(https?://[^)\s>]+)")
SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|")


def hostile(rng: random.Random) -> str:
    """A message made of 1 to 6 hostile pieces, now and then padded far past every limit."""
    text = " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
    if rng.random() < 0.03:
        text = (text + " ") * rng.randint(200, 3000)
    return text


def event(rng: random.Random, number: int, moderator: Actor) -> Event:
    user = moderator if rng.random() < 0.15 else Actor("fuzz", f"u{rng.randint(1, 400)}", "fuzzer", "w1")
    origin = Origin("fuzz", "c1", "w1", message_id=str(number))
    kind = rng.random()
    if kind < 0.3:
        return CommandEvent(user, origin, rng.choice(COMMANDS).format(t=hostile(rng)))
    if kind < 0.55:
        return MentionEvent(user, origin, hostile(rng), referenced_text=hostile(rng) if rng.random() < 0.3 else None)
    if kind < 0.75:
        return MessageActionEvent(user, origin, hostile(rng))
    return MessageEvent(user, origin, hostile(rng))


def discord_payloads(reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "content": out.content,
            "embeds": [e.to_dict() for e in out.embeds],
            "allowed_mentions": {"parse": []},  # factbot's client sends every message with AllowedMentions.none()
            "flags": 4 if out.suppress_embeds else 0,
        }
        for out in render_discord(reply)
    ]


_BACKTICKS = re.compile(r"(?<!\\)`+")


def outside_code(markdown: str) -> str:
    """The text with Discord code spans blanked out: they render literally, so nothing in them is a link."""
    out, position = [], 0
    while (opening := _BACKTICKS.search(markdown, position)) is not None:
        closing = next(
            (m for m in _BACKTICKS.finditer(markdown, opening.end()) if len(m.group()) == len(opening.group())), None
        )
        if closing is None:
            break
        out.append(markdown[position : opening.start()])
        position = closing.end()
    out.append(markdown[position:])
    return " ".join(out)


def discord_texts(payload: dict[str, Any]) -> list[str]:
    texts = [payload.get("content") or ""]
    for embed in payload["embeds"]:
        texts += [embed.get("title") or "", embed.get("description") or ""]
        texts += [(embed.get("footer") or {}).get("text") or "", (embed.get("author") or {}).get("name") or ""]
        texts += [t for f in embed.get("fields") or [] for t in (f["name"], f["value"])]
    return texts


def slack_texts(message: dict[str, Any]) -> list[str]:
    texts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        if block.get("type") == "section":
            texts.append(block["text"]["text"])
        elif block.get("type") == "context":
            texts += [e["text"] for e in block["elements"]]
    return texts


def inspect(reply: Reply, evidence_urls: set[str]) -> Counter[str]:
    """Count what is wrong with one reply as each platform would show it."""
    found: Counter[str] = Counter()
    for payload in discord_payloads(reply):
        found["discord limit breaches"] += len([p for p in payload_problems(payload) if "mention" not in p])
        for text in map(outside_code, discord_texts(payload)):
            found["discord pings"] += len(DISCORD_PINGS.findall(text))
            found["discord live links"] += sum(1 for url in DISCORD_LINK.findall(text) if url not in evidence_urls)
    message = render_slack(reply)
    found["slack limit breaches"] += len([v for v in message_violations(message) if "unescaped" not in v])
    for text in slack_texts(message):
        found["slack pings"] += len(SLACK_PINGS.findall(text))
        found["slack live links"] += sum(1 for url in SLACK_LINK.findall(text) if url not in evidence_urls)
    if "something went wrong" in reply.text:
        found["internal errors"] += 1
    return found


async def run(events: int, seed: int) -> tuple[Counter[str], int, float]:
    """Send `events` hostile events through a fresh core; the counts, the replies rendered, and the seconds."""
    rng = random.Random(seed)
    evidence_urls = {e.url for c in load_claims(CLAIMS_DIR) for e in c.evidence}
    with tempfile.TemporaryDirectory() as temp:
        environment = {
            "DATABASE_URL": f"sqlite:///{Path(temp) / 'fuzz.sqlite3'}",
            "CATALOGUE_DIR": str(CLAIMS_DIR),
            "POLICY_WATCHED_CHANNELS": "fuzz:*",
            "POLICY_COOLDOWN_MINUTES": "0",
            "MODERATORS_USER_IDS": "fuzz:w1:moderator",
            "MODERATORS_TRUST_PLATFORM_ADMINS": "false",
        }
        saved = {k: os.environ.get(k) for k in environment}
        os.environ.update(environment)
        try:
            settings = load_settings(CLAIMS_DIR.parent / "config" / "factbot.toml")
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        moderator = Actor("fuzz", "moderator", "moderator", "w1")
        found: Counter[str] = Counter()
        rendered = 0
        started = time.perf_counter()
        async with open_services(settings) as services:
            for number in range(events):
                for reply in await services.dispatcher.handle(event(rng, number, moderator)):
                    rendered += 1
                    found += inspect(reply, evidence_urls)
            found["internal errors (core counter)"] = int(services.dispatcher.metrics.snapshot().get("errors", 0))
        return found, rendered, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args(argv)
    found, rendered, seconds = asyncio.run(run(args.events, args.seed))
    print(f"machine: {machine()}")
    print(f"{args.events:,} events (seed {args.seed}), {rendered:,} replies rendered for Discord and Slack")
    print(f"  {seconds:.1f} s in all")
    names = [
        "discord pings",
        "slack pings",
        "discord live links",
        "slack live links",
        "discord limit breaches",
        "slack limit breaches",
        "internal errors",
        "internal errors (core counter)",
    ]
    for name in names:
        print(f"  {name:<32} {found[name]}")
    return 0 if not any(found[n] for n in names) else 1


if __name__ == "__main__":
    raise SystemExit(main())
