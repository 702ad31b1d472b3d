"""Column types as the migrations know them: a frozen copy, never the app's own.

A migration must do today what it did when it was written, whatever later
becomes of ``inctrack.storage.models``. So the types its tables are built
with live here, copied from the models of their time, and are never edited:
a type that must change gets a new name here, used by a new migration.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; inctrack stores aware UTC")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC text so it sorts and compares.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
