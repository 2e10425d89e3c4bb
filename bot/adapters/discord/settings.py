"""Discord's settings section (DISCORD_*): plain pydantic, importable without discord.py installed."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from bot.settings import Section, Settings


class DiscordSettings(Section):
    """Discord: the bot token (secret, environment only), endpoints, watched channels, and which shards to run."""

    model_config = SettingsConfigDict(env_prefix="DISCORD_")
    token: SecretStr | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    watch_channels: bool = False
    max_ratelimit_timeout_seconds: float = Field(30.0, ge=1.0, le=3600.0)
    shutdown_grace_seconds: float = Field(10.0, ge=0.0, le=300.0)
    # Empty: every shard of shard_count. 0: the count Discord recommends (GET /gateway/bot).
    shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    shard_count: int = Field(0, ge=0, le=100_000, validate_default=True)
    identify_window_seconds: float = Field(5.0, gt=0.0, le=60.0)

    @staticmethod
    def parse_shard_ids(value: Any) -> list[int]:
        """`0-3,8` (or a list of numbers and ranges) as sorted, distinct shard ids; ValueError when malformed."""
        parts = value.split(",") if isinstance(value, str) else list(value)
        ids: set[int] = set()
        for part in parts:
            if isinstance(part, int) and not isinstance(part, bool):
                first = last = part
            else:
                text = str(part).strip()
                if not text:
                    continue
                low, dash, high = text.partition("-")
                if not low.strip().isdigit() or (dash and not high.strip().isdigit()):
                    raise ValueError(f"{text!r} is not a shard id or a range such as 0-3")
                first, last = int(low), int(high) if dash else int(low)
            if first < 0 or last < first:
                raise ValueError(f"{part!r}: shard ranges go from low to high, from 0")
            ids.update(range(first, last + 1))
        return sorted(ids)

    @staticmethod
    def shard_problem(shard_ids: list[int], shard_count: int) -> str | None:
        """Why a set of shards cannot run, or None: ids need the total count, and each must be below it."""
        if shard_ids and not shard_count:
            return "shard ids need the total shard count (DISCORD_SHARD_COUNT or --shard-count)"
        too_high = [i for i in shard_ids if i >= shard_count]
        if too_high:
            return f"shard ids {too_high} are not below the shard count {shard_count} (shards count from 0)"
        return None

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: Any) -> list[int]:
        return cls.parse_shard_ids(value)

    @field_validator("shard_count")
    @classmethod
    def _shard_count(cls, value: int, info: ValidationInfo) -> int:
        problem = cls.shard_problem(info.data.get("shard_ids", []), value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("api_base_url", "gateway_url")
    @classmethod
    def _endpoint(cls, value: str, info: ValidationInfo) -> str:
        schemes = ("https", "http") if info.field_name == "api_base_url" else ("wss", "ws")
        url = urlsplit(value)
        if url.scheme not in schemes or not url.hostname or url.username or url.password or url.query or url.fragment:
            raise ValueError(f"must be a {' or '.join(schemes)} URL with a host and no credentials, query or fragment")
        return value.rstrip("/") if info.field_name == "api_base_url" else value


def discord_settings(settings: Settings) -> DiscordSettings:
    """The Discord section of loaded settings."""
    section = settings.section("discord")
    assert isinstance(section, DiscordSettings)
    return section
