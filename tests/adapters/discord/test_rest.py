"""REST failures: 429s are waited out and retried; a 403 pauses the channel instead of hammering it."""

from __future__ import annotations

import asyncio

from bot.adapters.discord.client import FactbotClient
from bot.adapters.discord.endpoints import Endpoints, redirected
from bot.adapters.discord.runner import EXIT_CONFIG, serve
from tests.adapters.discord.conftest import interact, replies_to, settle, wait_reply
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"


async def test_a_rate_limited_reply_is_retried_after_retry_after(bot, fake):
    fake.rate_limit_once("POST", rf"/channels/{fd.GENERAL}/messages", retry_after=0.4)
    sent = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
    await wait_reply(fake, sent)
    limited, retried = [r for r in fake.requests if r.path.endswith(f"/channels/{fd.GENERAL}/messages")]
    assert (limited.status, retried.status) == (429, 200)
    assert retried.at - limited.at >= 0.4  # no request before retry_after
    assert limited.body == retried.body
    await settle(bot, fake)
    assert len([r for r in replies_to(fake, sent) if r.status == 200]) == 1


async def test_a_rate_limited_followup_is_retried(start_bot, fake):
    await start_bot(defer_after=0)
    payload = fd.interaction(fd.command("factcheck", text=STAGED))
    fake.rate_limit_once("POST", rf"/webhooks/{fd.APP_ID}/{payload['token']}", retry_after=0.3)
    _, limited, retried = await interact(fake, payload, count=3)
    assert (limited.status, retried.status) == (429, 200)
    assert retried.at - limited.at >= 0.3


async def test_a_forbidden_channel_is_left_alone_for_a_while(bot, fake):
    fake.forbid_channel(fd.WATCHED)
    first = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}", channel=fd.WATCHED)
    await fake.wait_for(lambda: replies_to(fake, first))
    second = await fake.send_message(f"<@{fd.BOT_ID}> covid vaccines contain microchips", channel=fd.WATCHED)
    elsewhere = await fake.send_message(f"<@{fd.BOT_ID}> covid vaccines contain microchips", channel=fd.GENERAL)
    await wait_reply(fake, elsewhere)
    await settle(bot, fake)
    assert [r.status for r in replies_to(fake, first)] == [403]
    assert replies_to(fake, second) == []  # not even tried: repeated 403s count towards Discord's ban


async def test_a_revoked_token_stops_the_bot_instead_of_piling_up_invalid_requests(services, settings, fake):
    client = FactbotClient(services.dispatcher, settings.discord, guild_ready_timeout=0.05)
    stop = asyncio.Event()
    with redirected(Endpoints.from_settings(settings.discord)):
        serving = asyncio.create_task(serve(client, fd.TOKEN, grace=1, stop=stop))
        await asyncio.wait_for(client.wait_until_ready(), 5)
        fake.revoke_token()
        await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
        assert await asyncio.wait_for(serving, 5) == EXIT_CONFIG
    assert [r.status for r in fake.sent()] == [401]
