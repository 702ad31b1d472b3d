"""Incident versions and the hash chain over events.

Every incident gets ``version``, the number of its events (what ``--if-version``
compares). Every event gets ``prev_hash`` and ``hash``, chained over all events
in id order, and the chain's head goes into the one-row table ``chain_head``.
The events that exist are chained here, with a frozen copy of the canonical
form of ``inctrack.storage.chain`` (this migration must hash tomorrow as it
does today); the append-only triggers are lifted for that one UPDATE and put
back exactly as they were, in the same transaction.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
FIELDS = ("id", "incident_id", "at", "recorded_at", "actor", "kind", "field", "old", "new",
          "message")  # fmt: skip
BATCH = 5000

EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer()),
    sa.column("incident_id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("recorded_at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("field", sa.String()),
    sa.column("old", sa.String()),
    sa.column("new", sa.String()),
    sa.column("message", sa.String()),
)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(prev_hash: str, row: dict[str, Any]) -> str:
    content = {
        name: _stamp(value) if isinstance(value, datetime) else value
        for name in FIELDS
        if (value := row.get(name)) is not None
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(prev_hash.encode() + b"\n" + text.encode()).hexdigest()


def upgrade() -> None:
    op.add_column(
        "incidents", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("events", sa.Column("prev_hash", sa.String(), nullable=True))
    op.add_column("events", sa.Column("hash", sa.String(), nullable=True))
    head = op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
    )
    count, last_id, last_hash = _chain_existing_events()
    op.bulk_insert(head, [{"id": 1, "event_count": count, "last_event_id": last_id,
                           "hash": last_hash}])  # fmt: skip
    op.execute(
        "UPDATE incidents SET version = "
        "(SELECT COUNT(*) FROM events WHERE events.incident_id = incidents.id)"
    )


def _chain_existing_events() -> tuple[int, int, str]:
    bind = op.get_bind()
    restore = _lift_append_only(bind)
    count, last_id, last_hash = 0, 0, GENESIS
    update = sa.text("UPDATE events SET prev_hash = :prev_hash, hash = :hash WHERE id = :id")
    while True:
        rows = bind.execute(
            sa.select(EVENTS).where(EVENTS.c.id > last_id).order_by(EVENTS.c.id).limit(BATCH)
        ).mappings()
        changes = []
        for row in rows:
            new_hash = _hash(last_hash, dict(row))
            changes.append({"id": row["id"], "prev_hash": last_hash, "hash": new_hash})
            count, last_id, last_hash = count + 1, row["id"], new_hash
        if not changes:
            break
        bind.execute(update, changes)
    restore()
    return count, last_id, last_hash


def _lift_append_only(bind: sa.engine.Connection) -> Any:
    """Let this migration write the hashes; returns what puts the guard back."""
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
        return lambda: op.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
    name = "events_append_only_update"
    found = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": name},
    ).scalar()
    if found is None:
        return lambda: None
    op.execute(f"DROP TRIGGER {name}")
    return lambda: op.execute(found)


def downgrade() -> None:
    op.drop_table("chain_head")
    # Plain DROP COLUMN (SQLite 3.35+), not a batch copy: a copy renames a new table to
    # `events`, which SQLite refuses while the search index's views (0007) name it.
    restore = _lift_append_only(op.get_bind())
    op.drop_column("events", "hash")
    op.drop_column("events", "prev_hash")
    restore()
    op.drop_column("incidents", "version")
