"""Alembic environment: migrations run on a connection factbot hands over, never on a URL read here."""

from alembic import context

from bot.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `factbot db upgrade`; it passes the connection in.")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave tables factbot does not own alone (Slack Bolt's installation and OAuth-state stores)."""
    return not (type_ == "table" and reflected and compare_to is None and str(name).startswith("slack_"))


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
