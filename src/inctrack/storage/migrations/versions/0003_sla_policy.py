"""Team SLA policy: settings (targets, threshold, matrix, calendar) and holidays.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
    )
    op.create_table(
        "holidays",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("holidays")
    op.drop_table("settings")
