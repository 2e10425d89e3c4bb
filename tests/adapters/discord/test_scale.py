"""Shard clusters as separate OS processes on one PostgreSQL database: `factbot run discord --shards ...`.

Two real processes against the fake Discord: each answers the servers of its own shards; a message or a
command delivered to both (two processes on one shard, as during a deploy) is answered once; and their
IDENTIFYs take turns per max_concurrency bucket through the database, a window apart.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters.discord.identify import namespace_of
from bot.app import open_database
from bot.settings import load_settings
from bot.storage.locks import AdvisoryLock
from tests.adapters.discord.conftest import replies_to, wait_reply
from tests.conftest import PROJECT_ROOT
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"
WINDOW = 1.0  # DISCORD_IDENTIFY_WINDOW_SECONDS for the processes (Discord's is 5 s)
pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]


class BotProcess:
    """`python -m bot run discord --shards ...` with JSON logs read as they come."""

    def __init__(self, shards: str, count: int) -> None:
        self.shards, self.count = shards, count
        self.records: list[dict[str, Any]] = []
        self.ready = asyncio.Event()
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> BotProcess:
        environment = {**os.environ, "LOG_LEVEL": "INFO", "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "discord", "--shards", self.shards, "--shard-count", str(self.count),
            cwd=PROJECT_ROOT, env=environment, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        async for line in self.process.stderr:
            if line.startswith(b"{"):
                record = json.loads(line)
                self.records.append(record)
                if record.get("health") == "ready":
                    self.ready.set()

    def messages(self, message: str) -> list[dict[str, Any]]:
        """The log records with this message."""
        return [r for r in self.records if r.get("message") == message]

    def handled(self, key: str, value: int) -> bool:
        """Whether the process answered a message, or stood back from a message or interaction, with this id."""
        done = ("answered", "duplicate message ignored", "duplicate interaction ignored")
        return any(str(r.get(key)) == str(value) for r in self.records if r.get("message") in done)

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), 30)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
            if self._reader is not None:
                await self._reader
        return code

    def tail(self) -> str:
        return "\n".join(json.dumps(r) for r in self.records[-20:])


async def until(predicate, timeout: float = 15.0) -> None:
    """Poll `predicate` (log lines arrive from other processes) until it holds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


@pytest.fixture
async def cluster(env, fake, database_url, monkeypatch) -> AsyncIterator[list[BotProcess]]:
    """Four servers, one per shard of 4; the database migrated and filled as the release step does."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DISCORD_IDENTIFY_WINDOW_SECONDS", str(WINDOW))
    for shard in (1, 2, 3):
        fake.add_guild(fd.guild_on_shard(shard, 4))
    fake.max_concurrency, fake.identify_window = 2, WINDOW  # the fake records any IDENTIFY that comes too early
    database, _ = await open_database(load_settings(PROJECT_ROOT / "config" / "factbot.toml"))
    await database.dispose()
    processes: list[BotProcess] = []
    try:
        yield processes
    finally:
        codes = [await p.stop() for p in processes]
        assert codes == [0] * len(processes), "\n".join(p.tail() for p in processes)


async def waiting_for_bucket(url: str, bucket: int) -> int:
    """IDENTIFYs waiting in PostgreSQL's queue for a bucket of the fake bot."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND NOT granted "
                    "AND classid = :namespace AND objid = :bucket "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"namespace": namespace_of(fd.APP_ID) & 0xFFFFFFFF, "bucket": bucket},
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


async def test_two_processes_take_identify_turns_through_the_database_and_answer_their_own_shards(
    cluster, fake, database_url
):
    # Hold bucket 0 as a third process would, until both bots queue behind it: the turns then surely collide.
    blocker = AdvisoryLock(database_url)
    await blocker.acquire((namespace_of(fd.APP_ID), 0))
    low, high = BotProcess("0-1", 4), BotProcess("2-3", 4)
    cluster += [await low.start(), await high.start()]
    try:
        async with asyncio.timeout(30):
            while await waiting_for_bucket(database_url, 0) < 2:  # shards 0 and 2 both wait for bucket 0
                await asyncio.sleep(0.05)
    finally:
        await blocker.release((namespace_of(fd.APP_ID), 0))
        await blocker.aclose()
    await asyncio.wait_for(asyncio.gather(low.ready.wait(), high.ready.wait()), 30)

    at = {i["shard"][0]: t for i, t in zip(fake.identifies, fake.identified_at, strict=True)}
    assert sorted(at) == [0, 1, 2, 3]
    assert abs(at[2] - at[0]) >= WINDOW and abs(at[3] - at[1]) >= WINDOW  # one bucket: a window apart
    assert min(abs(at[0] - at[1]), abs(at[2] - at[3])) < WINDOW / 2  # buckets 0 and 1: no waiting for each other
    assert fake.violations == []

    servers = {0: fd.GUILD_ID} | {shard: fd.guild_on_shard(shard, 4) for shard in (1, 2, 3)}
    asked = {shard: await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}", guild_id=servers[shard]) for shard in servers}
    for message in asked.values():
        await wait_reply(fake, message, timeout=15)
    owner = {shard: low if shard < 2 else high for shard in servers}
    await until(lambda: all(owner[s].handled("message_id", int(m["id"])) for s, m in asked.items()))
    for shard, message in asked.items():
        [answered] = [r for r in owner[shard].messages("answered") if str(r["message_id"]) == message["id"]]
        assert answered["shard_id"] == shard


async def test_a_message_or_command_delivered_to_two_processes_on_one_shard_is_answered_once(cluster, fake):
    """DC-2 with real processes: during a deploy the old and the new process run the same shards, and Discord
    sends every event of those shards to both."""
    old, new = BotProcess("0-1", 4), BotProcess("0-1", 4)
    cluster += [await old.start(), await new.start()]
    await asyncio.wait_for(asyncio.gather(old.ready.wait(), new.ready.wait()), 30)
    assert len([s for s in fake.sessions if s.shard == (0, 4)]) == 2
    server_on_1 = fd.guild_on_shard(1, 4)
    mentions = [await fake.send_message(f"<@{fd.BOT_ID}> {STAGED} ({n})", guild_id=server_on_1) for n in range(4)]
    mentions += [await fake.send_message(f"<@{fd.BOT_ID}> {STAGED} ({n})") for n in range(4)]  # shard 0
    unprompted = await fake.send_message(STAGED, channel=fd.WATCHED)
    command = fd.interaction(fd.command("factcheck", text=STAGED))
    await fake.dispatch("INTERACTION_CREATE", command)
    for message in [*mentions, unprompted]:
        await wait_reply(fake, message, timeout=15)
    await fake.wait_for(lambda: fake.callbacks(int(command["id"])), timeout=15)
    # Each process logs every one of them: answered, or stood back because the other had claimed it.
    everything = [*mentions, unprompted]
    await until(lambda: all(p.handled("message_id", int(m["id"])) for p in cluster for m in everything))
    await until(lambda: [p for p in cluster if p.handled("interaction_id", int(command["id"]))])
    assert [len(replies_to(fake, m)) for m in everything] == [1] * len(everything)
    assert [r.status for r in fake.callbacks(int(command["id"]))] == [200]
    assert len([p for p in cluster if p.handled("interaction_id", int(command["id"]))]) == 1  # the other stood back
    answered = [str(r["message_id"]) for p in cluster for r in p.messages("answered")]
    ignored = [str(r["message_id"]) for p in cluster for r in p.messages("duplicate message ignored")]
    assert sorted(answered) == sorted(ignored) == sorted(m["id"] for m in everything)
