"""`/healthz` and `/metrics` for every platform and mode: on Slack HTTP mode's own port, or on OPS_PORT.

`/healthz` is 200 while the process can work (and its database answers), 503 once it is stopping or the database
is unreachable, so load balancers and orchestrators stop sending. `/metrics` is Prometheus text for scrapers (the
whole worker pool's in multiprocess mode), and this process's figures as JSON for people.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from bot.ops.metrics import exposition

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# aiohttp waits this long for requests in progress when stopping.
REQUEST_GRACE_SECONDS = 3.0


class Health(Protocol):
    """A dependency's state for /healthz (the database's, from storage)."""

    @property
    def ok(self) -> bool:
        """Whether it answers."""
        ...

    def as_json(self) -> dict[str, object]:
        """What /healthz says about it."""
        ...


class HealthProbe(Protocol):
    """Asks a dependency whether it answers; storage's DatabaseProbe is one."""

    async def check(self) -> Health:
        """The dependency's state now (cached briefly)."""
        ...

    async def close(self) -> None:
        """Release what the probe holds."""
        ...


class OpsRoutes:
    """The two handlers, for any aiohttp application; `figures` gives this process's metrics for JSON."""

    def __init__(
        self,
        *,
        probe: HealthProbe | None,
        figures: Callable[[], dict[str, float]],
        in_flight: Callable[[], int] = lambda: 0,
        metrics: bool = True,
    ) -> None:
        self.probe = probe
        self.figures = figures
        self.in_flight = in_flight
        self.metrics = metrics
        self.stopping = False

    def install(self, application: web.Application) -> None:
        """Add /healthz, and /metrics unless turned off."""
        application.router.add_get(HEALTH_PATH, self.health)
        if self.metrics:
            application.router.add_get(METRICS_PATH, self.metrics_handler)

    async def health(self, request: web.Request) -> web.Response:
        """200 when ready, 503 when stopping or when the database does not answer."""
        if self.stopping:
            return web.json_response({"status": "stopping", "pid": os.getpid()}, status=503)
        body: dict[str, object] = {"status": "ok", "pid": os.getpid(), "in_flight": self.in_flight()}
        if self.probe is not None:
            database = await self.probe.check()
            body |= database.as_json()
            if not database.ok:
                body["status"] = "unavailable"
                return web.json_response(body, status=503)
        return web.json_response(body)

    async def metrics_handler(self, request: web.Request) -> web.Response:
        """Prometheus text for scrapers (they ask for text/plain or OpenMetrics, or ?format=prometheus); this
        process's figures as JSON for people and browsers (anything else, or ?format=json)."""
        wanted = request.query.get("format", "")
        accept = request.headers.get("Accept", "")
        if wanted == "prometheus" or (not wanted and ("text/plain" in accept or "openmetrics" in accept)):
            body, content_type = exposition()
            return web.Response(body=body, headers={"Content-Type": content_type})
        return web.json_response({"pid": os.getpid(), "metrics": self.figures()})

    async def close(self) -> None:
        """Refuse with 503 from now on and release the probe."""
        self.stopping = True
        if self.probe is not None:
            await self.probe.close()


class OpsServer:
    """A small aiohttp server with only the ops routes, for Discord and Slack Socket Mode (OPS_PORT)."""

    def __init__(self, routes: OpsRoutes, host: str, port: int) -> None:
        self.routes = routes
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start listening; returns the port (useful when asked for port 0)."""
        application = web.Application()
        self.routes.install(application)
        self._runner = web.AppRunner(application, access_log=None, shutdown_timeout=REQUEST_GRACE_SECONDS)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        bound = int(self._runner.addresses[0][1])
        log.info("serving /healthz and /metrics", extra={"host": self.host, "port": bound, "pid": os.getpid()})
        return bound

    async def stop(self) -> None:
        """503 for a moment, then close."""
        try:
            await self.routes.close()
        finally:
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None
