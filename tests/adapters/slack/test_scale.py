"""Slack at scale: separate factbot processes (`python -m bot run slack`, HTTP mode) on one database answer every
event exactly once however its deliveries are spread (SL-3); several workers share one port (SO_REUSEPORT);
/healthz follows the database without a restart; /metrics shows the counters."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack.runner import run
from bot.adapters.slack.workers import worker_environment
from bot.app import open_database, open_services
from bot.settings import load_settings
from tests.adapters.slack.conftest import MICROCHIPS, STAGED, make_settings
from tests.adapters.slack.processes import (
    FactbotProcess,
    deliver,
    event_number,
    factbot_env,
    free_port,
    mention_bodies,
)
from tests.conftest import FIXTURE_CLAIMS
from tests.fakes.fake_slack import SlackSender, event_body, mention, slash_command

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing is Linux's")


async def seed(fake, database_url: str) -> None:
    """Migrate and seed the database once, as the Procfile's release phase (`factbot db upgrade`) does before
    the web processes start, so the processes under test start alike."""
    database, _store = await open_database(make_settings(database_url, fake))
    await database.dispose()


async def start_separate(processes, fake, database_url, tmp_path, session, count: int) -> list[FactbotProcess]:
    """`count` single-worker processes on their own ports, all on one database, serving."""
    envs = [factbot_env(fake, database_url, free_port(), home=tmp_path, catalogue=FIXTURE_CLAIMS) for _ in range(count)]
    await seed(fake, database_url)
    started = [await processes(env, int(env["SLACK_PORT"])) for env in envs]
    await asyncio.gather(*(p.healthy(session) for p in started))
    return started


async def stop_all(started: list[FactbotProcess]) -> list[dict]:
    """SIGTERM every process (each finishes its acknowledged work first); their "final metrics" log lines."""
    assert await asyncio.gather(*(p.stop() for p in started)) == [0] * len(started)
    finals = []
    for process in started:
        finals += [line for line in await process.logs() if line["message"] == "final metrics"]
    return finals


@pytest.mark.postgres
async def test_the_same_event_delivered_to_every_process_is_answered_once(
    fake_slack, postgres_url, tmp_path, processes, session
):
    started = await start_separate(processes, fake_slack, postgres_url, tmp_path, session, 3)
    senders = [SlackSender(f"{p.url}/slack/events", session) for p in started]
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="80.000100"), event_id="EvEveryProcess")
    # In a Slack Connect channel the same message also arrives for the other workspace, with another event id.
    twin = event_body(mention(f"<@UBOT1> {STAGED}", ts="80.000100"), team="T222", event_id="EvEveryProcessConnect")
    sent = await asyncio.gather(
        *(sender.event(body, retry=n) for n, sender in enumerate(senders)),
        *(sender.event(twin, retry=n) for n, sender in enumerate(senders)),
    )
    assert {s.status for s in sent} == {200}
    finals = await stop_all(started)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    # Two retries of the first delivery (event key); the other workspace's copy (message key) and its two retries.
    assert sum(f.get("duplicates_dropped", 0) for f in finals) == 5


@pytest.mark.postgres
async def test_1000_events_delivered_4_times_over_2_processes_get_exactly_1000_replies(
    fake_slack, postgres_url, tmp_path, processes, session
):
    """SL-3 at full size; benchmarks/slack_scale.py measures the same run's speed."""
    started = await start_separate(processes, fake_slack, postgres_url, tmp_path, session, 2)
    senders = [SlackSender(f"{p.url}/slack/events", session) for p in started]
    sent = await deliver(senders, mention_bodies([STAGED, MICROCHIPS], 1000), 4, concurrency=40)
    assert len(sent) == 4000 and {d.status for d in sent} == {200}
    assert max(d.seconds for d in sent) < 3, "acknowledged within Slack's 3 seconds"
    finals = await stop_all(started)
    replies = fake_slack.calls_to("chat.postMessage")
    assert len(replies) == 1000
    assert sorted(event_number(c.params["thread_ts"]) for c in replies) == list(range(1000))
    assert sum(f["duplicates_dropped"] for f in finals) == 3000
    assert all(f.get("replies_fact-check", 0) > 0 for f in finals), "both processes answered some events"
    assert all(f["slack_work_db_seconds_total"] > 0 for f in finals), "database time is measured"


@pytest.mark.postgres
async def test_workers_share_one_port_and_a_dead_worker_is_replaced(
    fake_slack, postgres_url, tmp_path, processes, session
):
    port = free_port()
    env = factbot_env(fake_slack, postgres_url, port, home=tmp_path, catalogue=FIXTURE_CLAIMS, SLACK_WORKERS="2")
    supervisor = await processes(env, port)
    first = await supervisor.healthy(session, pids=2)
    assert supervisor.pid not in first, "the supervisor itself serves nothing"
    sender = SlackSender(f"{supervisor.url}/slack/events", session)
    sent = await deliver([sender], mention_bodies([STAGED], 30), 2, concurrency=10)
    assert {d.status for d in sent} == {200}
    await fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 30, timeout=30)

    killed = min(first)
    os.kill(killed, signal.SIGKILL)
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        now_serving = await supervisor.healthy(session, pids=2)
        if killed not in now_serving:
            break
        assert asyncio.get_running_loop().time() < deadline, "the killed worker was not replaced"
        await asyncio.sleep(0.2)

    later = mention_bodies([MICROCHIPS], 40)[30:]
    sent = await deliver([sender], later, 2, concurrency=10)
    assert {d.status for d in sent} == {200}
    assert await supervisor.stop() == 0
    logs = await supervisor.logs()
    finals = [line for line in logs if line["message"] == "final metrics"]
    assert {f["pid"] for f in finals} == now_serving, "both current workers stopped cleanly"
    assert any(line["message"] == "Slack worker exited unexpectedly" and line["pid"] == killed for line in logs)
    replies = fake_slack.calls_to("chat.postMessage")
    assert sorted(event_number(c.params["thread_ts"]) for c in replies) == list(range(40))


def _gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie nobody reaps counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def test_workers_stop_when_their_supervisor_is_killed(fake_slack, tmp_path, processes, session):
    port = free_port()
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = factbot_env(fake_slack, database, port, home=tmp_path, catalogue=FIXTURE_CLAIMS, SLACK_WORKERS="2")
    supervisor = await processes(env, port)
    workers = await supervisor.healthy(session, pids=2)
    supervisor.process.kill()
    await supervisor.process.wait()
    deadline = asyncio.get_running_loop().time() + 20
    while not all(_gone(pid) for pid in workers):
        assert asyncio.get_running_loop().time() < deadline, "orphaned workers kept serving"
        await asyncio.sleep(0.1)
    with pytest.raises(aiohttp.ClientConnectionError):
        await supervisor.health(session)


@pytest.mark.postgres
async def test_healthz_is_503_while_postgres_is_down_and_200_again_without_a_restart(
    fake_slack, tmp_path, processes, session, private_server
):
    server = private_server
    port = free_port()
    env = factbot_env(fake_slack, server.url, port, home=tmp_path, catalogue=FIXTURE_CLAIMS)
    worker = await processes(env, port)
    [pid] = await worker.healthy(session)
    status, body = await worker.health(session)
    assert status == 200 and body["database"] == "ok"

    await asyncio.to_thread(server.stop)
    status, body = await _health_until(worker, session, 503)
    assert body == {
        "status": "unavailable",
        "pid": pid,
        "in_flight": 0,
        "database": "unreachable",
        "reason": "connection refused",
    }

    await asyncio.to_thread(server.start)
    status, body = await _health_until(worker, session, 200)
    assert body["pid"] == pid and body["database"] == "ok", "the same worker, not a restarted one"
    sender = SlackSender(f"{worker.url}/slack/events", session)
    assert (await sender.event(event_body(mention(f"<@UBOT1> {STAGED}", ts="90.000100")))).status == 200
    await fake_slack.wait_calls("chat.postMessage", timeout=15)
    assert await worker.stop() == 0
    logs = await worker.logs()
    assert [line["message"] for line in logs if "database unreachable" in line["message"]] == [
        "database unreachable from the health check"
    ], "logged once when it went down, not on every check"
    assert any(line["message"] == "database reachable again" for line in logs)


async def _health_until(worker: FactbotProcess, session, status: int, timeout: float = 20) -> tuple[int, dict]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got, body = await worker.health(session)
        if got == status:
            return got, body
        assert asyncio.get_running_loop().time() < deadline, f"/healthz stayed {got}: {body}"
        await asyncio.sleep(0.2)


async def test_several_workers_need_http_mode(fake_slack, tmp_path, capsys):
    settings = make_settings(
        f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, mode="socket", app_token="xapp-1", workers=2
    )
    assert await run(settings, open_services) == 2
    assert "SLACK_WORKERS=1" in capsys.readouterr().err
    assert fake_slack.calls == []


def test_every_worker_process_gets_the_supervisors_settings(fake_slack, tmp_path, monkeypatch):
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, workers=3, watch_channels=True)
    env = worker_environment(settings, {"PATH": "/bin", "SLACK_APP_TOKEN": "xapp-stale", "PORT": "1"})
    assert env["SLACK_WORKERS"] == "1" and env["SLACK_REUSE_PORT"] == "true"
    assert "SLACK_APP_TOKEN" not in env, "a setting that is unset in the supervisor is unset in its workers"
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loaded = load_settings(Path(os.devnull))
    slack = settings.slack.model_copy(update={"workers": 1, "reuse_port": True})
    expected = settings.model_copy(update={"slack": slack, "log": loaded.log, "config_file": loaded.config_file})
    assert loaded == expected


async def test_a_supervisor_with_a_refused_token_stops_before_starting_workers(fake_slack, tmp_path):
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", fake_slack, bot_token="xoxb-unknown", workers=2)
    assert await run(settings, open_services) == 1
    assert Counter(c.method for c in fake_slack.calls) == {"auth.test": 1}


async def ask(fake, sender: SlackSender, command: str, text: str, hook: str, *, user: str = "U1") -> str:
    """Send a slash command to one process and return its answer on response_url, as JSON text."""
    sent = await sender.command(slash_command(command, text, fake.hook_url(hook), user=user))
    assert sent.status == 200
    [answer] = await fake.wait_hooks(hook)
    return json.dumps(answer.params)


@pytest.mark.postgres
async def test_an_edit_through_one_process_is_matched_by_another_within_a_second(
    fake_slack, postgres_url, tmp_path, processes, session
):
    # The periodic version check is an hour apart, so only PostgreSQL's NOTIFY can bring the edit across in time.
    envs = [
        factbot_env(
            fake_slack,
            postgres_url,
            free_port(),
            home=tmp_path,
            catalogue=FIXTURE_CLAIMS,
            EDITORS_USER_IDS="slack:UMOD",
            CATALOGUE_CHECK_INTERVAL_SECONDS="3600",
        )
        for _ in range(2)
    ]
    await seed(fake_slack, postgres_url)
    editor, matcher = [await processes(env, int(env["SLACK_PORT"])) for env in envs]
    await asyncio.gather(editor.healthy(session), matcher.healthy(session))
    to_editor = SlackSender(f"{editor.url}/slack/events", session)
    to_matcher = SlackSender(f"{matcher.url}/slack/events", session)
    phrase = "Neil's boot prints were made in a Nevada desert"
    assert "moon-landing-staged" not in await ask(fake_slack, to_matcher, "/factcheck", phrase, "before")

    line = f"alias add moon-landing-staged | {phrase}"
    assert "Saved" in await ask(fake_slack, to_editor, "/factcheck-admin", line, "edit", user="UMOD")
    saved = time.monotonic()
    attempt = 0
    while "moon-landing-staged" not in await ask(fake_slack, to_matcher, "/factcheck", phrase, f"after{attempt}"):
        attempt += 1
        assert time.monotonic() - saved < 1.0, "the other process still matches the old catalogue after 1 s"
    assert time.monotonic() - saved < 1.0
    await stop_all([editor, matcher])
