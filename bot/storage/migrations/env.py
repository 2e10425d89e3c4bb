"""Alembic environment: migrations run on a connection factbot hands over, never on a URL read here."""

from alembic import context

from bot.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `factbot db upgrade`; it passes the connection in.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
