"""Accepting a proposal: the proposal is closed and the shared claim changed in one transaction, both or neither,
whatever fails or stops in between (before, a stop between the two left a proposal "accepted" with no change)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import select

from bot.catalogue.loader import load_claims
from bot.domain.models import Actor, Claim, Origin, Verdict
from bot.storage.claims import SqlClaimStore
from bot.storage.proposals import ACCEPTED, OPEN, SqlProposalStore
from bot.storage.tables import audit_log
from tests.conftest import FIXTURES

PROPOSER = Actor(platform="discord", user_id="2", display_name="owner2", workspace_id="200", is_platform_admin=True)
EDITOR = Actor(platform="discord", user_id="9", display_name="mia", workspace_id="100")
WHERE = Origin(platform="discord", channel_id="20", workspace_id="200")


async def stores(database) -> tuple[SqlClaimStore, SqlProposalStore, int]:
    claims = SqlClaimStore(database)
    await claims.sync_from_files(load_claims(FIXTURES / "claims"))
    queue = SqlProposalStore(database, claims)
    proposal = await queue.add(
        origin=WHERE,
        actor=PROPOSER,
        claim_id="moon-landing-staged",
        base_version=1,
        action="edit",
        change={"verdict": "misleading"},
        note=None,
    )
    return claims, queue, proposal.id


def misleading(claim: Claim) -> Claim:
    return dataclasses.replace(claim, verdict=Verdict.MISLEADING)


async def test_accept_closes_the_proposal_and_changes_the_claim_together(database) -> None:
    claims, queue, number = await stores(database)
    done = await queue.accept(number, actor=EDITOR, change=misleading, note="from w200")
    assert done is not None
    proposal, stored = done
    assert proposal.state == ACCEPTED and stored.version == 2 and stored.claim.verdict is Verdict.MISLEADING
    assert (await claims.get("moon-landing-staged")).claim.verdict is Verdict.MISLEADING
    assert await queue.accept(number, actor=EDITOR, change=misleading, note="again") is None  # decided once
    assert (await claims.get("moon-landing-staged")).version == 2


@pytest.mark.parametrize("stop", [asyncio.CancelledError, KeyboardInterrupt, ValueError])
async def test_a_stop_while_the_claim_is_written_leaves_the_proposal_open_and_the_claim_as_it_was(
    database, stop
) -> None:
    claims, queue, number = await stores(database)

    def stopped(claim: Claim) -> Claim:
        raise stop("stopped between closing the proposal and writing the claim")

    with pytest.raises(stop):
        await queue.accept(number, actor=EDITOR, change=stopped, note="x")
    proposal = await queue.get(number)
    assert proposal is not None and proposal.state == OPEN and proposal.decided_by is None
    assert (await claims.get("moon-landing-staged")).version == 1
    async with database.reading() as connection:
        actions = (await connection.execute(select(audit_log.c.action))).scalars().all()
    assert "proposal accept" not in actions and "claim edit" not in actions  # the audit rows rolled back too
    # Nothing was lost: the proposal can still be accepted.
    assert await queue.accept(number, actor=EDITOR, change=misleading, note="x") is not None
