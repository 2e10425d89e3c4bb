"""Trial mode: a channel switch that holds unprompted replies, and the held replies waiting for a moderator.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing channels keep speaking as before: trial mode is off until a moderator types `watch trial`.
    with op.batch_alter_table("channel_settings") as batch:
        batch.add_column(sa.Column("trial", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "trial_replies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("workspace_id", sa.String(100), nullable=False),
        sa.Column("channel_id", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=True),
        sa.Column("thread_id", sa.String(100), nullable=True),
        sa.Column("claim_id", sa.String(80), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched_variant", sa.String(500), nullable=False),
        sa.Column("window", sa.String(500), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_by_id", sa.String(100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_trial_replies"),
    )
    op.create_index("ix_trial_replies_community", "trial_replies", ["platform", "workspace_id", "state"])
    op.create_index("ix_trial_replies_created_at", "trial_replies", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_trial_replies_created_at", table_name="trial_replies")
    op.drop_index("ix_trial_replies_community", table_name="trial_replies")
    op.drop_table("trial_replies")
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_column("trial")
