"""Community hidden claims: shared claims one community's moderators chose not to be answered with there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_hidden_claims",
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("workspace_id", sa.String(100), nullable=False),
        sa.Column("claim_id", sa.String(80), nullable=False),
        sa.Column("hidden_by", sa.String(200), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "claim_id", name="pk_community_hidden_claims"),
    )


def downgrade() -> None:
    op.drop_table("community_hidden_claims")
