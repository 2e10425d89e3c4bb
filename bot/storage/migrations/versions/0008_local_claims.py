"""Local claims: a community's own claims and aliases, their history, and proposals to the shared catalogue.

Existing claims stay in `claims`, shared; the new tables start empty.

Revision ID: 0008
Revises: 0006 (0007 at merge)
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Local history is sealed like the shared one (0002, 0003): no update, delete, replacing insert or truncate.
SEALED = "community_claim_revisions"
COLLIDES = (
    "id = NEW.id OR (platform = NEW.platform AND workspace_id = NEW.workspace_id AND claim_id = NEW.claim_id "
    "AND version = NEW.version)"
)


def upgrade() -> None:
    op.create_table(
        "community_claims",
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("workspace_id", sa.String(100), nullable=False),
        sa.Column("claim_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "claim_id", name="pk_community_claims"),
    )
    op.create_table(
        "community_claim_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("workspace_id", sa.String(100), nullable=False),
        sa.Column("claim_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_community_claim_revisions"),
        sa.UniqueConstraint(
            "platform", "workspace_id", "claim_id", "version", name="uq_community_claim_revisions_version"
        ),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("community", sa.String(150), nullable=False),
        sa.Column("proposer", sa.String(200), nullable=False),
        sa.Column("claim_id", sa.String(80), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_proposals"),
    )
    op.create_index("ix_proposals_community", "proposals", ["community"])
    op.create_index("ix_proposals_state", "proposals", ["state"])
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {SEALED}_no_{event.lower()} BEFORE {event} ON {SEALED} "
                f"BEGIN SELECT RAISE(ABORT, '{SEALED} is append-only'); END"
            )
        op.execute(
            f"CREATE TRIGGER {SEALED}_no_replace BEFORE INSERT ON {SEALED} "
            f"WHEN EXISTS (SELECT 1 FROM {SEALED} WHERE {COLLIDES}) "
            f"BEGIN SELECT RAISE(ABORT, '{SEALED} is append-only'); END"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {SEALED}_append_only BEFORE UPDATE OR DELETE ON {SEALED} "
            "FOR EACH ROW EXECUTE FUNCTION factbot_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {SEALED}_no_truncate BEFORE TRUNCATE ON {SEALED} "
            "FOR EACH STATEMENT EXECUTE FUNCTION factbot_append_only()"
        )


def downgrade() -> None:
    # Dropping the table drops its triggers on both databases.
    op.drop_index("ix_proposals_state", table_name="proposals")
    op.drop_index("ix_proposals_community", table_name="proposals")
    op.drop_table("proposals")
    op.drop_table("community_claim_revisions")
    op.drop_table("community_claims")
