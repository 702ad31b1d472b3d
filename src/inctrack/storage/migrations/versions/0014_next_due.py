"""The queue's order, stored: ``incidents.next_due_at`` and the open-queue index.

``next_due_at`` is the due time of the SLA clock that runs now (response until
answered, then resolution): a pure function of the incident's timeline and the
team's policy, not of the moment it is read, so it can be stored and kept in step
at every write (``inctrack.sla.stored``). NULL for a closed incident and for one
with nothing due (met, cancelled, no target, paused before its target).

``ix_incidents_open_queue`` holds only open incidents, by (priority, next_due_at,
reported_at, id), untriaged (NULL priority) first: ``list`` reads the queue from it
and stops after its first rows, however many closed incidents the table holds. On
PostgreSQL that is the queue's order itself (none due last); SQLite sorts NULL
first, so it sorts each priority's rows by "none due last" as it reads them (plain
columns: an expression index would not be reflected).

This revision only changes the schema: the values of the incidents already there
are computed from their events with the application's clocks right after the
upgrade, in the same transaction (``inctrack.sla.stored``, a hook of
``storage.migrate.upgrade``), since a migration imports nothing of the application.
``db check`` says when they disagree, ``db check --repair`` recomputes them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEX = "ix_incidents_open_queue"
OPEN = "status IN ('in_progress', 'new', 'on_hold')"


def upgrade() -> None:
    op.add_column("incidents", sa.Column("next_due_at", UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # ascending puts NULL last there
        keys, where = "priority NULLS FIRST, next_due_at, reported_at, id", OPEN
    else:  # SQLite sorts NULL first: untriaged first, as the queue wants
        # "+status": the query says the same, which ix_incidents_status_priority cannot
        # serve, so SQLite's planner reads the queue in this index's order (it preferred
        # three status look-ups and a sort of every open row, 40 ms instead of 1 ms).
        keys, where = "priority, next_due_at, reported_at, id", f"+{OPEN}"
    op.execute(f"CREATE INDEX {INDEX} ON incidents ({keys}) WHERE {where}")


def downgrade() -> None:
    op.execute(f"DROP INDEX {INDEX}")
    op.execute("ALTER TABLE incidents DROP COLUMN next_due_at")  # SQLite 3.35 and later
