"""`factbot run slack` as a process: HTTP mode on $PORT, /healthz, SIGTERM, and no secret in its logs (SE-1)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import urllib.parse

import aiohttp
import pytest

from bot.adapters.slack.runner import run
from bot.app import open_services
from tests.adapters.slack.conftest import STAGED, make_settings
from tests.adapters.slack.test_oauth import install
from tests.conftest import FIXTURE_CLAIMS, PROJECT_ROOT
from tests.fakes.fake_slack import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeSlack,
    SlackSender,
    Workspace,
    event_body,
    mention,
)

CANARY_SIGNING_SECRET = "CANARY-signing-secret-7f3a"
CANARY_TOKEN = "xoxb-CANARY-installed-9b1c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """A running `python -m bot run slack`, with its stderr collected."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        # Read stderr all along: DEBUG logging would otherwise fill the pipe and block the child.
        self.stderr = asyncio.create_task(process.stderr.read())

    async def healthy(self, session: aiohttp.ClientSession, timeout: float = 30) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self.process.returncode is not None:
                raise AssertionError((await self.stderr).decode())
            try:
                async with session.get(f"{self.base_url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert asyncio.get_running_loop().time() < deadline, "factbot did not start"
            await asyncio.sleep(0.1)


@pytest.fixture
async def canary_fake():
    fake = FakeSlack(workspaces=[])
    fake.installable = {"code-canary": Workspace("T777", CANARY_TOKEN, "UBOT7", "B777")}
    await fake.start()
    yield fake
    await fake.close()
    assert fake.violations == []


async def test_http_mode_process_installs_answers_and_stops_on_sigterm_without_leaking_secrets(canary_fake, tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "PORT": str(port),
        "SLACK_MODE": "http",
        "SLACK_HOST": "127.0.0.1",
        "SLACK_API_URL": canary_fake.api_url,
        "SLACK_SIGNING_SECRET": CANARY_SIGNING_SECRET,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CATALOGUE_DIR": str(FIXTURE_CLAIMS),
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "slack", cwd=PROJECT_ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    factbot = Process(child, port)
    try:
        async with aiohttp.ClientSession() as session:
            await factbot.healthy(session)
            await install(factbot, session, "code-canary")
            sender = SlackSender(f"{factbot.base_url}/slack/events", session, secret=CANARY_SIGNING_SECRET)
            sent = await sender.event(event_body(mention(f"<@UBOT7> {STAGED}", ts="70.000100"), team="T777"))
            assert sent.status == 200
            [post] = await canary_fake.wait_calls("chat.postMessage", timeout=15)
            assert post.token == CANARY_TOKEN
        child.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(child.wait(), 20) == 0
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    logs = (await factbot.stderr).decode()
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(line["message"] == "factbot stopped" for line in lines)
    assert any("oauth.v2.access" in line["message"] for line in lines), "DEBUG logging really was on"
    for secret in (CANARY_SIGNING_SECRET, CANARY_TOKEN, CLIENT_SECRET, "CANARY"):
        assert secret not in logs
    assert urllib.parse.quote(CLIENT_SECRET) not in logs


async def test_missing_secrets_are_listed_and_nothing_starts(fake_slack, tmp_path, capsys):
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, bot_token=None, signing_secret=None)
    assert await run(settings, open_services) == 2
    err = capsys.readouterr().err
    assert "SLACK_SIGNING_SECRET" in err and "SLACK_CLIENT_ID" in err and "SLACK_CLIENT_SECRET" in err
    assert fake_slack.calls == []


async def test_a_bot_token_slack_refuses_stops_at_start(fake_slack, tmp_path):
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, bot_token="xoxb-unknown")
    assert await run(settings, open_services) == 1
    assert [c.method for c in fake_slack.calls] == ["auth.test"]


async def test_healthz_answers_ok_and_turns_503_while_stopping(slack):
    async with slack.send.session.get(f"{slack.base_url}/healthz") as response:
        assert response.status == 200 and (await response.json())["status"] == "ok"
    slack.server.stopping = True
    async with slack.send.session.get(f"{slack.base_url}/healthz") as response:
        assert response.status == 503


async def test_http_mode_starts_and_answers_healthz_while_slack_is_unreachable(
    fake_slack, tmp_path, caplog, monkeypatch
):
    from bot.adapters.slack.worker import run_worker

    caplog.set_level("INFO")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-team1")  # Bolt reads it too; its warning about that is noise
    port = free_port()
    closed = free_port()  # nothing listens here: Slack "cannot be reached"
    settings = make_settings(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        fake_slack,
        api_url=f"http://127.0.0.1:{closed}/api/",
        port=port,
        host="127.0.0.1",
    )
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop, open_services))
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("HTTP mode did not start without Slack")
        for _ in range(100):
            if "cannot reach Slack" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "cannot reach Slack to check the bot token; retrying" in caplog.text
        assert not worker.done()
    finally:
        stop.set()
    assert await asyncio.wait_for(worker, 20) == 0
    assert "As you gave `client` as well" not in caplog.text
