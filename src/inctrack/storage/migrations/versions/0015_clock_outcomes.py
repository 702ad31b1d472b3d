"""Stored clock outcomes: each incident's response and resolution durations and its
clocks' elapsed time when they stopped, in calendar time and in working time on the
business calendar (:mod:`inctrack.sla.outcomes`).

`report mttr` reads them for every incident whose clocks have stopped instead of
working each clock out from its events, and ranks each key's durations through
the ``(priority, duration, reported_at)`` indexes; the partial index of escalation
events makes its first-contact test (never escalated) one small probe per incident, and
the partial index of incidents with a clock still running finds the few MTTR computes.
This revision only changes the schema: the values of the incidents already there
are computed from their status events right after the upgrade, in the same
transaction and in batches of plain rows (``inctrack.sla.outcomes.upgraded``, a hook
of ``storage.migrate.upgrade``); from then on the write that stops or restarts a
clock refreshes them in the same transaction (``inctrack.sla.stored``), and a change
of the policy recomputes them all.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = (
    "response_seconds",
    "response_business_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
    "resolution_clock_seconds",
    "resolution_clock_business_seconds",
)
INDEXES = {
    f"ix_incidents_priority_{name}": ["priority", name, "reported_at"] for name in COLUMNS[:4]
}


ESCALATIONS = "ix_events_escalated"
"""Partial: only escalation events, so first-contact resolution is one probe per incident."""


RUNNING = "ix_incidents_running"
RUNNING_WHERE = "response_seconds IS NULL OR resolution_seconds IS NULL"
"""Partial: the incidents with a clock still running (or cancelled), which MTTR still
works out from events, found without scanning the table."""


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("incidents", sa.Column(name, sa.Integer(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, "incidents", columns)
    op.execute(f"CREATE INDEX {ESCALATIONS} ON events (incident_id) WHERE kind = 'escalated'")
    op.execute(f"CREATE INDEX {RUNNING} ON incidents (reported_at) WHERE {RUNNING_WHERE}")


def downgrade() -> None:
    op.execute(f"DROP INDEX {ESCALATIONS}")
    op.execute(f"DROP INDEX {RUNNING}")
    for name in INDEXES:
        op.drop_index(name, "incidents")
    for name in COLUMNS:  # SQLite 3.35+ drops a plain column in place (triggers kept)
        op.execute(f"ALTER TABLE incidents DROP COLUMN {name}")
