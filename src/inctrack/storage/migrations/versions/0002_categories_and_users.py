"""Category taxonomy (seeded with the IT default) and registered users.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from inctrack.storage.migrations.coltypes import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# fmt: off
SEEDED_PATHS = (
    "hardware", "hardware/desktop", "hardware/laptop", "hardware/printer", "hardware/monitor",
    "hardware/peripheral", "hardware/mobile-device",
    "software", "software/application", "software/operating-system", "software/installation",
    "software/license", "software/update",
    "network", "network/connectivity", "network/vpn", "network/wifi", "network/dns",
    "network/firewall",
    "access", "access/password-reset", "access/account-locked", "access/permissions",
    "access/new-account", "access/mfa",
    "email", "email/outlook", "email/delivery", "email/mailbox", "email/spam", "email/calendar",
    "security", "security/phishing", "security/malware", "security/data-breach",
    "security/lost-device", "security/suspicious-activity",
    "database", "database/performance", "database/availability", "database/backup",
    "inquiry", "inquiry/how-to", "inquiry/information",
    "other",
)
# fmt: on
"""The IT default taxonomy as this revision seeds it, in this order: a frozen copy.

The application's default (``inctrack.admin.taxonomy``) may change; a database
built by this revision must not, so the seed is written out here.
"""


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
    paths = list(SEEDED_PATHS)
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
