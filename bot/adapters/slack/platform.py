"""Slack as a factbot platform: its settings section and `factbot run slack` (Socket Mode or HTTP workers)."""

from __future__ import annotations

import argparse

from bot.adapters.slack.settings import SlackSettings
from bot.platforms import OpenServices, Platform
from bot.settings import Settings


def _run_options(parser: argparse.ArgumentParser) -> None:
    # How the supervisor of SLACK_WORKERS starts each worker; not for people.
    parser.add_argument("--supervised-worker", action="store_true", help=argparse.SUPPRESS)


async def _run(settings: Settings, args: argparse.Namespace, open_services: OpenServices) -> int:
    from bot.adapters.slack.runner import run

    return await run(settings, open_services, supervised_worker=args.supervised_worker)


PLATFORM = Platform(
    name="slack",
    summary="Slack",
    extra="slack",
    library="slack_bolt",
    settings=SlackSettings,
    run=_run,
    add_run_options=_run_options,
)
