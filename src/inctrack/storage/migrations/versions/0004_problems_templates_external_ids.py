"""Problem records with their own append-only history, log templates, external IDs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_APPEND_ONLY = "problem events are append-only: inctrack never updates or deletes an event"


def upgrade() -> None:
    op.add_column("incidents", sa.Column("external_id", sa.String(), nullable=True))
    op.create_index("ix_incidents_external_id", "incidents", ["external_id"])
    op.create_index("ix_incidents_problem_id", "incidents", ["problem_id"])
    op.bulk_insert(
        sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer)),
        [{"name": "problem", "value": 0}],
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("root_cause", sa.String(), nullable=True),
        sa.Column("workaround", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "problem_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("problem_id", sa.Integer(), sa.ForeignKey("problems.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("old", sa.String(), nullable=True),
        sa.Column("new", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=True),
    )
    op.create_index("ix_problem_events_problem_id_id", "problem_events", ["problem_id", "id"])
    op.create_table(
        "templates",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
    )
    _forbid_problem_event_changes()


def _forbid_problem_event_changes() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION inctrack_problem_events_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER problem_events_append_only BEFORE UPDATE OR DELETE "
            "ON problem_events FOR EACH ROW "
            "EXECUTE FUNCTION inctrack_problem_events_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER problem_events_append_only_{verb.lower()} BEFORE {verb} "
            f"ON problem_events BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS problem_events_append_only ON problem_events")
        op.execute("DROP FUNCTION IF EXISTS inctrack_problem_events_append_only()")
    op.drop_table("templates")
    op.drop_table("problem_events")
    op.drop_table("problems")
    op.execute("DELETE FROM counters WHERE name = 'problem'")
    op.drop_index("ix_incidents_problem_id", "incidents")
    op.drop_index("ix_incidents_external_id", "incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("external_id")
