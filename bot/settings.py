"""Typed settings from the environment and an optional TOML file; loaded once at start-up and passed down."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The bundled catalogue: bot/claims links to the repository's claims/ and is package data in a wheel.
BUNDLED_CLAIMS = Path(__file__).resolve().parent / "claims"
CONFIG_ENV = "FACTBOT_CONFIG"
DEFAULT_CONFIG_FILE = Path("config") / "factbot.toml"
ENV_FILE_ENV = "FACTBOT_ENV_FILE"
DEFAULT_ENV_FILE = Path(".env")


def default_data_dir() -> Path:
    """Where the SQLite database lives by default: $XDG_DATA_HOME/factbot or ~/.local/share/factbot."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "factbot"


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class Section(BaseSettings):
    """A settings section: environment variables override values from the TOML file, which override defaults."""

    model_config = SettingsConfigDict(extra="forbid", case_sensitive=False)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then the values passed as init arguments (`.env` over the TOML file)."""
        return env_settings, init_settings


class DatabaseSettings(Section):
    """DATABASE_URL: sqlite:///PATH (default) or postgresql://USER@HOST/DB for several processes."""

    model_config = SettingsConfigDict(env_prefix="DATABASE_")
    url: str = ""
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        scheme = value.split(":", 1)[0].split("+", 1)[0].strip().lower()
        if value and (scheme not in {"sqlite", "postgres", "postgresql"} or ":" not in value):
            raise ValueError(f"unsupported database {scheme[:20]!r}: use sqlite:///PATH or postgresql://USER@HOST/DB")
        return value

    def resolved_url(self) -> str:
        """The configured URL, or the default SQLite file."""
        return self.url or f"sqlite:///{default_data_dir() / 'factbot.sqlite3'}"


class CatalogueSettings(Section):
    """Where the bundled YAML catalogue is and whether to import it into an empty database."""

    model_config = SettingsConfigDict(env_prefix="CATALOGUE_")
    dir: Path = BUNDLED_CLAIMS
    import_when_empty: bool = True
    check_interval_seconds: float = Field(1.0, ge=0.0, le=3600.0)


class MatcherSettings(Section):
    """The two decision thresholds and their helpers; see the README for how the defaults were chosen."""

    model_config = SettingsConfigDict(env_prefix="MATCHER_")
    reply_threshold: float = Field(0.47, ge=0.0, le=1.0)
    suggest_threshold: float = Field(0.30, ge=0.0, le=1.0)
    reply_margin: float = Field(0.0, ge=0.0, le=1.0)
    min_reply_words: int = Field(3, ge=1, le=50)
    stance_penalty: float = Field(0.6, gt=0.0, le=1.0)
    # The reply threshold for a message that names none of the claim's names and numbers (an idiom, usually).
    unanchored_reply_threshold: float = Field(0.55, ge=0.0, le=1.0)
    # The lead on lexical evidence (relative) the best claim needs over the next one to reply unprompted.
    min_lead: float = Field(0.01, ge=0.0, le=1.0)
    # Optional semantic re-ranking (needs the `semantic` extra): a sentence-transformers model name or directory.
    semantic_model: str = ""
    semantic_weight: float = Field(0.2, ge=0.0, le=1.0)
    semantic_candidates: int = Field(50, ge=1, le=1000)
    semantic_max_windows: int = Field(8, ge=1, le=64)
    semantic_languages: CommaList = ["en"]

    _split = field_validator("semantic_languages", mode="before")(_split_list)


class PolicySettings(Section):
    """When factbot speaks unprompted."""

    model_config = SettingsConfigDict(env_prefix="POLICY_")
    watched_channels: CommaList = ["console:general"]
    min_length: int = Field(20, ge=1, le=10_000)
    cooldown_minutes: float = Field(60.0, ge=0.0, le=60 * 24 * 30)
    channel_refresh_seconds: float = Field(5.0, ge=0.0, le=3600.0)

    _split = field_validator("watched_channels", mode="before")(_split_list)


class RetentionSettings(Section):
    """How long factbot keeps what people sent it: reports (their text), and replies with their feedback."""

    model_config = SettingsConfigDict(env_prefix="RETENTION_")
    report_days: int = Field(365, ge=1, le=3650)
    feedback_days: int = Field(365, ge=1, le=3650)


class LimitSettings(Section):
    """Per user and community, shared by every process through the database (0 turns a count limit off)."""

    model_config = SettingsConfigDict(env_prefix="LIMITS_")
    requests_per_minute: int = Field(20, ge=0, le=100_000)
    reports_per_hour: int = Field(10, ge=0, le=100_000)
    max_open_reports: int = Field(20, ge=0, le=100_000)
    max_report_chars: int = Field(2000, ge=100, le=20_000)


class EditorSettings(Section):
    """Who curates the shared catalogue every community is answered from: `platform:id` or `platform:workspace:id`."""

    model_config = SettingsConfigDict(env_prefix="EDITORS_")
    user_ids: CommaList = ["console:moderator"]
    role_ids: CommaList = []

    _split = field_validator("user_ids", "role_ids", mode="before")(_split_list)


class ModeratorSettings(Section):
    """Community moderators, `platform:workspace:id` only: their power ends at their server's or workspace's border."""

    model_config = SettingsConfigDict(env_prefix="MODERATORS_")
    user_ids: CommaList = []
    role_ids: CommaList = []
    trust_platform_admins: bool = True

    _split = field_validator("user_ids", "role_ids", mode="before")(_split_list)

    @field_validator("user_ids", "role_ids")
    @classmethod
    def _scoped(cls, refs: list[str]) -> list[str]:
        for ref in refs:
            if ref.count(":") != 2 or not all(ref.split(":")):
                raise ValueError(
                    f"{ref!r} names no community: write platform:workspace:id (discord:SERVER_ID:USER_ID, "
                    "slack:TEAM_ID:USER_ID); to let someone edit the shared catalogue, use EDITORS_USER_IDS"
                )
        return refs


class OpsSettings(Section):
    """/healthz and /metrics: on Slack HTTP mode's own port, and on OPS_PORT (0: off) for Discord and Socket Mode."""

    model_config = SettingsConfigDict(env_prefix="OPS_")
    host: str = "0.0.0.0"
    port: int = Field(0, ge=0, le=65535)
    metrics: bool = True
    health_timeout_seconds: float = Field(1.0, gt=0.0, le=30.0)


class LogSettings(Section):
    """Logging: level and format (text for people, json for log collectors)."""

    model_config = SettingsConfigDict(env_prefix="LOG_")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Settings(BaseModel):
    """All of factbot's settings, grouped by section; each installed platform's section rides along by its name."""

    model_config = {"frozen": True, "extra": "allow"}
    database: DatabaseSettings
    catalogue: CatalogueSettings
    matcher: MatcherSettings
    policy: PolicySettings
    editors: EditorSettings
    moderators: ModeratorSettings
    retention: RetentionSettings
    limits: LimitSettings
    ops: OpsSettings
    log: LogSettings
    config_file: Path | None = None

    def section(self, name: str) -> Section:
        """A section by name, a platform's included; KeyError names the sections there are."""
        value = getattr(self, name, None)
        if not isinstance(value, Section):
            raise KeyError(f"no settings section {name!r}; there are {', '.join(sections())}")
        return value


CORE_SECTIONS: dict[str, type[Section]] = {
    "database": DatabaseSettings,
    "catalogue": CatalogueSettings,
    "matcher": MatcherSettings,
    "policy": PolicySettings,
    "editors": EditorSettings,
    "moderators": ModeratorSettings,
    "retention": RetentionSettings,
    "limits": LimitSettings,
    "ops": OpsSettings,
    "log": LogSettings,
}


def sections() -> dict[str, type[Section]]:
    """Every settings section: the core's, then each installed platform's (found through its entry point)."""
    from bot.platforms import platforms

    return CORE_SECTIONS | {name: platform.settings for name, platform in platforms().items()}


EXAMPLE_ENV_HEADER = """\
# Every environment variable factbot reads, generated from bot/settings.py (`factbot config example-env`).
# Copy this file to .env in the directory you start factbot from, uncomment what you need and fill it in:
# factbot reads .env at start-up (FACTBOT_ENV_FILE names another file), and variables set in the real
# environment win over it. .env is in .gitignore; never commit real secrets. Non-secret settings can also go
# in config/factbot.toml, where every key is explained (the same names, without the prefix, per section).
"""


def _example_value(value: Any) -> str:
    if value is None or isinstance(value, SecretStr):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, Path):
        return ""  # the claims/ folder of this installation
    return str(value)


def example_env() -> str:
    """config/example.env, from the settings model itself, so the list of variables cannot drift from the code."""
    lines = [EXAMPLE_ENV_HEADER]
    for name, cls in sections().items():
        prefix = str(cls.model_config.get("env_prefix", ""))
        lines.append(f"# [{name}] {(cls.__doc__ or '').strip().splitlines()[0]}")
        for field, info in cls.model_fields.items():
            secret = "SecretStr" in str(info.annotation)
            default = None if secret else info.get_default(call_default_factory=True)
            if secret:
                lines.append("# (secret: environment or .env only, never in the TOML file)")
            lines.append(f"# {prefix}{field.upper()}={_example_value(default)}")
        lines.append("")
    return "\n".join(lines)


def secret_values(settings: Settings) -> list[str]:
    """Every secret in the settings, including a database password, so the log filter can mask them."""
    found = []
    for name in sections():
        section = settings.section(name)
        found += [v.get_secret_value() for v in vars(section).values() if isinstance(v, SecretStr)]
    password = urlsplit(settings.database.url).password if "://" in settings.database.url else None
    if password:
        found.append(str(password))
    return [v for v in found if v]


class SettingsError(Exception):
    """Settings could not be loaded; the message lists every problem."""


def _config_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    for candidate in (Path.cwd() / DEFAULT_CONFIG_FILE, PROJECT_ROOT / DEFAULT_CONFIG_FILE):
        if candidate.is_file():
            return candidate
    return None


def env_file_path() -> Path | None:
    """The `.env` file to read: FACTBOT_ENV_FILE, else `.env` in the working directory, if it exists."""
    named = os.environ.get(ENV_FILE_ENV)
    if named:
        return Path(named)
    return DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None


def load_settings(config_file: Path | None = None, *, env_file: Path | None = None) -> Settings:
    """Read the TOML file (if any), a `.env` file (if any) and the environment; raise SettingsError listing every
    bad value. The real environment wins over `.env`, which wins over the TOML file."""
    path = _config_path(config_file)
    dotenv = env_file if env_file is not None else env_file_path()
    if dotenv is not None and not dotenv.is_file():
        raise SettingsError(f"{dotenv}: the .env file named by {ENV_FILE_ENV} does not exist")
    from_dotenv = {k.upper(): v for k, v in dotenv_values(dotenv).items() if v is not None} if dotenv else {}
    table: dict[str, Any] = {}
    if path is not None:
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"{path}: cannot be read: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    problems: list[str] = []
    known = sections()
    unknown = sorted(set(table) - set(known))
    if unknown:
        problems.append(f"{path}: unknown section(s) {', '.join(unknown)}; known: {', '.join(known)}")
    loaded: dict[str, Section] = {}
    for name, cls in known.items():
        values = table.get(name, {})
        if not isinstance(values, dict):
            problems.append(f"{path}: [{name}] must be a table")
            continue
        prefix = str(cls.model_config.get("env_prefix", "")).upper()
        values = values | {k[len(prefix) :].lower(): v for k, v in from_dotenv.items() if k.startswith(prefix)}
        try:
            loaded[name] = cls(**values)
        except ValidationError as exc:
            prefix = cls.model_config.get("env_prefix", "")
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                problems.append(
                    f"{name}.{field} (env {prefix}{field.upper()}): {str(err['msg']).removeprefix('Value error, ')}"
                )
    if problems:
        raise SettingsError("\n".join(problems))
    return Settings(config_file=path, **loaded)
