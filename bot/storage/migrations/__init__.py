"""Alembic migrations of factbot's schema."""

# The newest migration: a database already there needs no Alembic at all (tests/storage/test_db.py keeps this equal
# to Alembic's head). Here, not in bot.storage.db, so readers without SQLAlchemy can compare against it.
HEAD_REVISION = "0008"
