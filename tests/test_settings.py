"""Settings: defaults, TOML file, environment precedence, clear errors, and the documented defaults."""

from __future__ import annotations

import re
import tomllib

import pytest

from bot.settings import SettingsError, example_env, load_settings, sections
from tests.conftest import PROJECT_ROOT


def test_defaults_need_no_file_and_no_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.matcher.reply_threshold > settings.matcher.suggest_threshold
    assert settings.database.resolved_url().endswith("factbot/factbot.sqlite3")


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    path = tmp_path / "f.toml"
    path.write_text('[matcher]\nreply_threshold = 0.9\n[policy]\nwatched_channels = ["slack:C1"]\n')
    assert load_settings(path).matcher.reply_threshold == 0.9
    monkeypatch.setenv("MATCHER_REPLY_THRESHOLD", "0.75")
    monkeypatch.setenv("POLICY_WATCHED_CHANNELS", "discord:1, slack:T1:C2")
    settings = load_settings(path)
    assert settings.matcher.reply_threshold == 0.75
    assert settings.policy.watched_channels == ["discord:1", "slack:T1:C2"]


def test_every_problem_is_listed_with_its_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "f.toml"
    path.write_text("[matcher]\nsuggest_threshold = 2\n[nonsense]\nx = 1\n")
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    text = str(caught.value)
    assert "unknown section(s) nonsense" in text
    assert "matcher.suggest_threshold (env MATCHER_SUGGEST_THRESHOLD)" in text
    assert "log.level (env LOG_LEVEL)" in text


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text("[matcher\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(path)


def test_shipped_config_documents_every_setting_with_its_real_default():
    text = (PROJECT_ROOT / "config" / "factbot.toml").read_text()
    uncommented = re.sub(r"^# (\w+ = .*)$", r"\1", text, flags=re.MULTILINE)
    documented = tomllib.loads(uncommented)
    defaults = load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    for name, cls in sections().items():
        secrets = {f for f, info in cls.model_fields.items() if "SecretStr" in str(info.annotation)}
        fields = set(cls.model_fields) - secrets
        assert set(documented[name]) == fields, f"[{name}] documents {set(documented[name]) ^ fields}"
        for key, value in documented[name].items():
            actual = getattr(getattr(defaults, name), key)
            if key == "dir":
                assert actual.name == value
            else:
                assert actual == value, f"{name}.{key}: documented {value!r}, real {actual!r}"


def test_example_env_is_generated_from_the_settings_and_lists_every_variable():
    committed = (PROJECT_ROOT / "config" / "example.env").read_text(encoding="utf-8")
    assert committed == example_env(), "regenerate it: factbot config example-env > config/example.env"
    for cls in sections().values():
        prefix = cls.model_config.get("env_prefix", "")
        for field in cls.model_fields:
            assert f"\n# {prefix}{field.upper()}=" in committed
    assert "\nSLACK_" not in committed and "\nDISCORD_TOKEN" not in committed, "nothing is set, only shown"


def test_a_dotenv_file_is_read_and_the_real_environment_wins(tmp_path, monkeypatch):
    for name in ("MATCHER_SUGGEST_THRESHOLD", "SLACK_BOT_TOKEN", "MATCHER_REPLY_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text("MATCHER_SUGGEST_THRESHOLD=0.95\nSLACK_BOT_TOKEN=xoxb-from-file\nMATCHER_REPLY_THRESHOLD=0.5\n")
    monkeypatch.setenv("MATCHER_REPLY_THRESHOLD", "0.7")
    settings = load_settings(PROJECT_ROOT / "config" / "factbot.toml", env_file=dotenv)
    assert settings.matcher.suggest_threshold == 0.95 and settings.matcher.reply_threshold == 0.7
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-file"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FACTBOT_ENV_FILE")
    assert load_settings(PROJECT_ROOT / "config" / "factbot.toml").matcher.suggest_threshold == 0.95
    dotenv.write_text("MATCHER_SUGGEST_THRESHOLDD=0.95\n")
    with pytest.raises(SettingsError, match=r"matcher\.suggest_thresholdd"):
        load_settings(PROJECT_ROOT / "config" / "factbot.toml")
    monkeypatch.setenv("FACTBOT_ENV_FILE", str(tmp_path / "missing.env"))
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(PROJECT_ROOT / "config" / "factbot.toml")
