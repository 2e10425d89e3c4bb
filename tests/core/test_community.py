"""A community hides a shared claim for itself: its own answers change, no other community's do."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.models import Actor, MessageEvent, Origin, ReplyKind
from bot.storage.tables import audit_log
from tests.fakes.fake_adapter import make_actor

STAGED = "the 1969 moon landing was staged in a film studio"
OWNER2 = Actor(platform="fake", user_id="owner2", workspace_id="w2", is_platform_admin=True)
MEMBER2 = make_actor("pat", workspace="w2")


def here(workspace: str, channel: str = "c1") -> Origin:
    return Origin(platform="fake", channel_id=channel, workspace_id=workspace, message_id="m")


async def best(services, workspace: str, text: str = STAGED) -> str | None:
    [reply] = await services.dispatcher.run_command(
        make_actor("q", workspace=workspace), here(workspace), f"factcheck {text}"
    )
    return reply.claim.id if reply.claim is not None else None


async def test_a_hidden_claim_is_not_used_in_that_community_and_still_is_everywhere_else(services):
    dispatcher = services.dispatcher
    before_w1 = await dispatcher.run_command(make_actor("q"), here("w1"), f"factcheck {STAGED}")
    assert await best(services, "w2") == "moon-landing-staged"
    [hidden] = await dispatcher.run_command(OWNER2, here("w2"), "claim hide moon-landing-staged | not our topic")
    assert "hidden in this community" in hidden.text
    assert await best(services, "w2") != "moon-landing-staged"
    unprompted = await dispatcher.handle(MessageEvent(MEMBER2, here("w2", "c1"), STAGED))
    assert all(r.claim is None or r.claim.id != "moon-landing-staged" for r in unprompted)
    after_w1 = await dispatcher.run_command(make_actor("q"), here("w1"), f"factcheck {STAGED}")
    assert [r.text for r in after_w1] == [r.text for r in before_w1]
    assert after_w1[0].claim.id == "moon-landing-staged"
    [listed] = await dispatcher.run_command(OWNER2, here("w2"), "claim hidden")
    assert "`moon-landing-staged`" in listed.text
    [shown] = await dispatcher.run_command(OWNER2, here("w2"), "claim unhide moon-landing-staged")
    assert "shown again" in shown.text
    assert await best(services, "w2") == "moon-landing-staged"
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log.c.actor_id, audit_log.c.action))).all()
    assert ("owner2", "claim hide") in rows and ("owner2", "claim unhide") in rows


async def test_no_one_hides_a_claim_in_a_community_they_do_not_moderate(services):
    dispatcher = services.dispatcher
    [refused] = await dispatcher.run_command(OWNER2, here("w1"), "claim hide moon-landing-staged")
    assert refused.kind is ReplyKind.ERROR and "moderators of this community only" in refused.text
    [member] = await dispatcher.run_command(MEMBER2, here("w2"), "claim hide moon-landing-staged")
    assert member.kind is ReplyKind.ERROR
    assert await best(services, "w1") == "moon-landing-staged" and await best(services, "w2") == "moon-landing-staged"
    unknown = (await dispatcher.run_command(OWNER2, here("w2"), "claim hide moon-landing-fake"))[0]
    assert "Did you mean" in unknown.text


async def test_a_communitys_moderators_read_their_own_audit_and_editors_read_everyones(services, db_fake):
    dispatcher = services.dispatcher
    await dispatcher.run_command(OWNER2, here("w2"), "claim hide moon-landing-staged | not our topic")
    await dispatcher.run_command(OWNER2, here("w2"), "watch on")
    await dispatcher.run_command(OWNER2, here("w1"), "watch on")  # refused: not their community
    await db_fake.command("claim retire moon-landing-real | test", actor=make_actor("mia", moderator=True))
    [own] = await dispatcher.run_command(OWNER2, here("w2"), "audit")
    assert "claim hide moon-landing-staged: ok" in own.text and "channel settings" in own.text
    assert "claim retire" not in own.text and "refused" not in own.text  # w1's rows are w1's
    [few] = await dispatcher.run_command(OWNER2, here("w2"), "audit 1")
    assert len(few.text.splitlines()) == 2
    [everything] = await db_fake.command("audit 50", actor=make_actor("mia", moderator=True))
    assert "[shared catalogue]" in everything.text and "[fake:w2]" in everything.text
    assert "watch command: refused [fake:w1]" in everything.text
    [member] = await dispatcher.run_command(MEMBER2, here("w2"), "audit")
    assert member.kind is ReplyKind.ERROR


async def test_a_communitys_moderators_see_details_of_their_own_replies_only(services, db_fake):
    [answer] = await db_fake.command(f"factcheck {STAGED}")  # asked in w1
    assert answer.reply_id
    [elsewhere] = await services.dispatcher.run_command(OWNER2, here("w2"), f"reply details {answer.reply_id}")
    assert "no longer known" in elsewhere.text and "score" not in elsewhere.text
    owner1 = Actor(platform="fake", user_id="owner1", workspace_id="w1", is_platform_admin=True)
    [own] = await services.dispatcher.run_command(owner1, here("w1"), f"reply details {answer.reply_id}")
    assert f"Reply `{answer.reply_id}`" in own.text and "score" in own.text
