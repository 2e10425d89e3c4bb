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
from bot.adapters.slack.health import DatabaseProbe
from bot.adapters.slack.manifest import EVENTS_PATH

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# aiohttp waits this long for requests in progress when stopping; Slack's own deadline is 3 seconds.
REQUEST_GRACE_SECONDS = 3.0
DEFAULT_HEALTH_TIMEOUT = 1.0
PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Figures that go up and down; everything else in a snapshot is a counter.
_GAUGES = frozenset({"matches", "slack_in_flight", "slack_work_db_share"})
_QUANTILE = re.compile(r"^(?P<name>.+)_p(?P<q>50|99)$")
_QUANTILES = {"50": "0.5", "99": "0.99"}
_DIGITS = re.compile(r"[0-9]{1,12}")


class HttpServer:
    """Serves one Bolt app; `/healthz` turns 503 as soon as shutdown starts, or while the database is unreachable,
    so load balancers stop sending."""

    def __init__(
        self,
        bot: SlackBot,
        host: str,
        port: int,
        *,
        reuse_port: bool = False,
        health_timeout: float = DEFAULT_HEALTH_TIMEOUT,
        metrics: bool = True,
    ) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self.reuse_port = reuse_port
        self.metrics = metrics
        self.stopping = False
        self.probe = DatabaseProbe(bot.database, health_timeout) if bot.database is not None else None
        self.verifier = SignatureVerifier(bot.signing_secret)
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        """Bolt's routes plus the health check and, if enabled, the metrics."""
        application = self.bot.app.web_app(path=EVENTS_PATH, port=self.port)
        application.middlewares.insert(0, self._signed_first)
        application.router.add_get(HEALTH_PATH, self._health)
        if self.metrics:
            application.router.add_get(METRICS_PATH, self._metrics)
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

    async def _health(self, request: web.Request) -> web.Response:
        if self.stopping:
            return web.json_response({"status": "stopping", "pid": os.getpid()}, status=503)
        body: dict[str, object] = {"status": "ok", "pid": os.getpid(), "in_flight": self.bot.work.running}
        if self.probe is not None:
            database = await self.probe.check()
            body |= database.as_json()
            if not database.ok:
                body["status"] = "unavailable"
                return web.json_response(body, status=503)
        return web.json_response(body)

    async def _metrics(self, request: web.Request) -> web.Response:
        figures = self.bot.metrics()
        wanted = request.query.get("format", "")
        accept = request.headers.get("Accept", "")
        if wanted == "prometheus" or (not wanted and ("text/plain" in accept or "openmetrics" in accept)):
            return web.Response(
                body=prometheus_text(figures, os.getpid()).encode(), headers={"Content-Type": PROMETHEUS_TYPE}
            )
        return web.json_response({"pid": os.getpid(), "metrics": figures})

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
            if self.probe is not None:
                await self.probe.close()


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


def prometheus_text(figures: dict[str, float], pid: int) -> str:
    """The figures in Prometheus' text format: counters as `factbot_NAME_total`, p50/p99 as gauges with a
    `quantile` label, every series labelled with the worker's pid (several workers can answer on one port)."""
    families: dict[str, tuple[str, list[str]]] = {}
    worker = f'pid="{pid}"'
    for key in sorted(figures):
        value = f"{float(figures[key]):g}"
        quantile = _QUANTILE.match(key)
        if quantile:
            name, kind, labels = (
                _metric_name(quantile["name"]),
                "gauge",
                f'{worker},quantile="{_QUANTILES[quantile["q"]]}"',
            )
        elif key in _GAUGES:
            name, kind, labels = _metric_name(key), "gauge", worker
        else:
            name, kind, labels = _metric_name(key).removesuffix("_total") + "_total", "counter", worker
        families.setdefault(name, (kind, []))[1].append(f"{name}{{{labels}}} {value}")
    lines: list[str] = []
    for name, (kind, samples) in families.items():
        lines += [f"# TYPE {name} {kind}", *samples]
    return "\n".join(lines) + "\n"


def _metric_name(key: str) -> str:
    return "factbot_" + re.sub(r"[^a-zA-Z0-9_]", "_", key)
