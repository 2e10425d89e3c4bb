"""Each community's view of the catalogue: the shared snapshot with what the community added on top.

The shared index is built once per catalogue version and shared by every view; a community's own small index is
built from its layer when that layer (or the shared catalogue it refers to) changes, and kept in a bounded cache.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Iterator, Mapping

from bot.core.live import Snapshot
from bot.core.offload import off_loop
from bot.domain.models import Claim, LocalLayer, StoredClaim
from bot.matching.matcher import ClaimMatcher
from bot.matching.overlay import CommunityMatcher, Gate

# Communities whose own index is kept in memory; one not used for a while has it rebuilt (milliseconds) on demand.
MAX_CACHED_COMMUNITIES = 2048


class OverlayClaims(Mapping[str, StoredClaim]):
    """The shared claims, then the community's own; a shared claim wins if a local one has the same id."""

    def __init__(self, shared: Mapping[str, StoredClaim], local: Mapping[str, StoredClaim]) -> None:
        self._shared = shared
        self._local = local

    def __getitem__(self, claim_id: str) -> StoredClaim:
        found = self._shared.get(claim_id)
        if found is not None:
            return found
        return self._local[claim_id]

    def __iter__(self) -> Iterator[str]:
        yield from self._shared
        yield from (claim_id for claim_id in self._local if claim_id not in self._shared)

    def __len__(self) -> int:
        return len(self._shared) + sum(1 for claim_id in self._local if claim_id not in self._shared)


def local_claims(shared: Snapshot, layer: LocalLayer) -> list[Claim]:
    """What a community's own index holds: its active claims (unless a shared claim took the id), and the active
    shared claims it gave aliases to, with those aliases added."""
    own = [s.claim for s in layer.claims.values() if s.claim.is_active and s.claim.id not in shared.claims]
    aliased = []
    for claim_id, aliases in sorted(layer.aliases.items()):
        stored = shared.claims.get(claim_id)
        if stored is not None and stored.claim.is_active:
            aliased.append(dataclasses.replace(stored.claim, aliases=(*stored.claim.aliases, *aliases)))
    return own + aliased


class CommunityViews:
    """Per community, its own index, rebuilt only when its layer or the shared catalogue version changed."""

    def __init__(self, max_cached: int = MAX_CACHED_COMMUNITIES) -> None:
        self.max_cached = max_cached
        # Only the community's own index is kept: a view holding the shared index would keep an old one alive.
        self._indexes: OrderedDict[str, tuple[tuple[int, int], ClaimMatcher, Gate]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._indexes)

    async def view(self, shared: Snapshot, layer: LocalLayer) -> Snapshot:
        """The catalogue as this community sees it; the shared snapshot itself when it added nothing."""
        if not layer.claims and not layer.aliases:
            return shared
        claims = OverlayClaims(shared.claims, layer.claims)
        if layer.empty:
            return Snapshot(shared.version, claims, shared.matcher)
        base = shared.matcher.shared if isinstance(shared.matcher, CommunityMatcher) else shared.matcher
        key = (shared.version, layer.fingerprint)
        cached = self._indexes.get(layer.community)
        if cached is not None and cached[0] == key:
            self._indexes.move_to_end(layer.community)
            _, local, gate = cached
        else:
            local = await off_loop(ClaimMatcher, local_claims(shared, layer), shared.matcher.thresholds)
            gate = Gate.of(local)
            self._indexes[layer.community] = (key, local, gate)
            self._indexes.move_to_end(layer.community)
            while len(self._indexes) > self.max_cached:
                self._indexes.popitem(last=False)
        return Snapshot(shared.version, claims, CommunityMatcher(base, local, gate))
