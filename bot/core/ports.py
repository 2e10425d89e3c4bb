"""The seams between the core and the world: small protocols that storage and adapters satisfy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from bot.domain.models import (
    Actor,
    Alias,
    AuditEntry,
    ChannelState,
    Claim,
    HeldReply,
    HeldState,
    LocalLayer,
    LocalRevision,
    MatchResult,
    Origin,
    Proposal,
    Reply,
    ReplyAction,
    ReplyKind,
    ReplyRecord,
    Report,
    ReportState,
    Revision,
    Stats,
    StoredClaim,
)


class CatalogueSource(Protocol):
    """Where the live catalogue comes from: the database, or a YAML directory held in memory."""

    async def catalogue_version(self) -> int:
        """A number that changes whenever any claim changes."""
        ...

    async def all(self) -> list[StoredClaim]:
        """Every claim, retired ones included."""
        ...


class KeyStore(Protocol):
    """Atomic expiring keys: the basis of cooldowns and de-duplication."""

    async def acquire(self, key: str, ttl: dt.timedelta) -> bool:
        """Take `key` for `ttl` unless it is held; True if this call took it."""
        ...

    async def count(self, key: str, window: dt.timedelta) -> int:
        """Count one more use of `key` in the current window of length `window`; the count so far."""
        ...


class PlatformAdapter(Protocol):
    """What every platform adapter offers; the core never calls platform libraries itself."""

    name: str

    async def start(self) -> None:
        """Run until cancelled."""
        ...

    async def send(self, channel_id: str, reply: Reply, *, thread_id: str | None = None) -> None:
        """Render and post a reply."""
        ...


class CatalogueEditor(Protocol):
    """Moderators' changes to the catalogue: versioned, with a revision and an audit row per change."""

    async def get(self, claim_id: str) -> StoredClaim | None:
        """One claim by id."""
        ...

    async def add(self, claim: Claim, *, actor: Actor, action: str = "add", note: str | None = None) -> StoredClaim:
        """Create a claim with a new id."""
        ...

    async def update(
        self,
        claim_id: str,
        change: Callable[[Claim], Claim],
        *,
        actor: Actor,
        action: str,
        expected_version: int | None = None,
        note: str | None = None,
    ) -> StoredClaim:
        """Change a claim atomically, refusing a stale expected_version."""
        ...

    async def history(self, claim_id: str, limit: int = 20) -> list[Revision]:
        """Newest revisions first."""
        ...

    async def undo(self, revision_id: int, *, actor: Actor) -> StoredClaim:
        """Restore the state before a revision, as a new revision."""
        ...


class ReportQueue(Protocol):
    """The moderators' queue of reported messages."""

    async def add(self, *, actor: Actor, origin: Origin, text: str, reason: str | None) -> Report:
        """Queue a report."""
        ...

    async def get(self, report_id: int) -> Report | None:
        """One report."""
        ...

    async def list(
        self, *, include_handled: bool = False, limit: int = 20, community: Origin | None = None
    ) -> list[Report]:
        """Open reports (or all); with `community`, only those filed on its platform and workspace."""
        ...

    async def close(self, report_id: int, state: ReportState, *, actor: Actor, resolution: str | None) -> Report | None:
        """Resolve or dismiss an open report."""
        ...

    async def count_since(self, since: dt.datetime | None, community: Origin | None = None) -> int:
        """Reports filed since a time (in one community's platform and workspace, when given)."""
        ...

    async def open_count(self, reporter: Actor) -> int:
        """How many of this person's reports in their community are still open."""
        ...


class ReplyLog(Protocol):
    """Which claim each reply showed and why, and the feedback on it."""

    async def record(
        self, *, origin: Origin, kind: ReplyKind, result: MatchResult, shown_claim: str | None, unprompted: bool
    ) -> str:
        """Remember a reply; returns its id."""
        ...

    async def claim_of(self, reply_id: str) -> tuple[bool, str | None]:
        """Whether a reply is known, and its claim."""
        ...

    async def details(self, reply_id: str) -> ReplyRecord | None:
        """Why a reply was given, for moderators; None when it is unknown or past retention."""
        ...

    async def add_feedback(self, reply_id: str, actor: Actor, action: ReplyAction) -> None:
        """Record one person's feedback on a reply."""
        ...

    async def stats(self, since: dt.datetime | None, report_count: int, community: Origin | None = None) -> Stats:
        """Counts for a period (of one community's replies and feedback, when given)."""
        ...


class ChannelSwitches(Protocol):
    """Moderator-set watch and mute switches per channel."""

    async def state(self, origin: Origin) -> ChannelState:
        """The channel's switches."""
        ...

    async def set(
        self,
        origin: Origin,
        *,
        actor: Actor,
        watched: bool | None = None,
        muted_until: dt.datetime | None = None,
        clear_mute: bool = False,
        trial: bool | None = None,
    ) -> ChannelState:
        """Change the channel's switches."""
        ...


class HeldReplies(Protocol):
    """Unprompted replies that trial channels hold until a moderator of their community decides."""

    async def hold(self, origin: Origin, result: MatchResult) -> HeldReply:
        """Keep a reply back instead of posting it."""
        ...

    async def get(self, held_id: int, community: Origin) -> HeldReply | None:
        """One held reply, only if it belongs to this community."""
        ...

    async def waiting(self, community: Origin, limit: int = 20) -> list[HeldReply]:
        """The community's replies still waiting, oldest first."""
        ...

    async def decide(
        self, held_id: int, state: HeldState, *, actor: Actor, community: Origin, note: str | None = None
    ) -> HeldReply | None:
        """Decide a waiting reply atomically (audited); None when it was no longer waiting."""
        ...


class CommunityChoices(Protocol):
    """What one community changed for itself on top of the shared catalogue: the shared claims it hid."""

    async def hidden_claims(self, origin: Origin) -> frozenset[str]:
        """The shared claims hidden in the community the event happened in."""
        ...

    async def set_hidden(
        self, origin: Origin, claim_id: str, *, hidden: bool, actor: Actor, reason: str | None
    ) -> bool:
        """Hide or show a shared claim in one community; False when nothing changed."""
        ...


class LocalClaims(Protocol):
    """What each community added for itself: its own claims and its own aliases of shared claims, with history."""

    async def layer(self, origin: Origin) -> LocalLayer:
        """What the community of an event added (empty when nothing)."""
        ...

    async def add(self, origin: Origin, claim_data: dict[str, Any], *, actor: Actor) -> StoredClaim:
        """Create one of the community's own claims; the id must be new in that community."""
        ...

    async def update(
        self,
        origin: Origin,
        claim_id: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        actor: Actor,
        action: str,
        expected_version: int | None = None,
        note: str | None = None,
    ) -> StoredClaim:
        """Change one of the community's own claims atomically."""
        ...

    async def set_aliases(
        self,
        origin: Origin,
        shared_id: str,
        change: Callable[[tuple[Alias, ...]], tuple[Alias, ...]],
        *,
        actor: Actor,
        action: str,
    ) -> tuple[Alias, ...]:
        """Change the aliases only this community matches a shared claim by."""
        ...

    async def history(self, claim_id: str, community: Origin | None, limit: int = 20) -> list[LocalRevision]:
        """Newest local revisions of an id: in one community, or (None) in every community."""
        ...

    async def undo(self, revision_id: int, *, actor: Actor, community: Origin | None) -> LocalRevision:
        """Restore the state before a local revision; with `community`, only that community's revisions exist."""
        ...


class ProposalQueue(Protocol):
    """Community moderators' proposed changes to shared claims, for the editors to accept or reject."""

    async def add(
        self,
        *,
        origin: Origin,
        actor: Actor,
        claim_id: str,
        base_version: int,
        action: str,
        change: dict[str, Any],
        note: str | None,
    ) -> Proposal:
        """Queue a proposal."""
        ...

    async def get(self, proposal_id: int) -> Proposal | None:
        """One proposal."""
        ...

    async def list(self, *, community: Origin | None, include_decided: bool = False, limit: int = 20) -> list[Proposal]:
        """Open proposals (or all): of one community, or (None) of every community."""
        ...

    async def reject(self, proposal_id: int, *, actor: Actor, resolution: str | None) -> Proposal | None:
        """Close an open proposal unchanged; None when it was not open (someone decided it meanwhile)."""
        ...

    async def accept(
        self, proposal_id: int, *, actor: Actor, change: Callable[[Claim], Claim], note: str
    ) -> tuple[Proposal, StoredClaim] | None:
        """Close an open proposal and apply its change to the shared claim, both or neither; None when not open."""
        ...

    async def record_failure(self, proposal_id: int, *, actor: Actor, why: str) -> None:
        """Audit an accept that failed; the proposal stays open."""
        ...


class AuditLog(Protocol):
    """Audit rows for events that change nothing else, such as refusals."""

    async def record(
        self,
        actor: Actor,
        action: str,
        target: str,
        outcome: str,
        detail: dict[str, Any] | None = None,
        community: str | None = None,
    ) -> None:
        """Write one audit row (in a community, or None for the shared catalogue)."""
        ...

    async def recent(self, community: str | None, limit: int = 20) -> list[AuditEntry]:
        """The newest rows, of one community when given, else all."""
        ...


LockKey = tuple[int, int]  # (a namespace, a key within it): pg_advisory_lock(int4, int4)


class SharedLock(Protocol):
    """A lock per key that other processes respect."""

    async def acquire(self, key: LockKey) -> None:
        """Wait until this process holds `key`; StorageError when the lock cannot be reached."""
        ...

    async def release(self, key: LockKey) -> None:
        """Give `key` back."""
        ...

    async def aclose(self) -> None:
        """Give everything back and close what the lock opened."""
        ...
