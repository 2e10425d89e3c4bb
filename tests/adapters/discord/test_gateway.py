"""The gateway: login, READY, intents, a refused privileged intent, and resuming after a dropped connection."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.discord.access import intents_for
from bot.adapters.discord.client import FactbotClient
from bot.adapters.discord.endpoints import Endpoints, redirected
from bot.adapters.discord.runner import EXIT_CONFIG, serve
from tests.adapters.discord.conftest import replies_to, settle, wait_reply
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"
GUILDS, GUILD_MESSAGES, DM_MESSAGES = 1 << 0, 1 << 9, 1 << 12


def health(caplog) -> list[str]:
    return [r.health for r in caplog.records if hasattr(r, "health")]


async def test_login_identify_and_ready(start_bot, fake, caplog):
    caplog.set_level(logging.INFO, logger="bot.adapters.discord")
    client = await start_bot()
    paths = [f"{fd.API}/users/@me", f"{fd.API}/oauth2/applications/@me", f"{fd.API}/gateway/bot"]
    assert [r.path for r in fake.requests[:3]] == paths  # the shard count and IDENTIFY concurrency come last
    assert all(r.headers["Authorization"] == f"Bot {fd.TOKEN}" for r in fake.requests[:3])
    [identify] = fake.identifies
    assert identify["token"] == fd.TOKEN
    assert identify["shard"] == [0, 1]  # Discord recommends one shard for one server
    assert client.user is not None and client.user.id == fd.BOT_ID
    assert [g.id for g in client.guilds] == [fd.GUILD_ID]
    assert fake.connections[0].zlib is not None  # discord.py asked for zlib-stream and decoded it
    assert fake.connections[0].path == "/gateway"  # the configured gateway, not the one /gateway/bot names
    assert health(caplog) == ["connect", "shard_ready", "ready"]


async def test_intents_are_the_minimum_and_message_content_only_in_watch_mode(start_bot, fake, settings):
    await start_bot()
    assert fake.identifies[0]["intents"] == GUILDS | GUILD_MESSAGES | DM_MESSAGES | fd.MESSAGE_CONTENT
    quiet = settings.discord.model_copy(update={"watch_channels": False})
    assert intents_for(quiet).value == GUILDS | GUILD_MESSAGES | DM_MESSAGES


@pytest.mark.parametrize("env_overrides", [{"DISCORD_WATCH_CHANNELS": "false"}])
async def test_without_message_content_mentions_still_work_and_watched_channels_are_silent(fake, start_bot):
    client = await start_bot()
    assert not fake.identifies[0]["intents"] & fd.MESSAGE_CONTENT
    unaddressed = await fake.send_message(STAGED, channel=fd.WATCHED)
    assert unaddressed["content"] == ""  # Discord blanks it, as it would
    asked = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}", channel=fd.WATCHED)
    await wait_reply(fake, asked)
    await settle(client, fake)
    assert replies_to(fake, unaddressed) == []


async def test_a_refused_privileged_intent_stops_with_an_actionable_message(services, settings, fake, caplog):
    fake.message_content_enabled = False
    client = FactbotClient(services.dispatcher, settings.discord, guild_ready_timeout=0.05)
    with redirected(Endpoints.from_settings(settings.discord)):
        code = await asyncio.wait_for(serve(client, fd.TOKEN, grace=1, stop=asyncio.Event()), 10)
    assert code == EXIT_CONFIG
    assert len(fake.identifies) == 1  # no reconnect storm
    assert any("Privileged Gateway Intents" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


@pytest.mark.parametrize("fault", ["drop", "reconnect"])
async def test_a_lost_connection_resumes_and_replays_what_was_missed(bot, fake, caplog, fault):
    caplog.set_level(logging.INFO, logger="bot.adapters.discord")
    before = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
    await wait_reply(fake, before)
    session, seq = fake.session.session_id, fake.session.seq
    if fault == "drop":
        await fake.drop_connection(code=4000)
    else:
        await fake.request_reconnect()
    missed = await fake.send_message(f"<@{fd.BOT_ID}> covid vaccines contain microchips that track people")
    await wait_reply(fake, missed)
    assert fake.resumes == [{"token": fd.TOKEN, "session_id": session, "seq": seq}]
    assert len(fake.identifies) == 1
    assert fake.connections[-1].path == "/resume"  # READY's resume_gateway_url, as Discord requires
    await settle(bot, fake)
    assert len(replies_to(fake, missed)) == 1
    assert "resumed" in health(caplog) and "disconnect" in health(caplog)


async def test_two_processes_on_one_shard_answer_each_message_once(start_bot, fake):
    first, second = await start_bot(), await start_bot()
    assert len(fake.sessions) == 2  # Discord sends every event to both
    sent = [await fake.send_message(f"<@{fd.BOT_ID}> {STAGED} ({n})") for n in range(5)]
    for message in sent:
        await wait_reply(fake, message)
    await settle(first, fake)
    await second.inflight.wait_idle(5)
    assert [len(replies_to(fake, m)) for m in sent] == [1] * 5
