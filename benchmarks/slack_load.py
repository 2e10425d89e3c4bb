"""Slack load: events through factbot's HTTP mode against the local fake Slack; acks, replies, duplicates, latency.

    .venv/bin/python -m benchmarks.slack_load [--events 1000] [--deliveries 2] [--workers 2]
                                              [--concurrency 50] [--rate 0] [--database URL]

Each event is an app_mention of a claim from claims/ (its text or one of its aliases), signed as Slack signs
requests and delivered `--deliveries` times (every delivery after the first carries X-Slack-Retry-Num, as
Slack's retries do), in a shuffled order, spread over `--workers` factbot instances that share one database
(a temporary SQLite file unless --database names another). The real Bolt app, the real core and the real
matcher run; only Slack is fake. Reported: acknowledgements under 3 seconds, replies, events answered,
duplicate replies, and the time from an event's first delivery to its reply (p50/p99).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp

from benchmarks.common import CLAIMS_DIR, SEED, append_json, machine
from bot.adapters.slack.app import build_bot
from bot.adapters.slack.settings import SlackSettings
from bot.adapters.slack.web import HttpServer
from bot.app import open_services
from bot.catalogue.loader import load_claims
from bot.settings import CatalogueSettings, DatabaseSettings, Settings, sections
from tests.adapters.slack.processes import deliver, event_number, mention_bodies
from tests.fakes.fake_slack import SIGNING_SECRET, FakeSlack, SlackSender

ACK_DEADLINE = 3.0


def phrases() -> list[str]:
    """Ways people state the catalogue's claims: each claim's text and its aliases."""
    return [variant.text for claim in load_claims(CLAIMS_DIR) for variant in claim.variants()]


def settings_for(database_url: str, fake: FakeSlack) -> Settings:
    """factbot's settings for the run: HTTP mode, one workspace, the shipped catalogue."""
    values_by_section: dict[str, object] = {name: cls() for name, cls in sections().items()}
    values_by_section |= {
        "database": DatabaseSettings(url=database_url),
        "catalogue": CatalogueSettings(dir=CLAIMS_DIR),
        "slack": SlackSettings(
            mode="http", api_url=fake.api_url, bot_token="xoxb-team1", signing_secret=SIGNING_SECRET
        ),
    }
    return Settings(**values_by_section)


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def run(
    events: int, deliveries: int, workers: int, concurrency: int, rate: float, database_url: str
) -> dict[str, object]:
    """Start the fake Slack and the workers, deliver, wait for all work, and measure."""
    fake = FakeSlack()
    await fake.start()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(fake.close)
        session = await stack.enter_async_context(aiohttp.ClientSession())
        settings = settings_for(database_url, fake)
        bots, senders = [], []
        for _ in range(workers):
            services = await stack.enter_async_context(open_services(settings))
            bot = await build_bot(settings.slack, services.dispatcher, services.database)
            stack.push_async_callback(bot.aclose, 30)
            server = HttpServer(bot, "127.0.0.1", 0)
            port = await server.start()
            stack.push_async_callback(server.stop)
            bots.append(bot)
            senders.append(SlackSender(f"http://127.0.0.1:{port}/slack/events", session))
        began = time.monotonic()
        sent = await deliver(
            senders, mention_bodies(phrases(), events), deliveries, concurrency=concurrency, rate=rate, seed=SEED
        )
        for bot in bots:
            await bot.work.drain(120)
        wall = time.monotonic() - began
        failures = sum(bot.work.failures for bot in bots)
    first_sent = {}
    for delivery in sent:
        first_sent[delivery.event] = min(first_sent.get(delivery.event, delivery.started), delivery.started)
    replies = fake.calls_to("chat.postMessage")
    reply_at: dict[int, float] = {}
    for call in replies:
        reply_at.setdefault(event_number(str(call.params["thread_ts"])), call.at)
    latency = [reply_at[e] - first_sent[e] for e in reply_at]
    acks = [d.seconds for d in sent]
    return {
        "events": events,
        "deliveries": len(sent),
        "workers": workers,
        "acks_200_under_3s": sum(1 for d in sent if d.status == 200 and d.seconds < ACK_DEADLINE),
        "ack_p50_ms": 1000 * statistics.median(acks),
        "ack_p99_ms": 1000 * percentile(acks, 0.99),
        "ack_max_ms": 1000 * max(acks),
        "replies": len(replies),
        "events_answered": len(reply_at),
        "duplicate_replies": len(replies) - len(reply_at),
        "unanswered": events - len(reply_at),
        "reply_p50_ms": 1000 * statistics.median(latency) if latency else float("nan"),
        "reply_p99_ms": 1000 * percentile(latency, 0.99) if latency else float("nan"),
        "reply_max_ms": 1000 * max(latency) if latency else float("nan"),
        "failures_after_ack": failures,
        "payload_rule_violations": len(fake.violations),
        "wall_seconds": wall,
        "events_per_second": events / wall,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--deliveries", type=int, default=2, help="deliveries per event (retries after the first)")
    parser.add_argument("--workers", type=int, default=2, help="factbot instances sharing the database")
    parser.add_argument("--concurrency", type=int, default=50, help="deliveries in flight at once")
    parser.add_argument("--rate", type=float, default=0.0, help="events per second (default 0: all at once)")
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--json", type=Path, help="also append the figures to this file as one line of JSON")
    args = parser.parse_args(argv)
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DATABASE_", "CATALOGUE_", "POLICY_", "MODERATORS_")):
            del os.environ[name]  # the run must not pick up a real workspace's settings
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database or f"sqlite:///{Path(scratch) / 'slack-load.sqlite3'}"
        figures = asyncio.run(run(args.events, args.deliveries, args.workers, args.concurrency, args.rate, url))
    pace = f"{args.rate:g} events/s" if args.rate else "all at once"
    print(
        f"Slack load: {args.events} events x {args.deliveries} deliveries, {pace}, {args.workers} workers, "
        f"{args.concurrency} in flight, database {url.split(':', 1)[0]}"
    )
    for key, value in figures.items():
        print(f"  {key:24} {value:,.1f}" if isinstance(value, float) else f"  {key:24} {value}")
    print(f"  machine: {machine()}")
    append_json(args.json, figures)
    ok = (
        figures["acks_200_under_3s"] == figures["deliveries"]
        and figures["duplicate_replies"] == 0
        and figures["unanswered"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
