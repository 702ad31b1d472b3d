"""The service registry, its status history, maintenance windows, stakeholder updates.

Before this revision a service was free text on incidents. Each name found
there becomes a registered service (titled as it is named); names that differ
only in case are one service, spelled as most incidents spell it (ties: the
first in sorted order), and the other spellings are relabelled to it. Each
service starts with the status its open incidents give it (a frozen copy of
the rule: a major incident -> major-outage, high impact -> partial-outage, any
other open incident -> degraded, none -> operational), recorded as its first
status change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEVERITY = ("operational", "maintenance", "degraded", "partial-outage", "major-outage")


def upgrade() -> None:
    services = op.create_table(
        "services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False, unique=True),
        sa.Column("folded", sa.String(), nullable=False, unique=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("group_name", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("manual_status", sa.String(), nullable=True),
        sa.Column("manual_reason", sa.String(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    changes = op.create_table(
        "service_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("old", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("cause", sa.String(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
    )
    op.create_index(
        "ix_service_status_changes_service_id_at", "service_status_changes", ["service_id", "at"]
    )
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(), nullable=True),
    )
    op.create_index(
        "ix_maintenance_windows_service_id_starts_at",
        "maintenance_windows",
        ["service_id", "starts_at"],
    )
    op.create_table(
        "updates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
    )
    op.create_index("ix_updates_incident_id_at", "updates", ["incident_id", "at"])
    op.create_index("ix_updates_public_at", "updates", ["public", "at"])
    op.bulk_insert(
        sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer)),
        [{"name": "maintenance", "value": 0}],
    )
    _register_services_in_use(services, changes)


def _register_services_in_use(services: sa.Table, changes: sa.Table) -> None:
    bind = op.get_bind()
    uses: Counter[str] = Counter()
    counted = bind.execute(
        sa.text(
            "SELECT service, COUNT(*) FROM incidents WHERE service IS NOT NULL GROUP BY service"
        )
    )
    for name, count in counted:
        uses[name] += count
    spellings: dict[str, list[str]] = {}
    for name in sorted(uses):
        if name.strip():
            spellings.setdefault(name.strip().casefold(), []).append(name)
    now = datetime.now(UTC).replace(microsecond=0)
    for folded, names in sorted(spellings.items()):
        chosen = min(names, key=lambda name: (-uses[name], name)).strip()
        for other in names:
            if other != chosen:
                op.execute(
                    sa.text("UPDATE incidents SET service = :new WHERE service = :old").bindparams(
                        old=other, new=chosen
                    )
                )
        status = _derived(bind, chosen)
        inserted = bind.execute(
            services.insert().values(
                name=chosen, folded=folded, title=chosen, status=status, created_at=now
            )
        )
        service_id = inserted.inserted_primary_key[0]  # type: ignore[index]
        bind.execute(
            changes.insert().values(
                service_id=service_id, at=now, recorded_at=now, actor="inctrack", old=None,
                status=status, cause="registered", incident_id=None,
                reason="registered from the incidents that named it",
            )
        )  # fmt: skip


def _derived(bind: sa.Connection, name: str) -> str:
    rows = bind.execute(
        sa.text(
            "SELECT major, impact FROM incidents WHERE service = :name "
            "AND status IN ('new', 'in_progress', 'on_hold')"
        ).bindparams(name=name)
    )
    worst = "operational"
    for major, impact in rows:
        status = "major-outage" if major else "partial-outage" if impact == "high" else "degraded"
        worst = max(worst, status, key=SEVERITY.index)
    return worst


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'maintenance'")
    op.drop_table("updates")
    op.drop_table("maintenance_windows")
    op.drop_table("service_status_changes")
    op.drop_table("services")
