"""`factbot run slack`: check the settings, then run one worker, or supervise several on one port."""

from __future__ import annotations

import asyncio
import sys

from bot.adapters.slack.app import SlackConfigError, check
from bot.adapters.slack.redact import install_token_filter
from bot.adapters.slack.worker import run_worker
from bot.adapters.slack.workers import supervise
from bot.settings import Settings


async def run(settings: Settings) -> int:
    """Run factbot on Slack until stopped; 0 after a clean stop, 1 if Slack refuses the token, 2 for bad settings.

    With SLACK_WORKERS above 1 (HTTP mode) this process supervises that many worker processes sharing the port.
    """
    try:
        check(settings.slack)
    except SlackConfigError as exc:
        print(f"factbot: {exc}", file=sys.stderr)
        return 2
    install_token_filter()
    if settings.slack.workers > 1:
        return await supervise(settings)
    return await run_worker(settings, asyncio.Event())
