"""HTTP mode's web server: Bolt's aiohttp app (events, commands, interactivity, OAuth) plus /healthz."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.manifest import EVENTS_PATH

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
# aiohttp waits this long for requests in progress when stopping; Slack's own deadline is 3 seconds.
REQUEST_GRACE_SECONDS = 3.0


class HttpServer:
    """Serves one Bolt app; `/healthz` turns 503 as soon as shutdown starts, so load balancers stop sending."""

    def __init__(self, bot: SlackBot, host: str, port: int) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self.stopping = False
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        """Bolt's routes plus the health check."""
        application = self.bot.app.web_app(path=EVENTS_PATH, port=self.port)
        application.router.add_get(HEALTH_PATH, self._health)
        return application

    async def _health(self, request: web.Request) -> web.Response:
        if self.stopping:
            return web.json_response({"status": "stopping"}, status=503)
        return web.json_response({"status": "ok", "in_flight": self.bot.work.running})

    async def start(self) -> int:
        """Start listening; returns the port (useful when asked for port 0)."""
        # No access log: OAuth redirects carry a one-time code in the query string.
        self._runner = web.AppRunner(self.application(), access_log=None, shutdown_timeout=REQUEST_GRACE_SECONDS)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        bound = self._runner.addresses[0][1]
        log.info("factbot is serving Slack over HTTP", extra={"host": self.host, "port": bound})
        return int(bound)

    async def stop(self) -> None:
        """Refuse new requests and finish those in progress."""
        self.stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
