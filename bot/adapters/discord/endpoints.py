"""Point discord.py at configured REST and gateway endpoints: a rate-limit proxy in production, a fake in tests.

discord.py has no constructor option for either endpoint. It builds every REST URL, webhook and interaction
callbacks included, from the class attribute `discord.http.Route.BASE`, and opens the first gateway
connection (and every one after an invalidated session) at `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`;
resumes use the `resume_gateway_url` that READY names. Overriding those two attributes is the documented
way large bots put a REST proxy such as nirn-proxy in front of Discord. They are process-wide, so the
override is scoped (restored on exit), refuses to nest with different values, and checks that the
attributes still exist so a discord.py upgrade that moves them fails at start-up, not silently.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord.settings import DiscordSettings

log = logging.getLogger(__name__)

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"
API_VERSION_SUFFIX = "/v10"


class EndpointError(RuntimeError):
    """The endpoints cannot be applied: another client in this process uses different ones."""


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where REST calls and the gateway connection go."""

    api_base: str = DISCORD_API_BASE
    gateway: str = DISCORD_GATEWAY

    @classmethod
    def from_settings(cls, settings: DiscordSettings) -> Endpoints:
        """The configured endpoints (already validated by the settings)."""
        return cls(settings.api_base_url.rstrip("/"), settings.gateway_url)

    @property
    def is_default(self) -> bool:
        """True when both endpoints are Discord's own."""
        return self.api_base == DISCORD_API_BASE and self.gateway == DISCORD_GATEWAY


def _is_local(host: str | None) -> bool:
    """Loopback or a private network (a proxy next to the bot); anything else is the open internet."""
    if host is None or host == "localhost":
        return host == "localhost"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def warnings_for(endpoints: Endpoints) -> list[str]:
    """What an operator should know about non-default endpoints (the token travels to the REST base)."""
    found = []
    rest = urlsplit(endpoints.api_base)
    if rest.scheme == "http" and not _is_local(rest.hostname):
        found.append(f"REST base {endpoints.api_base} is plain http to a public host: the bot token is not encrypted")
    if not rest.path.rstrip("/").endswith(API_VERSION_SUFFIX):
        found.append(f"REST base {endpoints.api_base} does not end in {API_VERSION_SUFFIX}, the API version spoken")
    gateway = urlsplit(endpoints.gateway)
    if gateway.scheme == "ws" and not _is_local(gateway.hostname):
        found.append(f"gateway {endpoints.gateway} is plain ws to a public host: the bot token is not encrypted")
    return found


_active: list[Endpoints] = []


@contextmanager
def redirected(endpoints: Endpoints) -> Iterator[None]:
    """Send discord.py's REST and gateway traffic to `endpoints` for the duration of the block."""
    if _active and _active[-1] != endpoints:
        raise EndpointError(f"endpoints already redirected to {_active[-1]}; one set per process")
    if not hasattr(Route, "BASE") or not hasattr(DiscordWebSocket, "DEFAULT_GATEWAY"):
        raise EndpointError("this discord.py version no longer has Route.BASE / DEFAULT_GATEWAY; pin discord.py~=2.7")
    previous = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = endpoints.api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(endpoints.gateway)
    _active.append(endpoints)
    if not endpoints.is_default:
        log.info("discord endpoints redirected", extra={"api_base": endpoints.api_base, "gateway": endpoints.gateway})
        for warning in warnings_for(endpoints):
            log.warning(warning)
    try:
        yield
    finally:
        _active.pop()
        if not _active:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = previous
