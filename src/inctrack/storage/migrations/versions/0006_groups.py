"""The resolver-group registry, seeded with every group already in use.

Before this revision a group was free text on incidents and users. Each name
found there becomes a registered group; names that differ only in case
(``Network``, ``network``) are one group, spelled as most incidents and users
spell it (ties: the first in sorted order), and the other spellings on
incidents and users are relabelled to it, so every group in use is registered
under exactly one name.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HOLDERS = ("incidents", "users")
"""The tables whose ``assignment_group`` names a group."""


def upgrade() -> None:
    groups = op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False, unique=True),
        sa.Column("folded", sa.String(), nullable=False, unique=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    bind = op.get_bind()
    uses: Counter[str] = Counter()
    for table in HOLDERS:
        counted = bind.execute(
            sa.text(
                f"SELECT assignment_group, COUNT(*) FROM {table} "
                "WHERE assignment_group IS NOT NULL GROUP BY assignment_group"
            )
        )
        for name, count in counted:
            uses[name] += count
    spellings: dict[str, list[str]] = {}
    for name in sorted(uses):
        if name.strip():
            spellings.setdefault(name.strip().casefold(), []).append(name)
    now = datetime.now(UTC).replace(microsecond=0)
    rows = []
    for folded, names in sorted(spellings.items()):
        chosen = min(names, key=lambda name: (-uses[name], name))
        rows.append({"name": chosen.strip(), "folded": folded, "created_at": now})
        for other in names:
            if other != chosen.strip():
                _relabel(other, chosen.strip())
    if rows:
        op.bulk_insert(groups, rows)


def _relabel(old: str, new: str) -> None:
    for table in HOLDERS:
        op.execute(
            sa.text(
                f"UPDATE {table} SET assignment_group = :new WHERE assignment_group = :old"
            ).bindparams(old=old, new=new)
        )


def downgrade() -> None:
    op.drop_table("groups")
