"""History sealed against replacement and truncation, not only against UPDATE and DELETE.

SQLite's REPLACE and INSERT OR REPLACE delete a conflicting row without firing DELETE triggers (unless
recursive_triggers is on), so a forged revision could take the place of a real one: an INSERT trigger now
refuses any row whose key is already taken. PostgreSQL's TRUNCATE fires no row triggers: a statement trigger
refuses it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The keys a replacing insert could collide with, per append-only table.
KEYS = {
    "claim_revisions": "id = NEW.id OR (claim_id = NEW.claim_id AND version = NEW.version)",
    "audit_log": "id = NEW.id",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, collides in KEYS.items():
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {collides}) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    else:
        for table in KEYS:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION factbot_append_only()"
            )


def downgrade() -> None:
    for table in KEYS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
