"""One factbot process serving Slack (Socket Mode or HTTP) until stopped; signing in to Slack meanwhile."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.app import SlackBot, SlackConfigError, build_bot
from bot.adapters.slack.settings import SlackSettings, slack_settings
from bot.adapters.slack.web import HttpServer
from bot.ops.server import OpsRoutes
from bot.platforms import OpenServices
from bot.settings import Settings

log = logging.getLogger(__name__)
# While Slack cannot be reached, auth.test is retried after 1, 2, 4 ... seconds, at most a minute apart.
SIGN_IN_FIRST_RETRY = 1.0
SIGN_IN_LAST_RETRY = 60.0

# After SIGTERM, how long acknowledged work may take to finish (Heroku-style hosts allow 30 seconds in all).
SHUTDOWN_SECONDS = 10.0


@contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set `stop` on SIGTERM or SIGINT for as long as the block runs."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def run_worker(settings: Settings, stop: asyncio.Event, open_services: OpenServices) -> int:
    """One factbot process serving Slack until SIGTERM, SIGINT or `stop`."""
    slack = slack_settings(settings)
    with stop_on_signals(stop):
        async with open_services(settings) as services, services.background():
            bot = await build_bot(slack, services.dispatcher, services.database)
            ops = services.ops_routes(figures=bot.metrics, in_flight=lambda: bot.work.running)
            try:
                if slack.mode == "socket":
                    async with services.ops_server(figures=bot.metrics, in_flight=lambda: bot.work.running):
                        return await serve(bot, slack, stop, ops)
                return await serve(bot, slack, stop, ops)
            finally:
                await bot.aclose(SHUTDOWN_SECONDS)
                log.info("final metrics", extra={**bot.metrics(), "pid": os.getpid()})
                log.info("factbot stopped", extra={"failures_after_ack": bot.work.failures})


async def serve(bot: SlackBot, settings: SlackSettings, stop: asyncio.Event, ops: OpsRoutes | None = None) -> int:
    """Serve in the configured mode until `stop` is set; 1 if Slack refuses the bot token. HTTP mode serves the ops
    routes on its own port; Socket Mode leaves them to OPS_PORT."""
    if settings.mode == "socket":
        if not bot.oauth and await sign_in(bot, stop) is False:
            return 1
        await serve_socket_mode(bot, _app_token(settings), stop)
        return 0
    server = HttpServer(bot, settings.host, settings.port, reuse_port=settings.reuse_port, ops=ops)
    await server.start()
    # HTTP mode answers /healthz (and Slack's requests, when Slack can reach it) before Slack can be reached: a
    # network that is not up yet is retried in the background; only a token Slack refuses stops the process.
    signing_in = None if bot.oauth else asyncio.create_task(sign_in(bot, stop), name="factbot-slack-sign-in")
    try:
        await stop.wait()
    finally:
        if signing_in is not None and not signing_in.done():
            signing_in.cancel()
        await server.stop()
    refused = signing_in is not None and not signing_in.cancelled() and signing_in.result() is False
    return 1 if refused else 0


async def sign_in(bot: SlackBot, stop: asyncio.Event) -> bool | None:
    """Check the bot token with auth.test, retrying while Slack cannot be reached; False (and `stop` set) if Slack
    refuses it, True once signed in, None if stopped first."""
    delay = SIGN_IN_FIRST_RETRY
    while not stop.is_set():
        try:
            identity = await bot.app.client.auth_test()
        except SlackApiError as exc:
            log.error("Slack refused the bot token", extra={"error": exc.response.get("error")})
            stop.set()
            return False
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning(
                "cannot reach Slack to check the bot token; retrying", extra={"error": str(exc)[:200], "in": delay}
            )
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, SIGN_IN_LAST_RETRY)
            continue
        log.info("signed in to Slack", extra={"team": identity.get("team_id"), "bot_user": identity.get("user_id")})
        return True
    return None


def _app_token(settings: SlackSettings) -> str:
    if settings.app_token is None:
        raise SlackConfigError("Slack socket mode needs SLACK_APP_TOKEN")
    return settings.app_token.get_secret_value()


async def serve_socket_mode(bot: SlackBot, app_token: str, stop: asyncio.Event) -> None:
    """Hold a Socket Mode connection (the SDK reconnects by itself) until `stop` is set."""
    handler = AsyncSocketModeHandler(bot.app, app_token)
    connecting = asyncio.ensure_future(handler.connect_async())  # type: ignore[no-untyped-call]  # unannotated upstream
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connecting.done():
            connecting.result()
            log.info("connected to Slack over Socket Mode")
            await stopping
    finally:
        connecting.cancel()
        stopping.cancel()
        await handler.close_async()  # type: ignore[no-untyped-call]  # unannotated upstream
