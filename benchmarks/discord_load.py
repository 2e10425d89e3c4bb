"""Discord load: a busy watched channel through the fake gateway; replies, wrong replies, message-to-reply time.

    .venv/bin/python -m benchmarks.discord_load [--messages 1000] [--rate 50] [--cooldown-minutes 0]
                                                [--duplicates 0.0] [--drop-every 0] [--database URL]

Messages come from the labelled development set (`../shared/eval/nato-dev.jsonl`: paraphrases, typos,
questions, other languages, and hard negatives that name no catalogue claim), cycled to `--messages`,
shuffled, and posted by people in one watched channel as MESSAGE_CREATE events on the fake gateway (with
zlib-stream compression and the message-content intent, as in production). The real discord.py client,
the real core, the shipped catalogue and a SQLite database run; only Discord is fake. A share of
`--duplicates` messages is delivered twice, as after a gateway resume, to exercise de-duplication, and
`--drop-every N` closes the gateway connection (resumably) every N messages: discord.py must resume and the
fake replays what was sent meanwhile, so the replies should not change.

Reported: replies sent, correct replies (the message's labelled claim), wrong replies (another claim, or a
reply to a message that names none), duplicate replies, and the time from the event leaving the fake gateway
to the reply reaching the fake REST API (p50/p99). The cooldown (one reply per claim per channel per period)
is 0 by default so that every message is judged on its own; `--cooldown-minutes 60` shows production's quiet.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import CLAIMS_DIR, DEFAULT_NATO, SEED, append_json, machine, read_jsonl
from bot.adapters.discord.client import FactbotClient
from bot.adapters.discord.endpoints import Endpoints, redirected
from bot.adapters.discord.settings import DiscordSettings
from bot.app import open_services
from bot.settings import CatalogueSettings, DatabaseSettings, PolicySettings, Settings, sections
from tests.fakes import fake_discord as fd


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def settings_for(database_url: str, fake: fd.FakeDiscord, cooldown_minutes: float) -> Settings:
    """factbot's settings for the run: one watched channel, watch mode on, the shipped catalogue."""
    values_by_section: dict[str, object] = {name: cls() for name, cls in sections().items()}
    values_by_section |= {
        "database": DatabaseSettings(url=database_url),
        "catalogue": CatalogueSettings(dir=CLAIMS_DIR),
        "policy": PolicySettings(watched_channels=[f"discord:{fd.WATCHED}"], cooldown_minutes=cooldown_minutes),
        "discord": DiscordSettings(
            token=fd.TOKEN, api_base_url=fake.api_base, gateway_url=fake.gateway_url, watch_channels=True
        ),
    }
    return Settings(**values_by_section)


def workload(count: int, duplicates: float, rng: random.Random) -> list[tuple[dict[str, Any], str | None]]:
    """(MESSAGE_CREATE payload, labelled claim id) in delivery order, duplicates included."""
    lines = read_jsonl(DEFAULT_NATO)
    chosen = [lines[i % len(lines)] for i in range(count)]
    rng.shuffle(chosen)
    events = [(fd.message(str(line["text"]), channel=fd.WATCHED), line.get("claim_id")) for line in chosen]
    again = [event for event in events if rng.random() < duplicates]
    order = events + again
    rng.shuffle(order)
    return [(payload, None if label is None else str(label)) for payload, label in order]


def claim_of(body: dict[str, Any]) -> str:
    """The claim a fact-check reply shows (its footer starts with the id)."""
    return str(body["embeds"][0]["footer"]["text"]).split(" ", 1)[0]


async def run(
    messages: int, rate: float, cooldown_minutes: float, duplicates: float, drop_every: int, database_url: str
) -> dict:
    """Start the fake Discord and factbot, post the messages, wait until every reply is out, and measure."""
    fake = await fd.FakeDiscord(heartbeat_ms=5000).start()
    settings = settings_for(database_url, fake, cooldown_minutes)
    rng = random.Random(SEED)
    events = workload(messages, duplicates, rng)
    sent_at: dict[str, float] = {}
    core: dict[str, float] = {}
    try:
        with redirected(Endpoints.from_settings(settings.discord)):
            async with open_services(settings) as services:
                await services.catalogue.current()  # build the matcher before the clock starts
                client = FactbotClient(services.dispatcher, settings.discord, guild_ready_timeout=0.05)
                session = asyncio.create_task(client.start(fd.TOKEN))
                await asyncio.wait_for(client.wait_until_ready(), 30)
                began = time.monotonic()
                for index, (payload, _) in enumerate(events):
                    if rate:
                        await asyncio.sleep(max(0.0, began + index / rate - time.monotonic()))
                    sent_at.setdefault(payload["id"], time.monotonic())
                    await fake.dispatch("MESSAGE_CREATE", payload)
                    if drop_every and index % drop_every == drop_every - 1 and fake.connected:
                        await fake.drop_connection()
                await asyncio.sleep(0.5)  # let discord.py read the last frames before waiting for quiet
                await client.inflight.wait_idle(300)
                wall = time.monotonic() - began
                core = services.dispatcher.metrics.snapshot()
                await client.close()
                await session
    finally:
        await fake.stop()
    labels = {payload["id"]: label for payload, label in events}
    replies = [r for r in fake.sent() if r.status == 200]
    answered: dict[str, list[str]] = {}
    latency = []
    for reply in replies:
        source = str(reply.body["message_reference"]["message_id"])
        answered.setdefault(source, []).append(claim_of(reply.body))
        latency.append(reply.at - sent_at[source])
    first = {source: claims[0] for source, claims in answered.items()}
    labelled = sum(1 for label in {p["id"]: lab for p, lab in events}.values() if label)
    return {
        "messages": messages,
        "deliveries": len(events),
        "labelled_messages": labelled,
        "replies": len(replies),
        "correct_replies": sum(1 for source, claim in first.items() if labels[source] == claim),
        "wrong_replies": sum(1 for source, claim in first.items() if labels[source] != claim),
        "wrong_on_negatives": sum(1 for source in first if labels[source] is None),
        "duplicate_replies": len(replies) - len(first),
        "duplicates_dropped": int(core.get("duplicates_dropped", 0)),
        "cooldown_skips": int(core.get("cooldown_skips", 0)),
        "core_errors": int(core.get("errors", 0) + core.get("database_errors", 0)),
        "match_p50_ms": core.get("match_ms_p50", float("nan")),
        "match_p99_ms": core.get("match_ms_p99", float("nan")),
        "reply_p50_ms": 1000 * statistics.median(latency) if latency else float("nan"),
        "reply_p99_ms": 1000 * percentile(latency, 0.99) if latency else float("nan"),
        "reply_max_ms": 1000 * max(latency) if latency else float("nan"),
        "gateway_resumes": len(fake.resumes),
        "identifies": len(fake.identifies),
        "payload_rule_violations": len(fake.violations),
        "wall_seconds": wall,
        "messages_per_second": len(events) / wall,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second (0: all at once)")
    parser.add_argument("--cooldown-minutes", type=float, default=0.0)
    parser.add_argument("--duplicates", type=float, default=0.0, help="share of messages delivered twice")
    parser.add_argument("--drop-every", type=int, default=0, help="drop the gateway connection every N messages")
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--json", type=Path, help="also append the figures to this file as one line of JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # the figures are the output; errors still show
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "DATABASE_", "CATALOGUE_", "POLICY_", "MODERATORS_", "MATCHER_")):
            del os.environ[name]  # the run must not pick up a real bot's settings
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database or f"sqlite:///{Path(scratch) / 'discord-load.sqlite3'}"
        figures = asyncio.run(
            run(args.messages, args.rate, args.cooldown_minutes, args.duplicates, args.drop_every, url)
        )
    pace = f"{args.rate:g} messages/s" if args.rate else "all at once"
    print(
        f"Discord load: {args.messages} messages in one watched channel, {pace}, cooldown {args.cooldown_minutes:g} "
        f"min, {args.duplicates:.0%} delivered twice, gateway dropped every {args.drop_every or 'never'} messages, "
        f"database {url.split(':', 1)[0]}"
    )
    for key, value in figures.items():
        print(f"  {key:24} {value:,.1f}" if isinstance(value, float) else f"  {key:24} {value}")
    print(f"  machine: {machine()}")
    append_json(args.json, figures)
    return 0 if figures["duplicate_replies"] == 0 and figures["payload_rule_violations"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
