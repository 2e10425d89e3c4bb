"""The fast schema check must agree with Alembic, or a new migration would be silently skipped."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.storage.db import HEAD_REVISION, MIGRATIONS, Database


def test_head_revision_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


async def test_upgrade_leaves_the_schema_at_head(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD_REVISION


async def test_an_older_schema_is_upgraded_not_trusted(database: Database) -> None:
    """A database stamped one revision behind must run the migration chain again, not pass the fast check."""
    async with database.transaction() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0007'"))
        for table in ("proposals", "community_claim_revisions", "community_claims"):
            await connection.execute(text(f"DROP TABLE {table}"))
    await database.upgrade()
    async with database.engine.connect() as connection:
        assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD_REVISION
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        indexes = await connection.run_sync(lambda c: [ix["name"] for ix in inspect(c).get_indexes("proposals")])
    assert {"proposals", "community_claim_revisions", "community_claims"} <= set(tables)
    assert "ix_proposals_state" in indexes
