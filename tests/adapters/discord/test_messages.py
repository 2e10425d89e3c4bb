"""Messages through the gateway: mentions, watched channels, cooldowns, ignored authors, duplicates, safety."""

from __future__ import annotations

from sqlalchemy import text

from tests.adapters.discord.conftest import decision, interact, replies_to, settle, wait_reply
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"


async def test_a_mention_is_answered_with_an_embed_as_a_reply_that_pings_nobody(bot, fake):
    sent = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
    reply = await wait_reply(fake, sent)
    body = reply.body
    assert reply.path == f"{fd.API}/channels/{fd.GENERAL}/messages"
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert body["message_reference"]["fail_if_not_exists"] is False
    [embed] = body["embeds"]
    assert embed["author"]["name"] == "This claim has been fact-checked"
    assert "staged in a film studio" in embed["title"]
    assert embed["description"].startswith("**False.**")
    assert embed["color"] == 0xB71C1C
    assert [f["name"] for f in embed["fields"][:2]] == ["1969-07-20 · Fixture archive", "1970 · Fixture archive"]
    assert "[Fixture document one](https://example.org/fixture/one)" in embed["fields"][0]["value"]
    assert embed["footer"]["text"].startswith("moon-landing-staged")
    assert "flags" not in body or not body["flags"] & fd.SUPPRESS_EMBEDS  # would hide factbot's own embed


async def test_a_message_without_a_mention_outside_watched_channels_is_ignored(bot, fake):
    sent = await fake.send_message(STAGED, channel=fd.GENERAL)
    await settle(bot, fake)
    assert replies_to(fake, sent) == []


async def test_a_watched_channel_is_answered_unprompted_only_when_the_match_is_strong(bot, fake, services):
    suggestion = "was anything about the moon ever filmed in a studio at all?"
    assert await decision(services, suggestion) == "suggest"  # between the two thresholds
    assert await decision(services, STAGED) == "reply"
    weak = await fake.send_message(suggestion, channel=fd.WATCHED)
    strong = await fake.send_message(STAGED, channel=fd.WATCHED)
    reply = await wait_reply(fake, strong)
    await settle(bot, fake)
    assert replies_to(fake, weak) == []
    assert reply.body["embeds"][0]["footer"]["text"].startswith("moon-landing-staged")
    asked = await fake.send_message(f"<@{fd.BOT_ID}> {suggestion}", channel=fd.WATCHED)  # asked, it is enough
    assert (await wait_reply(fake, asked)).body["embeds"][0]["footer"]["text"].startswith("moon-landing-staged")


async def test_a_watched_channel_does_not_hear_the_same_claim_again_within_the_cooldown(bot, fake):
    first = await fake.send_message(STAGED, channel=fd.WATCHED)
    await wait_reply(fake, first)
    again = await fake.send_message("honestly the 1969 moon landing was staged in a film studio", channel=fd.WATCHED)
    other = await fake.send_message("covid vaccines contain microchips that track people", channel=fd.WATCHED)
    await wait_reply(fake, other)
    await settle(bot, fake)
    assert replies_to(fake, again) == []


async def test_a_message_in_a_thread_of_a_watched_channel_is_answered_in_the_thread(bot, fake):
    sent = await fake.send_message(STAGED, channel=fd.THREAD)
    reply = await wait_reply(fake, sent)
    assert reply.path == f"{fd.API}/channels/{fd.THREAD}/messages"


async def test_bots_webhooks_and_the_bot_itself_are_never_answered(bot, fake):
    from_bot = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}", author=fd.OTHER_BOT)
    from_webhook = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}", webhook=True)
    from_itself = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}", author=fd.BOT_ID)
    await settle(bot, fake)
    assert [replies_to(fake, m) for m in (from_bot, from_webhook, from_itself)] == [[], [], []]


async def test_the_same_message_delivered_twice_is_answered_once(bot, fake):
    sent = fd.message(f"<@{fd.BOT_ID}> {STAGED}")
    await fake.dispatch("MESSAGE_CREATE", sent)
    await fake.dispatch("MESSAGE_CREATE", sent)
    await wait_reply(fake, sent)
    await settle(bot, fake)
    assert len(replies_to(fake, sent)) == 1


async def test_a_bare_mention_in_reply_to_a_message_checks_that_message(bot, fake):
    original = fd.message("covid vaccines contain microchips that track people", author=fd.MODERATOR)
    sent = await fake.send_message(f"<@{fd.BOT_ID}> check this", reply_to=original)
    reply = await wait_reply(fake, sent)
    assert reply.body["embeds"][0]["footer"]["text"].startswith("vaccines-contain-microchips")


async def test_replying_to_a_fact_check_with_thanks_is_not_a_request(bot, fake):
    ours = fd.message("a fact-check", author=fd.BOT_ID)
    sent = await fake.send_message("thanks, good to know", reply_to=ours, mentions=[fd.BOT_ID])
    await settle(bot, fake)
    assert replies_to(fake, sent) == []


async def test_a_claim_that_says_everyone_pings_nobody(bot, fake):
    sent = await fake.send_message(f"<@{fd.BOT_ID}> the weather satellites were switched off secretly")
    reply = await wait_reply(fake, sent)
    body = reply.body
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}
    [embed] = body["embeds"]
    texts = [embed["title"], embed["description"], *(f["name"] + f["value"] for f in embed["fields"])]
    for shown in texts:
        assert "@everyone" not in shown and "@here" not in shown and "<@1300000000000000401>" not in shown
    assert embed["title"].startswith("\u201c@\u200beveryone @\u200bhere")  # shown, but defused


async def test_a_direct_message_is_a_request(bot, fake):
    sent = await fake.send_message(STAGED, channel=fd.DM_CHANNEL, in_guild=False)
    reply = await wait_reply(fake, sent)
    assert reply.path == f"{fd.API}/channels/{fd.DM_CHANNEL}/messages"
    assert reply.body["embeds"][0]["footer"]["text"].startswith("moon-landing-staged")


async def test_a_moderator_can_watch_a_channel_from_discord(bot, fake):
    before = await fake.send_message(STAGED, channel=fd.GENERAL)
    await settle(bot, fake)
    assert replies_to(fake, before) == []
    [answer] = await interact(fake, fd.interaction(fd.command("mod", "watch", mode="on"), by=fd.MODERATOR))
    assert "moderators only" not in str(answer.body)
    after = await fake.send_message(STAGED, channel=fd.GENERAL)
    assert (await wait_reply(fake, after)).body["embeds"][0]["footer"]["text"].startswith("moon-landing-staged")


async def test_without_the_database_mentions_are_still_answered_and_watched_channels_go_quiet(bot, fake, services):
    await services.catalogue.current()  # the core keeps answering from the catalogue it has
    async with services.database.engine.begin() as connection:
        await connection.execute(text("DROP TABLE expiring_keys"))  # no de-duplication, no cooldowns
    unprompted = await fake.send_message(STAGED, channel=fd.WATCHED)
    asked = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
    reply = await wait_reply(fake, asked)
    assert reply.body["embeds"][0]["footer"]["text"].startswith("moon-landing-staged")
    await settle(bot, fake)
    assert replies_to(fake, unprompted) == []
