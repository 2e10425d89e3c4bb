"""A community's own claims and aliases: matched in that community only, validated like shared ones, with history
and undo of its own."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text, update

from bot.domain.models import Actor, MessageEvent, Origin, ReplyKind
from bot.storage.tables import audit_log, claims, community_claim_revisions
from tests.fakes.fake_adapter import make_actor

OWNER2 = Actor(platform="fake", user_id="owner2", workspace_id="w2", is_platform_admin=True)
OWNER3 = Actor(platform="fake", user_id="owner3", workspace_id="w3", is_platform_admin=True)
EDITOR = make_actor("mia", moderator=True)  # the fake platform's "mods" role names editors in the test settings
CHEESE = "the moon is made of green cheese from wisconsin"
LOCAL_ADD = (
    "local add moon-cheese | The Moon is made of green cheese from Wisconsin | false | Lunar samples are rock. | "
    "Apollo sample catalogue | 1972 | NASA | https://example.org/apollo | contradicts | The samples are basalt."
)


def here(workspace: str, channel: str = "c1") -> Origin:
    return Origin(platform="fake", channel_id=channel, workspace_id=workspace, message_id="m")


async def check(services, workspace: str, text: str) -> list:
    return await services.dispatcher.run_command(
        make_actor("q", workspace=workspace), here(workspace), f"factcheck {text}"
    )


async def shared_rows(services) -> list:
    async with services.database.engine.connect() as connection:
        return (await connection.execute(select(claims).order_by(claims.c.id))).all()


async def test_a_local_claim_answers_its_own_community_only_and_says_it_is_a_community_claim(services):
    dispatcher = services.dispatcher
    before_w1 = [r.text for r in await check(services, "w1", CHEESE)]
    before_rows = await shared_rows(services)
    [saved] = await dispatcher.run_command(OWNER2, here("w2"), LOCAL_ADD)
    assert "in this community only" in saved.text and saved.community_claim
    [reply] = await check(services, "w2", CHEESE)
    assert reply.kind is ReplyKind.FACT_CHECK and reply.claim.id == "moon-cheese" and reply.community_claim
    # Unprompted in a watched channel of that community too.
    await dispatcher.run_command(OWNER2, here("w2", "c9"), "watch on")
    [unprompted] = await dispatcher.handle(MessageEvent(make_actor("pat", workspace="w2"), here("w2", "c9"), CHEESE))
    assert unprompted.claim.id == "moon-cheese" and unprompted.community_claim
    # Other communities: the same answer as before, and the claim does not exist for them.
    assert [r.text for r in await check(services, "w1", CHEESE)] == before_w1
    [shown] = await dispatcher.run_command(make_actor("q", workspace="w3"), here("w3"), "claim show moon-cheese")
    assert shown.kind is ReplyKind.ERROR
    [own] = await dispatcher.run_command(make_actor("q", workspace="w2"), here("w2"), "claim show moon-cheese")
    assert "this community's own claim" in own.text
    assert await shared_rows(services) == before_rows  # the shared catalogue is untouched


async def test_local_claims_are_validated_like_shared_ones(services):
    dispatcher = services.dispatcher
    [bad_verdict] = await dispatcher.run_command(OWNER2, here("w2"), LOCAL_ADD.replace("| false |", "| fake |"))
    assert bad_verdict.kind is ReplyKind.ERROR and "verdict" in bad_verdict.text
    [bad_url] = await dispatcher.run_command(OWNER2, here("w2"), LOCAL_ADD.replace("https://", "javascript:"))
    assert bad_url.kind is ReplyKind.ERROR and "url" in bad_url.text
    [taken] = await dispatcher.run_command(OWNER2, here("w2"), LOCAL_ADD.replace("moon-cheese", "moon-landing-staged"))
    assert "already the id of a shared claim" in taken.text
    [listed] = await dispatcher.run_command(OWNER2, here("w2"), "local list")
    assert "no claim or alias of its own" in listed.text


async def test_a_local_alias_of_a_shared_claim_finds_it_in_that_community_only(services):
    dispatcher = services.dispatcher
    slang = "astronauts never left low earth orbit in sixty nine"
    before_w1 = [(r.kind, r.claim.id if r.claim else None) for r in await check(services, "w1", slang)]
    assert before_w1[0][1] != "moon-landing-staged"
    [added] = await dispatcher.run_command(OWNER2, here("w2"), f"local alias moon-landing-staged | {slang}")
    assert "for this community only" in added.text
    [found] = await check(services, "w2", slang)
    assert found.claim.id == "moon-landing-staged" and not found.community_claim
    assert [(r.kind, r.claim.id if r.claim else None) for r in await check(services, "w1", slang)] == before_w1
    stored = (await services.catalogue.current()).claims["moon-landing-staged"]
    assert all(a.text != slang for a in stored.claim.aliases) and stored.version == 1
    [again] = await dispatcher.run_command(OWNER2, here("w2"), f"local alias moon-landing-staged | {slang.upper()}")
    assert again.kind is ReplyKind.ERROR and "already has that alias in this community" in again.text
    [listed] = await dispatcher.run_command(OWNER2, here("w2"), "local list")
    assert f"1. \u201c{slang}\u201d" in listed.text
    [removed] = await dispatcher.run_command(OWNER2, here("w2"), "local unalias moon-landing-staged | 1")
    assert "0 left" in removed.text
    [after] = await check(services, "w2", slang)
    assert after.claim is None or after.claim.id != "moon-landing-staged"


async def test_history_and_undo_belong_to_the_community(services):
    dispatcher = services.dispatcher
    await dispatcher.run_command(OWNER2, here("w2"), LOCAL_ADD)
    [edited] = await dispatcher.run_command(OWNER2, here("w2"), "local edit moon-cheese verdict misleading")
    assert "verdict: false \u2192 misleading" in edited.text
    await dispatcher.run_command(OWNER3, here("w3"), LOCAL_ADD)  # the same id is free in another community
    [history] = await dispatcher.run_command(OWNER2, here("w2"), "local history moon-cheese")
    lines = history.text.splitlines()[1:]
    assert len(lines) == 2 and "owner3" not in history.text
    latest = int(lines[0].split()[0].lstrip("#"))
    [theirs] = await dispatcher.run_command(OWNER3, here("w3"), "local history moon-cheese")
    their_revision = int(theirs.text.splitlines()[1].split()[0].lstrip("#"))
    # w3's owner cannot undo w2's revision, nor see that it exists.
    [refused] = await dispatcher.run_command(OWNER3, here("w3"), f"local undo {latest}")
    assert refused.kind is ReplyKind.ERROR and f"no revision #{latest}" in refused.text
    [undone] = await dispatcher.run_command(OWNER2, here("w2"), f"local undo {latest}")
    assert "undone" in undone.text
    [reply] = await check(services, "w2", CHEESE)
    assert reply.claim.verdict.value == "false"
    # Editors read every community's history and may undo any of it.
    [everywhere] = await dispatcher.run_command(EDITOR, here("w1"), "local history moon-cheese")
    assert "[fake:w2]" in everywhere.text and "[fake:w3]" in everywhere.text
    [by_editor] = await dispatcher.run_command(EDITOR, here("w1"), f"local undo {their_revision}")
    assert "undone in fake:w3" in by_editor.text
    [retired] = await check(services, "w3", CHEESE)  # undoing its creation retired w3's claim
    assert retired.claim is None or retired.claim.id != "moon-cheese"
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(select(audit_log.c.action, audit_log.c.community))).all()
    assert ("local add", "fake:w2") in rows and ("local undo", "fake:w3") in rows


async def test_members_and_other_communities_cannot_touch_a_local_claim(services):
    dispatcher = services.dispatcher
    await dispatcher.run_command(OWNER2, here("w2"), LOCAL_ADD)
    member = make_actor("pat", workspace="w2")
    [refused] = await dispatcher.run_command(member, here("w2"), "local retire moon-cheese | spam")
    assert "for moderators of this community only" in refused.text
    # w3's owner in w3 does not find w2's claim; in w2 they are nobody.
    [unknown] = await dispatcher.run_command(OWNER3, here("w3"), "local retire moon-cheese | spam")
    assert unknown.kind is ReplyKind.ERROR and "No claim has the id" in unknown.text
    [outsider] = await dispatcher.run_command(OWNER3, here("w2"), "local retire moon-cheese | spam")
    assert "for moderators of this community only" in outsider.text
    # A shared claim is changed by proposal, not by a local command.
    [shared] = await dispatcher.run_command(OWNER2, here("w2"), "local edit moon-landing-staged verdict accurate")
    assert "is a shared claim" in shared.text
    [reply] = await check(services, "w2", CHEESE)
    assert reply.claim.id == "moon-cheese" and reply.claim.is_active


async def test_local_history_is_sealed_like_the_shared_one(services):
    await services.dispatcher.run_command(OWNER2, here("w2"), LOCAL_ADD)
    async with services.database.engine.connect() as connection:
        real = (await connection.execute(select(community_claim_revisions))).one()
        forged = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in real._mapping.items()}
        columns, values = ", ".join(forged), ", ".join(f":{name}" for name in forged)
        attempts = [
            (update(community_claim_revisions).values(note="tampered"), {}),
            (community_claim_revisions.delete(), {}),
        ]
        if services.database.is_sqlite:
            attempts.append((text(f"REPLACE INTO community_claim_revisions ({columns}) VALUES ({values})"), forged))
        else:
            attempts.append((text("TRUNCATE community_claim_revisions"), {}))
        for statement, parameters in attempts:
            with pytest.raises(Exception, match="append-only"):
                await connection.execute(statement, parameters)
            await connection.rollback()
        assert (await connection.execute(select(community_claim_revisions))).one() == real


async def test_a_community_claim_written_to_ping_and_link_is_inert_on_both_platforms(services):
    # Any server owner is a community moderator of their own server: what they write reaches chat through
    # factbot's renderers, which must ping nobody and link nothing but the evidence URL they gave.
    from benchmarks.fuzz import inspect

    # No "|" in it: that separates the command's fields.
    hostile = "@everyone <!channel> <@U1ABC> [prize](https://evil.example) <https://evil.example>"
    line = (
        f"local add moon-cheese | The Moon is made of green cheese from Wisconsin {hostile} | false | {hostile} | "
        f"{hostile} | 1972 | NASA | https://example.org/apollo | contradicts | {hostile}"
    )
    [saved] = await services.dispatcher.run_command(OWNER2, here("w2"), line)
    assert "in this community only" in saved.text, saved.text
    [reply] = await check(services, "w2", CHEESE)
    assert reply.claim.id == "moon-cheese" and "@everyone" in json.dumps(reply.claim.summary)
    assert not any(inspect(reply, {"https://example.org/apollo"}).values())
    member = make_actor("q", workspace="w2")
    [shown] = await services.dispatcher.run_command(member, here("w2"), "claim show moon-cheese")
    assert not any(inspect(shown, {"https://example.org/apollo"}).values())
