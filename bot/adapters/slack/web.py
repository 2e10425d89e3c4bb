"""HTTP mode's web server: Bolt's aiohttp app (events, commands, interactivity, OAuth) plus /healthz and /metrics."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.manifest import EVENTS_PATH
from bot.ops.server import REQUEST_GRACE_SECONDS, OpsRoutes

log = logging.getLogger(__name__)


_DIGITS = re.compile(r"[0-9]{1,12}")


class HttpServer:
    """Serves one Bolt app with the ops routes; `/healthz` turns 503 as soon as shutdown starts, or while the
    database is unreachable, so load balancers stop sending."""

    def __init__(
        self, bot: SlackBot, host: str, port: int, *, ops: OpsRoutes | None = None, reuse_port: bool = False
    ) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self.reuse_port = reuse_port
        self.ops = ops or OpsRoutes(probe=None, figures=bot.metrics, in_flight=lambda: bot.work.running)
        self.verifier = SignatureVerifier(bot.signing_secret)
        self._runner: web.AppRunner | None = None

    @property
    def stopping(self) -> bool:
        """Whether shutdown has begun (/healthz says 503)."""
        return self.ops.stopping

    @stopping.setter
    def stopping(self, value: bool) -> None:
        self.ops.stopping = value

    def application(self) -> web.Application:
        """Bolt's routes plus the health check and, if enabled, the metrics."""
        application = self.bot.app.web_app(path=EVENTS_PATH, port=self.port)
        application.middlewares.insert(0, self._signed_first)
        self.ops.install(application)
        return application

    @web.middleware
    async def _signed_first(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Slack's requests are checked before anything parses them: unsigned or malformed bodies get 400 or 401
        (never 500), and nothing of them reaches the log. (Replays of signed requests are dropped by trigger id.)"""
        if request.method != "POST" or request.path != EVENTS_PATH:
            return await handler(request)
        body = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not _DIGITS.fullmatch(timestamp):
            return web.Response(status=400, text="missing or malformed X-Slack-Request-Timestamp")
        if not self._signed(body, timestamp, signature):
            log.warning("refused a request with a bad or stale signature", extra={"bytes": len(body)})
            return web.Response(status=401, text="invalid signature")
        if not _slack_shaped(body, request.content_type):
            return web.Response(status=400, text="not a Slack request body")
        return await handler(request)

    def _signed(self, body: bytes, timestamp: str, signature: str) -> bool:
        try:
            return self.verifier.is_valid(body, timestamp, signature)
        except UnicodeDecodeError:  # the SDK decodes the body as UTF-8 to sign it; Slack only sends UTF-8
            return False

    async def start(self) -> int:
        """Start listening; returns the port (useful when asked for port 0)."""
        # No access log: OAuth redirects carry a one-time code in the query string.
        self._runner = web.AppRunner(self.application(), access_log=None, shutdown_timeout=REQUEST_GRACE_SECONDS)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port, reuse_port=self.reuse_port or None).start()
        bound = self._runner.addresses[0][1]
        log.info(
            "factbot is serving Slack over HTTP",
            extra={"host": self.host, "port": bound, "reuse_port": self.reuse_port, "pid": os.getpid()},
        )
        return int(bound)

    async def stop(self) -> None:
        """Refuse new requests and finish those in progress."""
        self.stopping = True
        try:
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
        finally:
            await self.ops.close()


def _slack_shaped(body: bytes, content_type: str) -> bool:
    """Whether a signed body is what Slack sends: a JSON object, or a form (with a JSON object as `payload`)."""
    try:
        text = body.decode("utf-8")
        if content_type == "application/json":
            return isinstance(json.loads(text), dict)
        form = parse_qs(text, max_num_fields=200)
        payload = form.get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
