"""Category taxonomy (seeded with the IT default) and registered users.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from inctrack.admin.taxonomy import default_paths
from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    categories = op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.String(), nullable=False, unique=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("roles", sa.String(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("assignment_group", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    now = datetime.now(UTC).replace(microsecond=0)
    paths = default_paths()
    # Incidents logged before the taxonomy existed keep their categories.
    bind = op.get_bind()
    in_use = bind.execute(
        sa.text("SELECT DISTINCT category, subcategory FROM incidents WHERE category IS NOT NULL")
    ).all()
    for category, subcategory in in_use:
        for path in (category, f"{category}/{subcategory}" if subcategory else None):
            if path and path not in paths:
                paths.append(path)
    op.bulk_insert(categories, [{"path": path, "created_at": now} for path in paths])


def downgrade() -> None:
    op.drop_table("users")
    op.drop_table("categories")
