"""A database of the release before communities (schema 0004) keeps every row through the upgrade (to 0008, local
claims), and its data becomes the new model's: claims and their history shared, channel settings their community's
(not on trial), old audit rows without a community, no local claim until a community adds one."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from bot.domain.models import Origin
from bot.storage.db import MIGRATIONS
from tests.fakes.fake_adapter import make_actor

TABLES = ("claims", "claim_revisions", "audit_log", "channel_settings", "reports")


def _to(revision: str):
    def run(connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    return run


async def counts(database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        return {t: await connection.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}


async def test_data_of_the_previous_release_survives_the_upgrade_and_works(services, db_fake):
    database = services.database
    moderator = make_actor("mia", moderator=True)
    await db_fake.command("claim retire moon-landing-real | test", actor=moderator)
    await db_fake.command("watch on", actor=moderator)
    await db_fake.command("report the moon is hollow")
    async with database.transaction() as connection:  # back to the schema of the release before communities
        await connection.run_sync(_to("0004"))
    async with database.engine.connect() as connection:
        columns = await connection.run_sync(lambda c: [col["name"] for col in inspect(c).get_columns("audit_log")])
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert "community" not in columns and "community_hidden_claims" not in tables and "trial_replies" not in tables
    assert not {"community_claims", "community_claim_revisions", "proposals"} & set(tables)
    async with database.engine.connect() as connection:
        shared_before = (
            await connection.execute(text("SELECT id, version, content_hash FROM claims ORDER BY id"))
        ).all()
    before = await counts(database)
    assert all(before[t] > 0 for t in ("claims", "claim_revisions", "audit_log", "channel_settings", "reports"))

    await database.upgrade()
    assert await counts(database) == before
    async with database.engine.connect() as connection:
        communities = (await connection.execute(text("SELECT DISTINCT community FROM audit_log"))).scalars().all()
    assert communities == [None]  # older rows belong to no community; the shared catalogue's never will
    origin = Origin(platform="fake", channel_id="c1", workspace_id="w1")
    services.stores.channels.invalidate()
    state = await services.stores.channels.state(origin)
    assert state.watched is True and state.trial is False  # the channel's community kept it, speaking as before
    [hidden] = await db_fake.command("claim hide moon-landing-staged", actor=moderator)
    assert "hidden in this community" in hidden.text
    [audit] = await db_fake.command("audit", actor=moderator)
    assert "claim hide moon-landing-staged: ok [fake:w1]" in audit.text and "[shared catalogue]" in audit.text
    await db_fake.command("claim unhide moon-landing-staged", actor=moderator)
    await db_fake.command("watch trial", actor=moderator)  # trial mode (0007) works on the upgraded database
    assert await db_fake.say("the 1969 moon landing was staged in a film studio") == []
    assert [r.held_id for r in await db_fake.command("queue list", actor=moderator) if r.held_id] == [1]
    # Every claim of the previous release is still there, unchanged and shared; local claims start empty and work.
    async with database.engine.connect() as connection:
        shared_after = (
            await connection.execute(text("SELECT id, version, content_hash FROM claims ORDER BY id"))
        ).all()
        assert await connection.scalar(text("SELECT count(*) FROM community_claims")) == 0
    assert shared_after == shared_before
    services.catalogue.invalidate()
    assert all(s.community is None for s in (await services.catalogue.current()).claims.values())
    [added] = await db_fake.command(
        "local add moon-cheese | The Moon is made of cheese | false | It is rock. | Apollo samples | 1972 | NASA | "
        "https://example.org/apollo | contradicts | The samples are basalt.",
        actor=moderator,
    )
    assert "in this community only" in added.text
