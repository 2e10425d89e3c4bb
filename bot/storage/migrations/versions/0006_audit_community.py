"""Audit rows name the community they happened in, so a community's moderators can read their own.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows stay NULL: they concern the shared catalogue, or were written before communities existed.
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("community", sa.String(150), nullable=True))
    op.create_index("ix_audit_log_community", "audit_log", ["community"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_community", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("community")
