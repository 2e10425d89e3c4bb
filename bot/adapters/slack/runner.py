"""`factbot run slack`: check the settings, then run one worker, or supervise several on one port."""

from __future__ import annotations

import asyncio
import sys

from bot.adapters.slack.app import SlackConfigError, check
from bot.adapters.slack.redact import install_token_filter
from bot.adapters.slack.settings import slack_settings
from bot.adapters.slack.worker import run_worker
from bot.adapters.slack.workers import supervise, supervised
from bot.platforms import OpenServices
from bot.settings import Settings


async def run(settings: Settings, open_services: OpenServices, *, supervised_worker: bool = False) -> int:
    """Run factbot on Slack until stopped; 0 after a clean stop, 1 if Slack refuses the token, 2 for bad settings.

    With SLACK_WORKERS above 1 (HTTP mode) this process supervises that many worker processes sharing the port.
    """
    try:
        check(slack_settings(settings))
    except SlackConfigError as exc:
        print(f"factbot: {exc}", file=sys.stderr)
        return 2
    install_token_filter()
    stop = asyncio.Event()
    if supervised_worker:  # one of SLACK_WORKERS, started by the supervisor: stop when it goes
        with supervised(stop):
            return await run_worker(settings, stop, open_services)
    if slack_settings(settings).workers > 1:
        return await supervise(settings, open_services)
    return await run_worker(settings, stop, open_services)
