"""Who ran each command, users bound to OS logins and database roles, import source keys.

- ``events.os_login`` and ``problem_events.os_login``: the operating-system login
  that ran the command, beside the acting user (NULL on events written before this
  revision, and on imported events whose file does not say).
- ``users.login``: the OS login a user is bound to; ``users.db_role``: the
  PostgreSQL role ``db grant`` set up for them. Each is unique where set.
- ``incidents.source_key``: the stable key of a row imported without ``id`` or
  ``external_id``, unique where set, so importing the same file again adds nothing.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("os_login", sa.String(), nullable=True))
    op.add_column("problem_events", sa.Column("os_login", sa.String(), nullable=True))
    op.add_column("users", sa.Column("login", sa.String(), nullable=True))
    op.add_column("users", sa.Column("db_role", sa.String(), nullable=True))
    op.create_index("ix_users_login", "users", ["login"], unique=True)
    op.create_index("ix_users_db_role", "users", ["db_role"], unique=True)
    op.add_column("incidents", sa.Column("source_key", sa.String(), nullable=True))
    op.create_index("ix_incidents_source_key", "incidents", ["source_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_incidents_source_key", table_name="incidents")
    op.drop_column("incidents", "source_key")
    op.drop_index("ix_users_db_role", table_name="users")
    op.drop_index("ix_users_login", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("db_role")
        batch.drop_column("login")
    op.drop_column("problem_events", "os_login")
    op.drop_column("events", "os_login")
