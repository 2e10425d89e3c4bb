"""The core never imports a chat platform's library: only bot/adapters may."""

from __future__ import annotations

import ast

from tests.conftest import PROJECT_ROOT

PLATFORM_MODULES = ("discord", "slack_bolt", "slack_sdk")


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_platform_library_outside_the_adapters():
    offenders = []
    for path in (PROJECT_ROOT / "bot").rglob("*.py"):
        if "adapters" in path.relative_to(PROJECT_ROOT / "bot").parts:
            continue
        for module in imported_modules(path):
            if module.split(".")[0] in PLATFORM_MODULES:
                offenders.append(f"{path.relative_to(PROJECT_ROOT)} imports {module}")
    assert offenders == []


def test_the_check_would_catch_an_offender(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import discord.ext\nfrom slack_bolt.async_app import AsyncApp\n")
    assert [m.split(".")[0] for m in imported_modules(sample)] == ["discord", "slack_bolt"]
