"""Configurable endpoints: validated in settings, applied for a scope only, with warnings where the token is exposed."""

from __future__ import annotations

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from pydantic import ValidationError

from bot.adapters.discord.endpoints import (
    DISCORD_API_BASE,
    DISCORD_GATEWAY,
    EndpointError,
    Endpoints,
    redirected,
    warnings_for,
)
from bot.adapters.discord.settings import DiscordSettings


def test_defaults_are_discords_own():
    assert Endpoints.from_settings(DiscordSettings()) == Endpoints(DISCORD_API_BASE, DISCORD_GATEWAY)
    assert Endpoints().is_default


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("api_base_url", "ftp://proxy/api/v10"),
        ("api_base_url", "https://user:pw@proxy/api/v10"),
        ("api_base_url", "https://proxy/api/v10?x=1"),
        ("gateway_url", "https://gateway.discord.gg"),
        ("gateway_url", "wss:///nohost"),
    ],
)
def test_bad_endpoints_are_refused_at_start_up(field, value):
    with pytest.raises(ValidationError):
        DiscordSettings(**{field: value})


def test_a_redirect_applies_to_rest_webhooks_and_gateway_and_is_undone_afterwards():
    proxy = Endpoints("http://127.0.0.1:8080/api/v10", "ws://127.0.0.1:8081/")
    with redirected(proxy):
        assert Route("POST", "/interactions/{i}/{t}/callback", i=1, t="x").url.startswith(
            "http://127.0.0.1:8080/api/v10/"
        )
        assert yarl.URL("ws://127.0.0.1:8081/") == DiscordWebSocket.DEFAULT_GATEWAY
        with redirected(proxy):  # re-entering with the same endpoints is fine
            pass
        assert Route.BASE == "http://127.0.0.1:8080/api/v10"
    assert Route.BASE == DISCORD_API_BASE
    assert yarl.URL(DISCORD_GATEWAY) == DiscordWebSocket.DEFAULT_GATEWAY


def test_two_different_redirects_cannot_be_active_in_one_process():
    first, second = (Endpoints(f"http://127.0.0.1:{port}/api/v10", DISCORD_GATEWAY) for port in (1, 2))
    with redirected(first), pytest.raises(EndpointError), redirected(second):
        pass
    assert Route.BASE == DISCORD_API_BASE


def test_plain_http_to_a_public_host_is_flagged_because_the_token_travels_there():
    assert warnings_for(Endpoints("http://10.0.0.5:8080/api/v10", "ws://127.0.0.1/")) == []
    found = warnings_for(Endpoints("http://proxy.example.com/api/v9", "ws://gateway.example.com/"))
    assert len(found) == 3
    assert "not encrypted" in found[0] and "/v10" in found[1] and "gateway" in found[2]
