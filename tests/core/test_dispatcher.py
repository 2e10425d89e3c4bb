"""The dispatcher end to end through the fake adapter: who gets answered, where, and how."""

from __future__ import annotations

from bot.core.commands import CommandSpec, info
from bot.core.live import LiveCatalogue
from bot.core.permissions import Authority
from bot.domain.models import ReplyAction, ReplyKind
from tests.fakes.fake_adapter import make_actor

STAGED = "The 1969 Moon landing was staged in a film studio"


async def test_watched_channel_gets_unprompted_reply_for_a_sure_match(fake):
    replies = await fake.say(STAGED)
    assert [r.kind for r in replies] == [ReplyKind.FACT_CHECK]
    reply = replies[0]
    assert reply.claim.id == "moon-landing-staged"
    assert reply.unprompted and reply.reply_to == "m1"
    assert ReplyAction.HELPFUL in reply.actions and ReplyAction.WRONG_CLAIM in reply.actions


async def test_same_claim_not_repeated_in_a_channel_within_the_cooldown(fake, clock):
    assert await fake.say(STAGED)
    assert await fake.say("honestly the 1969 moon landing was staged in a film studio") == []
    assert await fake.say(STAGED, channel="c2"), "the cooldown is per channel"
    clock.advance(minutes=31)
    assert await fake.say(STAGED), "after the cooldown the claim may be answered again"


async def test_unwatched_channel_direct_message_bots_and_self_get_no_unprompted_reply(fake):
    assert await fake.say(STAGED, channel="elsewhere") == []
    assert await fake.say(STAGED, actor=make_actor("webhook", bot=True)) == []
    assert await fake.say(STAGED, actor=make_actor("factbot", is_self=True)) == []
    event_origin = fake.origin("c1", direct=True)
    from bot.domain.models import MessageEvent

    assert await fake.deliver(MessageEvent(make_actor(), event_origin, STAGED)) == []


async def test_short_messages_are_not_considered(fake):
    assert await fake.say("moon staged") == []


async def test_weak_match_is_silent_unprompted_but_answered_when_asked(fake):
    text = "was the moon thing real or staged in some studio"
    assert await fake.say(text) == []
    replies = await fake.mention(text)
    assert replies[0].kind in {ReplyKind.FACT_CHECK, ReplyKind.NO_MATCH}
    assert not replies[0].unprompted


async def test_mention_fact_checks_its_text(fake):
    replies = await fake.mention("is it true that the moon landing was staged in a film studio?")
    assert replies[0].kind is ReplyKind.FACT_CHECK
    assert replies[0].claim.id == "moon-landing-staged"


async def test_bare_mention_in_reply_checks_the_referenced_message(fake):
    replies = await fake.mention("check this pls", referenced="covid vaccines contain microchips that track people")
    assert replies[0].claim.id == "vaccines-contain-microchips"


async def test_bare_mention_without_reference_explains_usage(fake):
    replies = await fake.mention("")
    assert replies[0].kind is ReplyKind.INFO and "Commands:" in replies[0].text


async def test_mention_can_run_a_command(fake):
    replies = await fake.mention("claim show moon-landing-real")
    assert replies[0].kind is ReplyKind.CLAIM and replies[0].claim.id == "moon-landing-real"


async def test_unrelated_text_gets_no_match_with_report_button(fake):
    replies = await fake.command("factcheck my cat prefers the blue bowl on tuesdays")
    assert replies[0].kind is ReplyKind.NO_MATCH
    assert replies[0].text.startswith("No known claim matched")
    assert replies[0].actions == (ReplyAction.REPORT,)


async def test_message_action_fact_checks_the_target_message(fake):
    replies = await fake.action("Apollo 11 was faked on a sound stage")
    assert replies[0].claim.id == "moon-landing-staged"


async def test_message_action_on_empty_message_explains(fake):
    replies = await fake.action("   ")
    assert replies[0].kind is ReplyKind.ERROR and replies[0].ephemeral


async def test_retired_claims_are_never_matched(fake):
    replies = await fake.command("factcheck drinking bleach cures every illness")
    assert all(r.claim is None or r.claim.id != "retired-fixture-claim" for r in replies)
    assert all(c.id != "retired-fixture-claim" for r in replies for c, _ in r.candidates)


async def test_unknown_command_suggests_the_closest(fake):
    replies = await fake.command("claim shwo moon-landing-real")
    assert replies[0].kind is ReplyKind.ERROR and replies[0].ephemeral
    assert "claim show" in replies[0].text


async def test_moderator_only_commands_are_refused_in_the_core(dispatcher, fake):
    async def secret(ctx, args):
        return [info("done")]

    dispatcher.registry.add(CommandSpec("claim retire", "retire", secret, authority=Authority.EDITOR))
    refused = await fake.command("claim retire x")
    assert refused[0].kind is ReplyKind.ERROR and "for catalogue editors only" in refused[0].text
    accepted = await fake.command("claim retire x", actor=make_actor("mod", moderator=True))
    assert accepted[0].text == "done"


class BrokenSource:
    """A catalogue source whose database is gone."""

    async def catalogue_version(self) -> int:
        raise RuntimeError("database unreachable")

    async def all(self):
        raise RuntimeError("database unreachable")


async def test_failures_are_answered_explicitly_and_silent_unprompted(dispatcher, fake, caplog):
    dispatcher.catalogue = LiveCatalogue(BrokenSource(), dispatcher.catalogue.thresholds)
    replies = await fake.command("factcheck the moon landing was staged")
    assert replies[0].kind is ReplyKind.ERROR and "went wrong" in replies[0].text
    assert await fake.say(STAGED) == []
    assert "database unreachable" in caplog.text


async def test_metrics_count_replies_duplicates_and_match_latency(dispatcher, fake):
    await fake.say(STAGED)
    await fake.command("factcheck my cat likes the blue bowl")
    assert await dispatcher.first_time("fake:msg:1")
    assert not await dispatcher.first_time("fake:msg:1")
    snapshot = dispatcher.metrics.snapshot()
    assert snapshot["replies_fact-check"] == 1 and snapshot["replies_no-match"] == 1
    assert snapshot["duplicates_dropped"] == 1 and snapshot["matches"] == 2 and snapshot["match_ms_p99"] >= 0
