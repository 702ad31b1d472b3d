"""Alembic environment: inctrack always hands over an open connection.

``inctrack.storage.migrate.upgrade`` begins the transaction (and takes the
write lock) itself, so every migration runs inside it and nothing is
half-applied.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
