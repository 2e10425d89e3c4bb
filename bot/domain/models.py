"""The core's vocabulary: claims, events that reach the bot, and the replies it gives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """How the record bears on a claim as people assert it."""

    ACCURATE = "accurate"
    MOSTLY_ACCURATE = "mostly-accurate"
    NEEDS_CONTEXT = "needs-context"
    MISLEADING = "misleading"
    DISPUTED = "disputed"
    MOSTLY_FALSE = "mostly-false"
    FALSE = "false"
    UNSUPPORTED = "unsupported"

    @property
    def label(self) -> str:
        """Human-readable verdict, as shown in replies and ClaimReview's alternateName."""
        return self.value.replace("-", " ").capitalize()


class Stance(StrEnum):
    """Which way an excerpt cuts, relative to the claim as asserted."""

    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    CONTEXT = "context"


class ClaimStatus(StrEnum):
    """Retired claims stay in the catalogue for history but are never matched."""

    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class Alias:
    """Another way people state a claim, in a given language."""

    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """A verbatim excerpt from a dated, sourced document, with what a reader needs to weigh it."""

    title: str
    date: str
    source: str
    url: str
    excerpt: str
    stance: Stance
    # The excerpt's language; a non-English excerpt carries an English translation and says who made it.
    lang: str = "en"
    translation: str | None = None
    translation_by: str | None = None
    # A short caveat in our own words that replies show beside the quote (a relay, a second-hand quotation...).
    note: str | None = None
    # Moderators may pin excerpts to be shown first, in file order, instead of the automatic two-sided choice.
    pinned: bool = False

    @property
    def is_translated(self) -> bool:
        """Whether replies show an English translation in place of the original wording."""
        return self.translation is not None


@dataclass(frozen=True, slots=True)
class Claim:
    """One catalogue entry: a claim in asserted form, its verdict and the record."""

    id: str
    claim: str
    verdict: Verdict
    summary: str
    evidence: tuple[Evidence, ...]
    aliases: tuple[Alias, ...] = ()
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    lang: str = "en"
    reviewed: dt.date | None = None
    status: ClaimStatus = ClaimStatus.ACTIVE
    # One or two neutral sentences for chat-sized replies; the full summary is shown on request.
    brief: str | None = None
    # The claim that asserts what this one denies (or denies what it asserts); their verdicts must agree.
    mirror: str | None = None

    @property
    def is_active(self) -> bool:
        """Only active claims are matched."""
        return self.status is ClaimStatus.ACTIVE

    def variants(self) -> tuple[Alias, ...]:
        """The claim text followed by every alias: all the phrasings the matcher indexes."""
        return (Alias(self.claim, self.lang), *self.aliases)

    def variant_text(self, number: int) -> str:
        """`variants()[number].text` without making every variant: the matcher asks it per message."""
        return self.claim if number == 0 else self.aliases[number - 1].text


@dataclass(frozen=True, slots=True)
class StoredClaim:
    """A claim as the live catalogue holds it, with the version an edit must name."""

    claim: Claim
    version: int
    updated_at: dt.datetime
    updated_by: str
    from_files: bool = False
    changed_since_import: bool = False
    community: str | None = None  # "platform:workspace" for a community's own claim; None for a shared one


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sent an event, as the adapter could tell."""

    platform: str
    user_id: str
    display_name: str = ""
    workspace_id: str = ""
    roles: frozenset[str] = frozenset()
    is_bot: bool = False
    is_self: bool = False
    is_platform_admin: bool = False


def community_name(platform: str, workspace_id: str) -> str:
    """How permissions, audit rows, reports and queues name a community: `platform:workspace`."""
    return f"{platform}:{workspace_id}"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an event happened, so replies go back to the same place."""

    platform: str
    channel_id: str
    workspace_id: str = ""
    message_id: str | None = None
    thread_id: str | None = None
    is_direct: bool = False

    @property
    def community(self) -> str:
        """The community it happened in: `platform:workspace`, or `platform:` for a direct message."""
        return community_name(self.platform, self.workspace_id)


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A message seen in a channel that nobody addressed to the bot."""

    actor: Actor
    origin: Origin
    text: str


@dataclass(frozen=True, slots=True)
class MentionEvent:
    """A message that mentions the bot; `referenced_text` is the message it replies to, if any."""

    actor: Actor
    origin: Origin
    text: str
    referenced_text: str | None = None


@dataclass(frozen=True, slots=True)
class CommandEvent:
    """A slash command: `line` is everything after the slash, e.g. `claim show nato-never-promised`."""

    actor: Actor
    origin: Origin
    line: str


@dataclass(frozen=True, slots=True)
class MessageActionEvent:
    """A 'Fact-check this message' action taken on someone's message."""

    actor: Actor
    origin: Origin
    target_text: str
    target_message_id: str | None = None


Event = MessageEvent | MentionEvent | CommandEvent | MessageActionEvent


class ReplyKind(StrEnum):
    """What a reply is, so adapters can render each kind their own way."""

    FACT_CHECK = "fact-check"
    NO_MATCH = "no-match"
    CLAIM = "claim"
    SEARCH_RESULTS = "search-results"
    INFO = "info"
    ERROR = "error"


class ReplyAction(StrEnum):
    """Buttons an adapter may offer under a reply."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not-helpful"
    WRONG_CLAIM = "wrong-claim"
    SHOW_ALL_EVIDENCE = "show-all-evidence"
    REPORT = "report"
    APPROVE = "approve"  # a held (trial-mode) reply: post it
    REJECT = "reject"  # a held (trial-mode) reply: never post it


FEEDBACK_ACTIONS = (ReplyAction.HELPFUL, ReplyAction.NOT_HELPFUL, ReplyAction.WRONG_CLAIM)


class Decision(StrEnum):
    """What the matcher thinks the bot may do with a message."""

    REPLY = "reply"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A catalogue claim ranked against a message, with the evidence of why."""

    claim_id: str
    score: float
    matched_variant: str = ""
    window: str = ""
    anchored: bool = True  # the matched part names what the claim is about (see bot/matching/anchors.py)
    lead: float = 1.0  # the leader's lexical lead over the runner-up, relative to its own key (0: a tie)
    stance_settled: bool = True  # False: words stand against a claim that has a mirror, so the side is unsure


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's ranked candidates and its decision."""

    decision: Decision
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The top candidate, if any."""
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """What the bot answered and why, as moderators see it: the matcher's scores, never the message text."""

    id: str
    created_at: dt.datetime
    origin: Origin
    kind: ReplyKind
    claim_id: str | None
    decision: Decision
    score: float | None
    unprompted: bool
    candidates: tuple[tuple[str, float], ...]
    matched_variant: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to show with a reply (the stats chart), where the platform can show one."""

    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class Revision:
    """One change to a claim: who, when, what, and the whole claim before and after."""

    id: int
    claim_id: str
    version: int
    action: str
    before: Claim | None
    after: Claim
    actor: str
    created_at: dt.datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class LocalLayer:
    """What one community added on top of the shared catalogue: its own claims and its aliases of shared ones."""

    community: str  # "platform:workspace"
    fingerprint: int  # changes whenever anything in the layer changes
    claims: dict[str, StoredClaim]  # its own claims, retired ones included
    aliases: dict[str, tuple[Alias, ...]]  # shared claim id -> the aliases only this community matches it by

    @property
    def empty(self) -> bool:
        """Nothing to match locally: the shared catalogue answers alone."""
        return not self.aliases and not any(s.claim.is_active for s in self.claims.values())


@dataclass(frozen=True, slots=True)
class LocalRevision:
    """One change to a community's own claim or to its aliases of a shared claim, as stored."""

    id: int
    community: str
    claim_id: str
    kind: str  # "claim" (a local claim) or "aliases" (local aliases of a shared claim)
    version: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    actor: str
    created_at: dt.datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A community moderator's change to a shared claim, waiting in the editors' queue."""

    id: int
    created_at: dt.datetime
    community: str
    proposer: str
    claim_id: str
    base_version: int
    action: str  # "edit", "alias add" or "evidence add"
    change: dict[str, Any]
    state: str  # "open", "accepted" or "rejected"
    note: str | None = None
    decided_by: str | None = None
    resolution: str | None = None


class ReportState(StrEnum):
    """Where a report is in the moderators' queue."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class Report:
    """A message someone thought should have been fact-checked, waiting for the moderators."""

    id: int
    created_at: dt.datetime
    origin: Origin
    reporter: str
    text: str
    reason: str | None
    state: ReportState
    handled_by: str | None = None
    handled_at: dt.datetime | None = None
    resolution: str | None = None


class HeldState(StrEnum):
    """Where an unprompted reply held in trial mode is: waiting, posted, refused, or dropped as stale."""

    HELD = "held"
    APPROVED = "approved"
    REJECTED = "rejected"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class HeldReply:
    """An unprompted reply a trial channel keeps back until a moderator of its community decides."""

    id: int
    created_at: dt.datetime
    origin: Origin
    claim_id: str
    score: float
    matched_variant: str
    window: str
    candidates: tuple[tuple[str, float], ...]
    state: HeldState
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelState:
    """A channel's moderator-set switches; None means "as configured"."""

    watched: bool | None = None
    muted_until: dt.datetime | None = None
    trial: bool = False  # unprompted replies wait for a moderator's approval (`watch trial`)


@dataclass(frozen=True, slots=True)
class ClaimCount:
    """How often one claim was answered in a period."""

    claim_id: str
    unprompted: int
    explicit: int
    wrong_claim: int = 0

    @property
    def total(self) -> int:
        """Every reply that showed the claim."""
        return self.unprompted + self.explicit


@dataclass(frozen=True, slots=True)
class Stats:
    """What the bot did in a period, and what people thought of it."""

    since: dt.datetime | None
    until: dt.datetime
    claims: tuple[ClaimCount, ...]
    suggestions: int
    unmatched: int
    reports: int
    feedback: dict[str, int]

    @property
    def replies(self) -> int:
        """Every fact-check reply in the period."""
        return sum(c.total for c in self.claims)

    def most_wrong(self, limit: int = 5) -> list[ClaimCount]:
        """The claims most often marked as the wrong claim."""
        marked = [c for c in self.claims if c.wrong_claim]
        return sorted(marked, key=lambda c: (-c.wrong_claim, c.claim_id))[:limit]


@dataclass(frozen=True, slots=True)
class Reply:
    """A platform-neutral answer; adapters render it as an embed, Block Kit or text."""

    kind: ReplyKind
    text: str
    claim: Claim | None = None
    match: Candidate | None = None
    candidates: tuple[tuple[Claim, float], ...] = ()
    actions: tuple[ReplyAction, ...] = ()
    ephemeral: bool = False
    unprompted: bool = False
    reply_to: str | None = None
    reply_id: str | None = None
    query: str | None = None
    attachment: Attachment | None = None
    held_id: int | None = None  # the held reply the approve / reject buttons act on
    # Post publicly there (as a reply to its message) instead of answering whoever acted: an approved held reply.
    deliver_to: Origin | None = None
    community_claim: bool = False  # the claim is one community's own, not the shared catalogue's


FACT_CHECKED = "This claim has been fact-checked"
# How a reply from a community's own claim is headed on every platform, so no one takes it for the shared catalogue.
COMMUNITY_FACT_CHECKED = "Community claim: fact-checked by this community's moderators, not factbot's shared catalogue"


def fact_check_heading(reply: Reply) -> str:
    """The heading of a fact-check card: whose check it is."""
    return COMMUNITY_FACT_CHECKED if reply.community_claim else FACT_CHECKED


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action, as moderators read it."""

    at: dt.datetime
    actor: str
    action: str
    target: str
    outcome: str
    community: str | None = None
