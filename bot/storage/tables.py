"""The database schema, in SQLAlchemy Core; Alembic migrations create and evolve it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

claims = Table(
    "claims",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    # Hash of the claim as last imported from claims/; NULL for claims created in chat.
    Column("file_hash", String(64), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

claim_revisions = Table(
    "claim_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(80), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("action", String(40), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=False),
    Column("actor_platform", String(40), nullable=False),
    Column("actor_workspace", String(100), nullable=False),
    Column("actor_id", String(100), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("claim_id", "version"),
)

catalogue_meta = Table(
    "catalogue_meta",
    metadata,
    Column("id", Integer, primary_key=True),
    # Bumped in the same transaction as every catalogue change, so matchers know when to rebuild.
    Column("version", Integer, nullable=False),
)

expiring_keys = Table(
    "expiring_keys",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(300), primary_key=True),
    # Which window of the limit's length the count belongs to (seconds since the epoch // window length).
    Column("period", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor_platform", String(40), nullable=False),
    Column("actor_workspace", String(100), nullable=False),
    Column("actor_id", String(100), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("detail", JSON, nullable=True),
    # The community it happened in ("platform:workspace"); NULL for the shared catalogue and older rows.
    Column("community", String(150), nullable=True, index=True),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("platform", String(40), nullable=False),
    Column("workspace_id", String(100), nullable=False),
    Column("channel_id", String(100), nullable=False),
    Column("message_id", String(100), nullable=True),
    Column("reporter_id", String(100), nullable=False),
    Column("reporter_name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("state", String(16), nullable=False, index=True),
    Column("handled_by", String(200), nullable=True),
    Column("handled_at", DateTime(timezone=True), nullable=True),
    Column("resolution", Text, nullable=True),
)

replies = Table(
    "replies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("platform", String(40), nullable=False),
    Column("workspace_id", String(100), nullable=False),
    Column("channel_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("claim_id", String(80), nullable=True, index=True),
    Column("decision", String(10), nullable=False),
    Column("score", Float, nullable=True),
    Column("unprompted", Boolean, nullable=False),
    # Why the reply was given: the ranked candidates and their scores. No message text is kept.
    Column("candidates", JSON, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reply_id", String(32), ForeignKey("replies.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("platform", String(40), nullable=False),
    Column("workspace_id", String(100), nullable=False),
    Column("user_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    UniqueConstraint("reply_id", "platform", "user_id"),
)

channel_settings = Table(
    "channel_settings",
    metadata,
    Column("platform", String(40), primary_key=True),
    Column("workspace_id", String(100), primary_key=True),
    Column("channel_id", String(100), primary_key=True),
    Column("watched", Boolean, nullable=True),
    Column("muted_until", DateTime(timezone=True), nullable=True),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("trial", Boolean, nullable=False, server_default=false()),
)

# Unprompted replies a trial channel holds until a moderator of its community approves or rejects them (issue 13).
# The matched part of the message is kept (bounded), so moderators can judge the reply; the whole message is not.
trial_replies = Table(
    "trial_replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("platform", String(40), nullable=False),
    Column("workspace_id", String(100), nullable=False),
    Column("channel_id", String(100), nullable=False),
    Column("message_id", String(100), nullable=True),
    Column("thread_id", String(100), nullable=True),
    Column("claim_id", String(80), nullable=False),
    Column("score", Float, nullable=False),
    Column("matched_variant", String(500), nullable=False),
    Column("window", String(500), nullable=False),
    Column("candidates", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_by_id", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("note", String(500), nullable=True),
    Index("ix_trial_replies_community", "platform", "workspace_id", "state"),
)

# Shared claims a community's moderators chose not to be answered with in their community (issue 13).
community_hidden_claims = Table(
    "community_hidden_claims",
    metadata,
    Column("platform", String(40), primary_key=True),
    Column("workspace_id", String(100), primary_key=True),
    Column("claim_id", String(80), primary_key=True),
    Column("hidden_by", String(200), nullable=False),
    Column("hidden_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(500), nullable=True),
)

# What one community added for itself (issue 13): its own claims ("claim" rows, a whole claim as the catalogue
# stores it) and its own aliases of shared claims ("aliases" rows, {"aliases": [...]}); never seen elsewhere.
community_claims = Table(
    "community_claims",
    metadata,
    Column("platform", String(40), primary_key=True),
    Column("workspace_id", String(100), primary_key=True),
    Column("claim_id", String(80), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("data", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# Every change to a community_claims row, so a community's moderators can read and undo their own history.
community_claim_revisions = Table(
    "community_claim_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(40), nullable=False),
    Column("workspace_id", String(100), nullable=False),
    Column("claim_id", String(80), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(40), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=False),
    Column("actor_platform", String(40), nullable=False),
    Column("actor_workspace", String(100), nullable=False),
    Column("actor_id", String(100), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("platform", "workspace_id", "claim_id", "version", name="uq_community_claim_revisions_version"),
)

# A community moderator's proposed change to a shared claim, waiting for an editor to accept or reject it.
proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("community", String(150), nullable=False, index=True),
    Column("proposer", String(200), nullable=False),
    Column("claim_id", String(80), nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("action", String(40), nullable=False),
    Column("change", JSON, nullable=False),
    Column("note", Text, nullable=True),
    Column("state", String(16), nullable=False, index=True),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("resolution", Text, nullable=True),
)
