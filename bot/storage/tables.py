"""The database schema, in SQLAlchemy Core; Alembic migrations create and evolve it."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text, UniqueConstraint

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
