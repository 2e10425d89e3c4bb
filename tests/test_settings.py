"""Settings: defaults, TOML file, environment precedence, clear errors, and the documented defaults."""

from __future__ import annotations

import re
import tomllib

import pytest

from bot.settings import SECTIONS, SettingsError, load_settings
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
    example_env = (PROJECT_ROOT / "config" / "example.env").read_text()
    for name, cls in SECTIONS.items():
        secrets = {f for f, info in cls.model_fields.items() if "SecretStr" in str(info.annotation)}
        prefix = cls.model_config.get("env_prefix", "")
        for secret in secrets:
            assert f"\n{prefix}{secret.upper()}=" in example_env, f"{prefix}{secret.upper()} missing from example.env"
        fields = set(cls.model_fields) - secrets
        assert set(documented[name]) == fields, f"[{name}] documents {set(documented[name]) ^ fields}"
        for key, value in documented[name].items():
            actual = getattr(getattr(defaults, name), key)
            if key == "dir":
                assert actual.name == value
            else:
                assert actual == value, f"{name}.{key}: documented {value!r}, real {actual!r}"
