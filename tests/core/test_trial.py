"""Trial mode: unprompted replies wait for a moderator of their community, and are posted once on approval."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.models import Actor, MessageEvent, Origin, ReplyAction, ReplyKind
from bot.storage.tables import audit_log, trial_replies
from tests.fakes.fake_adapter import make_actor

STAGED = "the 1969 moon landing was staged in a film studio"
OWNER1 = Actor(platform="fake", user_id="owner1", display_name="Olga", workspace_id="w1", is_platform_admin=True)
OWNER2 = Actor(platform="fake", user_id="owner2", display_name="Otto", workspace_id="w2", is_platform_admin=True)
MEMBER1 = make_actor("pat")
EDITOR = make_actor("ed", moderator=True)


def here(workspace: str = "w1", channel: str = "c2", message: str = "m") -> Origin:
    return Origin(platform="fake", channel_id=channel, workspace_id=workspace, message_id=message)


async def held_one(services, *, workspace: str = "w1", owner: Actor = OWNER1) -> int:
    """Put c2 on trial and have a member say a matching message there; the held reply's number."""
    dispatcher = services.dispatcher
    [status] = await dispatcher.run_command(owner, here(workspace), "watch trial")
    assert "on trial" in status.text
    member = make_actor("pat", workspace=workspace)
    assert await dispatcher.handle(MessageEvent(member, here(workspace, message="m42"), STAGED)) == []
    cards = [r for r in await dispatcher.run_command(owner, here(workspace), "queue list") if r.held_id is not None]
    [card] = cards
    assert card.actions == (ReplyAction.APPROVE, ReplyAction.REJECT) and "moon-landing-staged" in card.text
    return card.held_id


async def test_a_held_reply_is_posted_once_where_it_was_held_after_approval(services):
    dispatcher = services.dispatcher
    number = await held_one(services)
    [status] = await dispatcher.run_command(OWNER1, here(), "watch status")
    assert "on trial" in status.text and "Waiting in this community: 1." in status.text
    [note, posted] = await dispatcher.run_command(OWNER1, here(channel="c9"), f"queue approve {number}")
    assert "approved" in note.text and note.ephemeral
    assert posted.kind is ReplyKind.FACT_CHECK and posted.claim.id == "moon-landing-staged" and posted.unprompted
    assert posted.deliver_to == here(message="m42") and posted.reply_to == "m42" and not posted.ephemeral
    assert posted.reply_id is not None  # recorded, so its feedback buttons work
    [again] = await dispatcher.run_command(OWNER1, here(), f"queue approve {number}")
    assert again.kind is ReplyKind.ERROR and again.deliver_to is None
    assert f"#{number} was already approved by Olga" in again.text
    [rejected_late] = await dispatcher.run_command(OWNER1, here(), f"queue reject {number}")
    assert "already approved" in rejected_late.text
    async with services.database.engine.connect() as connection:
        row = (await connection.execute(select(trial_replies).where(trial_replies.c.id == number))).one()
        audits = (await connection.execute(select(audit_log.c.action, audit_log.c.community))).all()
    assert (row.state, row.decided_by_id, row.decided_at is not None) == ("approved", "owner1", True)
    assert ("trial approved", "fake:w1") in audits
    assert [r for r in await dispatcher.run_command(OWNER1, here(), "queue list") if r.held_id] == []


async def test_a_rejected_reply_is_never_posted_and_the_record_says_who(services):
    dispatcher = services.dispatcher
    number = await held_one(services)
    [rejected] = await dispatcher.run_command(OWNER1, here(), f"queue reject {number} | off topic here")
    assert "rejected" in rejected.text
    [late] = await dispatcher.run_command(EDITOR, here(), f"queue approve {number}")
    assert late.kind is ReplyKind.ERROR and "already rejected by Olga" in late.text and "off topic here" in late.text


async def test_no_one_outside_the_community_sees_or_decides_its_held_replies(services):
    dispatcher = services.dispatcher
    number = await held_one(services)
    # The owner of another community, in their own community: the number is unknown there, and lists show nothing.
    [unknown] = await dispatcher.run_command(OWNER2, here("w2"), f"queue approve {number}")
    assert unknown.kind is ReplyKind.ERROR and f"no held reply #{number} in this community" in unknown.text
    [unknown] = await dispatcher.run_command(OWNER2, here("w2"), f"queue reject {number}")
    assert f"no held reply #{number} in this community" in unknown.text
    assert [r for r in await dispatcher.run_command(OWNER2, here("w2"), "queue list") if r.held_id] == []
    # In the first community, they are nobody's moderator; nor is a plain member.
    for outsider in (OWNER2, MEMBER1):
        for line in (f"queue approve {number}", f"queue reject {number}", "queue list"):
            [refused] = await dispatcher.run_command(outsider, here(), line)
            assert refused.kind is ReplyKind.ERROR and "moderators of this community only" in refused.text
    async with services.database.engine.connect() as connection:
        state = await connection.scalar(select(trial_replies.c.state).where(trial_replies.c.id == number))
        refusals = (
            await connection.execute(select(audit_log.c.actor_id).where(audit_log.c.outcome == "refused"))
        ).all()
    assert state == "held" and len(refusals) == 6
    # Its own held replies stay its own: w2's reply is not w1's to decide.
    other = await held_one(services, workspace="w2", owner=OWNER2)
    [unknown] = await dispatcher.run_command(OWNER1, here(), f"queue approve {other}")
    assert f"no held reply #{other} in this community" in unknown.text


async def test_a_reply_whose_claim_was_retired_or_hidden_meanwhile_is_not_posted(services):
    dispatcher = services.dispatcher
    number = await held_one(services)
    await dispatcher.run_command(OWNER1, here(), "claim hide moon-landing-staged | not for us")
    [hidden] = await dispatcher.run_command(OWNER1, here(), f"queue approve {number}")
    assert hidden.deliver_to is None and "not posted" in hidden.text and "hidden in this community" in hidden.text
    [again] = await dispatcher.run_command(OWNER1, here(), f"queue approve {number}")
    assert "already dropped by Olga" in again.text
    await dispatcher.run_command(OWNER1, here(), "claim unhide moon-landing-staged")
    await dispatcher.run_command(OWNER1, here(channel="c3"), "watch trial")  # c2 holds this claim once per cooldown
    assert await dispatcher.handle(MessageEvent(MEMBER1, here(channel="c3", message="m43"), STAGED)) == []
    [card] = [r for r in await dispatcher.run_command(OWNER1, here(), "queue list") if r.held_id]
    [retired] = await dispatcher.run_command(EDITOR, here(), "claim retire moon-landing-staged | duplicate")
    assert retired.kind is not ReplyKind.ERROR
    [stale] = await dispatcher.run_command(OWNER1, here(), f"queue approve {card.held_id}")
    assert stale.deliver_to is None and "retired" in stale.text


async def test_a_claim_is_held_once_per_cooldown_and_holding_does_not_start_the_cooldown(services):
    dispatcher = services.dispatcher
    await held_one(services)
    assert await dispatcher.handle(MessageEvent(MEMBER1, here(message="m50"), STAGED + " again")) == []
    assert len([r for r in await dispatcher.run_command(OWNER1, here(), "queue list") if r.held_id]) == 1
    [status] = await dispatcher.run_command(OWNER1, here(), "watch on")
    assert "on trial" not in status.text
    [spoken] = await dispatcher.handle(MessageEvent(MEMBER1, here(message="m51"), STAGED))
    assert spoken.claim.id == "moon-landing-staged", "a held reply never said it, so the cooldown had not started"


async def test_approving_starts_the_cooldown_for_that_claim_in_the_channel(services):
    dispatcher = services.dispatcher
    number = await held_one(services)
    await dispatcher.run_command(OWNER1, here(), f"queue approve {number}")
    await dispatcher.run_command(OWNER1, here(), "watch on")
    assert await dispatcher.handle(MessageEvent(MEMBER1, here(message="m60"), STAGED)) == []
