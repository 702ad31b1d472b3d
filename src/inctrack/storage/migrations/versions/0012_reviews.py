"""Post-incident reviews, their history, and their action items.

A review belongs to one incident (its key is the incident's number). What the
team writes (its sections) lives on the review row; every change to it is one
row of ``review_events`` (append-only, like an incident's events), so what a
review said and who changed it stays known. Action items ``ACT-n`` take their
numbers from a new ``action`` counter.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), primary_key=True,
            autoincrement=False,
        ),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("completed_by", sa.String(), nullable=True),
    )  # fmt: skip
    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.incident_id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("old", sa.String(), nullable=True),
        sa.Column("new", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("os_login", sa.String(), nullable=True),
    )
    op.create_index("ix_review_events_review_id_id", "review_events", ["review_id", "id"])
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("reviews.incident_id"), nullable=False
        ),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("problem_id", sa.Integer(), sa.ForeignKey("problems.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(), nullable=True),
    )
    op.create_index("ix_action_items_done_at_due_at", "action_items", ["done_at", "due_at"])
    op.bulk_insert(
        sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer)),
        [{"name": "action", "value": 0}],
    )


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'action'")
    op.drop_table("action_items")
    op.drop_table("review_events")
    op.drop_table("reviews")
