"""A community's moderators propose changes to shared claims; only a catalogue editor applies or rejects them."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.models import Actor, Origin, ReplyKind
from bot.storage.tables import audit_log
from tests.fakes.fake_adapter import make_actor

OWNER2 = Actor(platform="fake", user_id="owner2", workspace_id="w2", is_platform_admin=True)
OWNER3 = Actor(platform="fake", user_id="owner3", workspace_id="w3", is_platform_admin=True)
EDITOR = make_actor("mia", moderator=True)  # the fake platform's "mods" role names editors in the test settings


def here(workspace: str) -> Origin:
    return Origin(platform="fake", channel_id="c1", workspace_id=workspace, message_id="m")


async def shared(services, claim_id: str = "moon-landing-staged"):
    services.catalogue.invalidate()
    return (await services.catalogue.current()).claims[claim_id]


async def number_of(reply) -> int:
    assert "Proposal #" in reply.text, reply.text
    return int(reply.text.split("Proposal #", 1)[1].split()[0])


async def test_a_proposal_waits_for_an_editor_who_applies_it_in_one_step_and_can_undo_it(services):
    run = services.dispatcher.run_command
    [proposed] = await run(OWNER2, here("w2"), "propose edit moon-landing-staged verdict misleading")
    assert (
        "editors' queue" in proposed.text
        and "verdict: \u201cfalse\u201d \u2192 \u201cmisleading\u201d" in proposed.text
    )
    number = await number_of(proposed)
    assert (await shared(services)).version == 1
    # The proposer cannot apply it, however they try; it stays open and the attempt is audited.
    [refused] = await run(OWNER2, here("w2"), f"proposal accept {number}")
    assert "is for catalogue editors only" in refused.text
    [not_theirs] = await run(OWNER2, here("w2"), "claim edit moon-landing-staged verdict misleading")
    assert "is for catalogue editors only" in not_theirs.text
    assert (await shared(services)).claim.verdict.value == "false"
    # Another community neither sees it nor can decide it.
    [elsewhere] = await run(OWNER3, here("w3"), "proposal list")
    assert "proposed nothing" in elsewhere.text
    [hidden] = await run(OWNER3, here("w3"), f"proposal show {number}")
    assert hidden.kind is ReplyKind.ERROR and "from this community" in hidden.text
    # The editor reads the diff and accepts it: a normal revision, audited, and undoable.
    [queue] = await run(EDITOR, here("w1"), "proposal list")
    assert f"#{number} [open] `moon-landing-staged`" in queue.text and "from fake:w2" in queue.text
    [diff] = await run(EDITOR, here("w1"), f"proposal show {number}")
    assert "\u201cfalse\u201d \u2192 \u201cmisleading\u201d" in diff.text
    [accepted] = await run(EDITOR, here("w1"), f"proposal accept {number}")
    assert f"proposal #{number} accepted" in accepted.text
    after = await shared(services)
    assert after.version == 2 and after.claim.verdict.value == "misleading"
    [again] = await run(EDITOR, here("w1"), f"proposal accept {number}")
    assert "already decided" in again.text and (await shared(services)).version == 2
    [history] = await run(EDITOR, here("w1"), "claim history moon-landing-staged")
    assert f"proposal #{number} from fake:w2" in history.text
    revision = int(history.text.splitlines()[1].split()[0].lstrip("#"))
    [undone] = await run(EDITOR, here("w1"), f"undo {revision}")
    assert "undone" in undone.text and (await shared(services)).claim.verdict.value == "false"
    [theirs] = await run(OWNER2, here("w2"), "proposal list")
    assert f"#{number} [accepted]" in theirs.text
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log.c.action, audit_log.c.outcome, audit_log.c.community))).all()
    assert ("propose edit", "ok", "fake:w2") in rows and ("proposal accept", "refused", "fake:w2") in rows
    assert ("proposal accept", "ok", None) in rows


async def test_rejected_and_invalid_proposals_change_nothing(services):
    run = services.dispatcher.run_command
    [bad] = await run(OWNER2, here("w2"), "propose edit moon-landing-staged verdict totally")
    assert bad.kind is ReplyKind.ERROR and "verdict" in bad.text
    [bad_evidence] = await run(
        OWNER2, here("w2"), "propose evidence moon-landing-staged | T | 1969 | S | ftp://x | contradicts | Q"
    )
    assert bad_evidence.kind is ReplyKind.ERROR and "url" in bad_evidence.text
    [alias] = await run(OWNER2, here("w2"), "propose alias moon-landing-staged | the landing was shot by kubrick")
    number = await number_of(alias)
    [rejected] = await run(EDITOR, here("w1"), f"proposal reject {number} | too vague")
    assert "rejected" in rejected.text
    [theirs] = await run(OWNER2, here("w2"), "proposal list")
    assert f"#{number} [rejected]" in theirs.text and "too vague" in theirs.text
    assert (await shared(services)).version == 1
    [member] = await run(make_actor("pat", workspace="w2"), here("w2"), "propose alias moon-landing-staged | x y z")
    assert "for moderators of this community only" in member.text


async def test_a_proposal_that_no_longer_changes_anything_stays_open_and_the_failure_is_audited(services):
    run = services.dispatcher.run_command
    first = await number_of((await run(OWNER2, here("w2"), "propose edit moon-landing-staged verdict misleading"))[0])
    second = await number_of((await run(OWNER3, here("w3"), "propose edit moon-landing-staged verdict misleading"))[0])
    await run(EDITOR, here("w1"), f"proposal accept {first}")
    [failed] = await run(EDITOR, here("w1"), f"proposal accept {second}")
    assert failed.kind is ReplyKind.ERROR and (await shared(services)).version == 2
    [queue] = await run(EDITOR, here("w1"), "proposal list")
    assert f"#{second} [open]" in queue.text  # not marked accepted: the editor can still reject it
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log.c.action, audit_log.c.outcome, audit_log.c.target))).all()
    assert ("proposal accept", "failed", str(second)) in rows
