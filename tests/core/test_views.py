"""Each community's view: the shared snapshot itself when it added nothing, its own small index otherwise, built
once per change of its layer or of the shared catalogue."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.core.live import Snapshot
from bot.core.views import CommunityViews
from bot.domain.models import Claim, LocalLayer, StoredClaim
from bot.matching.matcher import ClaimMatcher
from bot.matching.overlay import CommunityMatcher

NOW = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


def stored(claim: Claim, community: str | None = None) -> StoredClaim:
    return StoredClaim(claim, 1, NOW, "test", community=community)


def snapshot(claims: list[Claim], version: int = 1) -> Snapshot:
    return Snapshot(version, {c.id: stored(c) for c in claims}, ClaimMatcher(claims))


def layer(claim: Claim, fingerprint: int = 1) -> LocalLayer:
    return LocalLayer("fake:w2", fingerprint, {claim.id: stored(claim, "fake:w2")}, {})


async def test_a_community_that_added_nothing_sees_the_shared_snapshot_itself(fixture_claims) -> None:
    shared = snapshot(fixture_claims)
    assert await CommunityViews().view(shared, LocalLayer("fake:w1", 0, {}, {})) is shared


async def test_the_small_index_is_built_once_per_change_and_always_beside_todays_shared_index(fixture_claims) -> None:
    local_claim = dataclasses.replace(fixture_claims[0], id="local-copy")
    views = CommunityViews()
    shared = snapshot(fixture_claims[1:])
    first = await views.view(shared, layer(local_claim))
    again = await views.view(shared, layer(local_claim))
    assert isinstance(first.matcher, CommunityMatcher) and isinstance(again.matcher, CommunityMatcher)
    assert again.matcher.local is first.matcher.local  # not rebuilt
    assert "local-copy" in first.claims and first.claims["local-copy"].community == "fake:w2"
    changed = await views.view(shared, layer(local_claim, fingerprint=2))
    assert changed.matcher.local is not first.matcher.local
    newer = snapshot(fixture_claims[1:], version=2)
    later = await views.view(newer, layer(local_claim, fingerprint=2))
    assert later.matcher.shared is newer.matcher
    # A bounded cache: the oldest community's index goes first.
    small = CommunityViews(max_cached=1)
    await small.view(shared, layer(local_claim))
    await small.view(shared, LocalLayer("fake:w3", 1, {"local-copy": stored(local_claim, "fake:w3")}, {}))
    assert len(small) == 1
