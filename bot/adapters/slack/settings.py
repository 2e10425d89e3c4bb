"""Slack's settings section (SLACK_*): plain pydantic, importable without slack-bolt installed."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from bot.settings import Section, Settings


class SlackSettings(Section):
    """Slack: tokens and secrets (environment only), Socket Mode or HTTP mode, endpoints, OAuth for many workspaces."""

    model_config = SettingsConfigDict(env_prefix="SLACK_")
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    client_secret: SecretStr | None = None
    mode: Literal["socket", "http"] = "socket"
    api_url: str = "https://slack.com/api/"
    host: str = "0.0.0.0"
    port: int = Field(3000, ge=1, le=65535, validate_default=True)
    client_id: str = ""
    redirect_uri: str = ""
    watch_channels: bool = False
    workers: int = Field(1, ge=1, le=64)
    reuse_port: bool = False

    @field_validator("port", mode="before")
    @classmethod
    def _platform_port(cls, value: Any) -> Any:
        # Hosts such as Heroku tell a web process its port in PORT; SLACK_PORT, when set, still wins.
        if not any(name.upper() == "SLACK_PORT" for name in os.environ) and os.environ.get("PORT"):
            return os.environ["PORT"]
        return value


def slack_settings(settings: Settings) -> SlackSettings:
    """The Slack section of loaded settings."""
    section = settings.section("slack")
    assert isinstance(section, SlackSettings)
    return section
