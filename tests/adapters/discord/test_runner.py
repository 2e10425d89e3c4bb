"""`factbot run discord` as a real process: it answers, logs health without the token, and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys

import pytest

from bot.adapters.discord.runner import EXIT_CONFIG, announce_mode, run
from bot.app import open_services
from tests.adapters.discord.conftest import wait_reply
from tests.conftest import PROJECT_ROOT
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"


async def test_the_process_answers_logs_health_and_stops_cleanly_on_sigterm(env, fake, tmp_path):
    environment = {**os.environ, "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "discord",
        cwd=PROJECT_ROOT, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    lines: list[bytes] = []
    ready = asyncio.Event()

    async def read_log() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            lines.append(line)
            if b'"health": "ready"' in line:
                ready.set()

    reader = asyncio.create_task(read_log())
    try:
        await asyncio.wait_for(ready.wait(), 30)
        sent = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
        await wait_reply(fake, sent, timeout=15)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0, b"".join(lines).decode()[-3000:]
        await reader
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stdout = await process.stdout.read() if process.stdout else b""
    records = [json.loads(line) for line in lines if line.startswith(b"{")]
    health = [r["health"] for r in records if "health" in r]
    assert health[:3] == ["connect", "shard_ready", "ready"] and health[-2:] == ["disconnect", "stopped"]
    assert any(r["message"].startswith("watch mode is on") for r in records)
    [final] = [r for r in records if r["message"] == "final metrics"]
    assert final["replies_fact-check"] == 1 and final["pid"] == process.pid
    everything = stdout + b"".join(lines) + b"".join(p.read_bytes() for p in tmp_path.glob("factbot.sqlite3*"))
    everything += json.dumps([r.body for r in fake.requests]).encode()
    assert fd.TOKEN.encode() not in everything  # SE-1: the token only ever travels in headers and IDENTIFY


async def test_without_a_token_it_says_what_to_set(settings, caplog):
    no_token = settings.model_copy(update={"discord": settings.discord.model_copy(update={"token": None})})
    assert await run(no_token, open_services) == EXIT_CONFIG
    assert any("DISCORD_TOKEN is not set" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


@pytest.mark.parametrize("env_overrides", [{"DISCORD_WATCH_CHANNELS": "false"}])
async def test_watched_discord_channels_without_watch_mode_are_called_out_at_start_up(settings, caplog):
    caplog.set_level(logging.INFO)
    announce_mode(settings)
    messages = [r.getMessage() for r in caplog.records]
    assert any("no privileged intent requested" in m for m in messages)
    assert any("DISCORD_WATCH_CHANNELS is false" in m for m in messages)
