"""Alembic environment: runs on the connection core.store.db.migrate() hands over."""

from alembic import context

from core.schema import metadata

connection = context.config.attributes.get("connection")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
