"""Catalogue, revisions, catalogue version counter and expiring keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("file_hash", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claims"),
    )
    op.create_table(
        "claim_revisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("actor_platform", sa.String(40), nullable=False),
        sa.Column("actor_workspace", sa.String(100), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim_revisions"),
        sa.UniqueConstraint("claim_id", "version", name="uq_claim_revisions_claim_id"),
    )
    op.create_index("ix_claim_revisions_claim_id", "claim_revisions", ["claim_id"])
    op.create_table(
        "catalogue_meta",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalogue_meta"),
    )
    op.create_table(
        "expiring_keys",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_expiring_keys"),
    )
    op.create_index("ix_expiring_keys_expires_at", "expiring_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_expiring_keys_expires_at", "expiring_keys")
    op.drop_table("expiring_keys")
    op.drop_table("catalogue_meta")
    op.drop_index("ix_claim_revisions_claim_id", "claim_revisions")
    op.drop_table("claim_revisions")
    op.drop_table("claims")
