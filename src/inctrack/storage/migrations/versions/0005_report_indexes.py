"""Indexes for the trend reports: one (key, reported_at) index per trend key.

`report trends` counts each period and key as one range of such an index, so
the count never reads the table and never sorts. Measured on 1,000,000
incidents (docs/performance.md): a weekly count by category over two years
took 0.48 s with the reported_at index alone and 0.07-0.10 s with these.
``(category, subcategory, reported_at)`` serves both ``--by category`` and
``--by subcategory``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_incidents_category_subcategory_reported_at": ["category", "subcategory", "reported_at"],
    "ix_incidents_service_reported_at": ["service", "reported_at"],
    "ix_incidents_priority_reported_at": ["priority", "reported_at"],
    "ix_incidents_channel_reported_at": ["channel", "reported_at"],
    "ix_incidents_group_reported_at": ["assignment_group", "reported_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "incidents", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "incidents")
