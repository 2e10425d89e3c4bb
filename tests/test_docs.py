"""The README and docs/ stay true: every factbot command they show parses, the ones a newcomer runs first really
work, every setting they name exists, every file they point to is there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import sections
from tests.conftest import PROJECT_ROOT
from tests.test_cli import factbot

DOCS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
# Environment variables the docs may name that are not settings sections' fields.
OTHER_VARIABLES = {
    "FACTBOT_CONFIG",
    "FACTBOT_ENV_FILE",
    "FACTBOT_TEST_DATABASE_URL",
    "FACTBOT_TEST_SEMANTIC_MODEL",
    "XDG_DATA_HOME",
    "NO_COLOR",
    "PORT",
    "SLACK_BOT_TOKEN",
}
PREFIXES = tuple(str(cls.model_config.get("env_prefix", "")) for cls in sections().values())
SETTINGS = {
    f"{cls.model_config.get('env_prefix', '')}{field.upper()}"
    for cls in sections().values()
    for field in cls.model_fields
}
_BLOCK = re.compile(r"```(?:sh|bash|console)\n(.*?)```", re.DOTALL)
_SPAN = re.compile(r"`((?:\.venv/bin/)?factbot [^`]+)`")
_VARIABLE = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b")
_PATH = re.compile(r"`((?:docs|config|claims|benchmarks|bot|tests)/[\w./-]+\.(?:md|py|json|toml|env|yaml))`")


def _command_lines(text: str) -> list[str]:
    lines = []
    for block in _BLOCK.findall(text):
        joined = block.replace("\\\n", " ")
        lines += [line for line in joined.splitlines() if "factbot " in line and not line.lstrip().startswith("#")]
    lines += _SPAN.findall(text)
    return lines


def _factbot_argv(line: str) -> list[str] | None:
    """The arguments of the first `factbot` command on a shell line, or None if it runs something else."""
    line = line.split(" #", 1)[0]
    line = re.sub(r"(\S+?)(?:\\\|[\w-]+)+", r"\1", line)  # a table's `a\|b` alternatives: check the first
    line = re.sub(r"\[[^\]]*\]", "", line)  # [optional parts]
    for part in re.split(r"&&|\|\||[|;>]", line):
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]  # VARIABLE=value before the command
        if words and words[0].endswith("factbot"):
            # A placeholder such as YOUR_SERVER_ID stands for a number.
            return ["123456789012345678" if re.fullmatch(r"[A-Z_]*ID", w) else w for w in words[1:]]
    return None


CASES = [
    (path.relative_to(PROJECT_ROOT), argv)
    for path in DOCS
    for line in _command_lines(path.read_text(encoding="utf-8"))
    if (argv := _factbot_argv(line)) is not None and not any("…" in w or "|" in w or "[" in w for w in argv)
]


def test_the_docs_show_commands_at_all():
    assert len(CASES) > 15


@pytest.mark.parametrize(("doc", "argv"), CASES, ids=[f"{d}: {' '.join(a)[:50]}" for d, a in CASES])
def test_every_command_the_docs_show_is_one_factbot_accepts(doc, argv):
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        assert exc.code == 0, f"{doc}: `factbot {' '.join(argv)}` is not a valid command"


def test_the_first_commands_of_the_readme_work(tmp_path):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert 'factbot check "NATO never promised not to expand"' in readme
    answer = factbot("check", "NATO never promised not to expand", tmp=tmp_path)
    assert answer.returncode == 0 and "[nato-never-promised]" in answer.stdout
    assert "factbot config example-env > .env" in readme
    example = factbot("config", "example-env", tmp=tmp_path)
    assert "# DISCORD_TOKEN=" in example.stdout and "# SLACK_APP_TOKEN=" in example.stdout
    console = factbot("console", "--moderator", stdin="/claim history nato-never-promised\n", tmp=tmp_path)
    assert "History of `nato-never-promised`" in console.stdout


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_setting_the_docs_name_exists(doc: Path):
    text = doc.read_text(encoding="utf-8")
    named = {v for v in _VARIABLE.findall(text) if v.startswith(PREFIXES) and v not in OTHER_VARIABLES}
    unknown = sorted(v for v in named if v not in SETTINGS and not any(v.startswith(s + "_") for s in SETTINGS))
    assert unknown == [], f"{doc.name} names settings factbot does not have"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_file_the_docs_point_to_exists(doc: Path):
    missing = [p for p in _PATH.findall(doc.read_text(encoding="utf-8")) if not (PROJECT_ROOT / p).exists()]
    assert missing == []


def test_the_readme_stays_short_and_starts_with_the_two_commands():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("\n") < 200, "reference material belongs in docs/"
    first, second = re.findall(r"```sh\n(.*?)\n```", readme, re.DOTALL)[:2]
    assert "factbot check" in first and "pytest" in second
