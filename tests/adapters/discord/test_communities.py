"""A stranger who adds factbot to a server of their own owns that server, not what other servers are told."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.tables import audit_log
from tests.adapters.discord.conftest import interact, settle, wait_reply
from tests.fakes import fake_discord as fd

STRANGERS_SERVER = fd.guild_on_shard(0, 1, index=7)
STAGED = "The 1969 Moon landing was staged in a film studio"
ATTEMPTS = [
    "claim retire moon-landing-staged | spam",
    "claim edit moon-landing-staged verdict accurate",
    "claim edit moon-landing-staged summary It happened.",
    "alias add moon-landing-staged | the moon is made of cheese",
    "evidence remove moon-landing-staged | 1",
    "undo 1",
]


@pytest.fixture
async def two_servers(fake, start_bot):
    """factbot in the default server and in a server the stranger created and owns."""
    fake.add_guild(STRANGERS_SERVER, owner=fd.STRANGER)
    return await start_bot()


async def first_servers_answer(fake: fd.FakeDiscord) -> str:
    """What a member of the first server is told about a staged-landing message, without its per-reply ids."""
    sent = await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}")
    body: dict[str, Any] = (await wait_reply(fake, sent)).body
    text = json.dumps({k: v for k, v in body.items() if k not in {"message_reference", "nonce"}}, sort_keys=True)
    return re.sub(r"[0-9a-f]{16,32}", "REF", text)


async def refusals(services) -> set[tuple[str, str]]:
    async with services.database.engine.connect() as connection:
        rows = await connection.execute(select(audit_log.c.actor_id, audit_log.c.action, audit_log.c.outcome))
    return {(actor, action) for actor, action, outcome in rows if outcome == "refused"}


async def test_a_strangers_server_owner_cannot_change_what_another_server_is_told(two_servers, fake, services):
    before = await first_servers_answer(fake)
    for line in ATTEMPTS:
        sent = await fake.send_message(f"<@{fd.BOT_ID}> {line}", author=fd.STRANGER, guild_id=STRANGERS_SERVER)
        answer = json.dumps((await wait_reply(fake, sent)).body)
        assert "is for catalogue editors only" in answer, line
    # The same through /mod, as an administrator of their own server.
    mod = fd.interaction(
        fd.command("mod", "claim", "retire", id="moon-landing-staged", reason="spam"),
        by=fd.STRANGER,
        permissions=fd.ADMINISTRATOR,
        guild_id=STRANGERS_SERVER,
    )
    [refused] = await interact(fake, mod)
    assert refused.body["data"]["flags"] & fd.EPHEMERAL
    assert refused.body["data"]["content"].startswith("`claim retire` is for catalogue editors only")
    # What the stranger may do in their own server, hiding a shared claim there, changes nothing elsewhere either.
    hide = fd.interaction(
        fd.command("mod", "claim", "hide", id="moon-landing-staged", reason="not here"),
        by=fd.STRANGER,
        permissions=fd.ADMINISTRATOR,
        guild_id=STRANGERS_SERVER,
    )
    [hidden] = await interact(fake, hide)
    assert "hidden in this community" in hidden.body["data"]["content"]
    await settle(two_servers, fake)
    services.catalogue.invalidate()
    stored = (await services.catalogue.current()).claims["moon-landing-staged"]
    assert stored.version == 1 and stored.claim.is_active
    audited = await refusals(services)
    for action in ("claim retire", "claim edit", "alias add", "evidence remove", "undo"):
        assert (str(fd.STRANGER), action) in audited, action
    assert await first_servers_answer(fake) == before


async def test_a_server_owner_moderates_their_own_server_and_no_other(two_servers, fake, services):
    # A member of the first server files a report; the stranger's own server has a channel to watch.
    filed = await fake.send_message(f"<@{fd.BOT_ID}> report the moon is hollow | please check")
    assert "moderators' queue" in json.dumps((await wait_reply(fake, filed)).body)
    [report] = await services.stores.reports.list()
    watch = fd.interaction(
        fd.command("mod", "watch", mode="on"), by=fd.STRANGER, permissions=fd.ADMINISTRATOR, guild_id=STRANGERS_SERVER
    )
    [watched] = await interact(fake, watch)
    assert "This channel is watched" in watched.body["data"]["content"]
    listing = fd.interaction(
        fd.command("mod", "queue", "list"), by=fd.STRANGER, permissions=fd.ADMINISTRATOR, guild_id=STRANGERS_SERVER
    )
    [listed] = await interact(fake, listing)
    assert "The queue is empty." in listed.body["data"]["content"]
    dismiss = fd.interaction(
        fd.command("mod", "queue", "dismiss", number=report.id),
        by=fd.STRANGER,
        permissions=fd.ADMINISTRATOR,
        guild_id=STRANGERS_SERVER,
    )
    [refused] = await interact(fake, dismiss)
    assert f"There is no report #{report.id} in this community" in refused.body["data"]["content"]
    assert (await services.stores.reports.get(report.id)).state.value == "open"
    # In the first server the stranger is a plain member (Discord's payload says so): not even the watch switch.
    here = fd.interaction(fd.command("mod", "watch", mode="on"), by=fd.STRANGER)
    [nothing] = await interact(fake, here)
    assert nothing.body["data"]["content"] == "`watch` is for moderators of this community only."


CHEESE = "The Moon is made of green cheese from Wisconsin"
LOCAL_CLAIM = {
    "id": "moon-cheese",
    "claim": CHEESE,
    "verdict": "false",
    "summary": "Lunar samples are rock.",
    "title": "Apollo sample catalogue",
    "date": "1972",
    "source": "NASA",
    "url": "https://example.org/apollo",
    "stance": "contradicts",
    "excerpt": "The samples are basalt.",
}
SLANG = "astronauts never left low earth orbit in sixty nine"


async def answer_in(fake: fd.FakeDiscord, text: str, **where: Any) -> str:
    sent = await fake.send_message(f"<@{fd.BOT_ID}> {text}", **where)
    body: dict[str, Any] = (await wait_reply(fake, sent)).body
    return re.sub(
        r"[0-9a-f]{16,32}", "REF", json.dumps({k: v for k, v in body.items() if k != "nonce"}, sort_keys=True)
    )


async def test_a_strangers_own_claim_and_alias_answer_their_server_and_leave_the_first_unchanged(
    two_servers, fake, services
):
    staged_before = await first_servers_answer(fake)
    cheese_before = await answer_in(fake, CHEESE)
    slang_before = await answer_in(fake, SLANG)
    assert "moon-cheese" not in cheese_before and "moon-landing-staged" not in slang_before
    own = {"by": fd.STRANGER, "permissions": fd.ADMINISTRATOR, "guild_id": STRANGERS_SERVER}
    [added] = await interact(fake, fd.interaction(fd.command("mod", "local", "add", **LOCAL_CLAIM), **own))
    assert "in this community only" in json.dumps(added.body)
    alias = fd.command("mod", "local", "alias", id="moon-landing-staged", text=SLANG)
    [aliased] = await interact(fake, fd.interaction(alias, **own))
    assert "for this community only" in aliased.body["data"]["content"]
    # In the first server the stranger is a plain member: no local claim of theirs lands there.
    [refused] = await interact(fake, fd.interaction(fd.command("mod", "local", "add", **LOCAL_CLAIM), by=fd.STRANGER))
    assert refused.body["data"]["content"] == "`local add` is for moderators of this community only."
    await settle(two_servers, fake)
    # The stranger's server: its own claim, headed as a community claim, and the shared claim by its own alias.
    theirs = {"author": fd.STRANGER, "guild_id": STRANGERS_SERVER}
    cheese_there = await answer_in(fake, CHEESE, **theirs)
    assert "moon-cheese" in cheese_there and "Community claim: fact-checked by this community" in cheese_there
    assert "moon-landing-staged" in await answer_in(fake, SLANG, **theirs)
    # The first server: every answer byte for byte as before.
    assert await first_servers_answer(fake) == staged_before
    assert await answer_in(fake, CHEESE) == cheese_before
    assert await answer_in(fake, SLANG) == slang_before
    services.catalogue.invalidate()
    stored = (await services.catalogue.current()).claims["moon-landing-staged"]
    assert stored.version == 1 and "moon-cheese" not in (await services.catalogue.current()).claims


async def test_a_strangers_proposal_waits_for_the_editors_and_they_cannot_accept_it(two_servers, fake, services):
    before = await first_servers_answer(fake)
    own = {"by": fd.STRANGER, "permissions": fd.ADMINISTRATOR, "guild_id": STRANGERS_SERVER}
    propose = fd.command("mod", "propose", "edit", id="moon-landing-staged", field="verdict", value="accurate")
    [queued] = await interact(fake, fd.interaction(propose, **own))
    content = queued.body["data"]["content"]
    assert "editors' queue" in content and queued.body["data"]["flags"] & fd.EPHEMERAL
    number = int(content.split("Proposal #", 1)[1].split()[0])
    [refused] = await interact(fake, fd.interaction(fd.command("mod", "proposal", "accept", number=number), **own))
    assert refused.body["data"]["content"].startswith("`proposal accept` is for catalogue editors only")
    await settle(two_servers, fake)
    services.catalogue.invalidate()
    stored = (await services.catalogue.current()).claims["moon-landing-staged"]
    assert stored.version == 1 and stored.claim.verdict.value == "false"
    assert (str(fd.STRANGER), "proposal accept") in await refusals(services)
    assert await first_servers_answer(fake) == before
