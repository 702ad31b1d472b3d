"""Column types and fields every table shares: aware UTC times, what an event says.

Kept apart from :mod:`inctrack.storage.models` so that the table modules
(:mod:`inctrack.storage.tables`) can use them without importing the tables of
the everyday commands, nor those the everyday commands build themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


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


def utc_field(**kwargs: Any) -> Any:
    """A field stored as :class:`UTCDateTime`."""
    return Field(sa_type=UTCDateTime, **kwargs)


class EventFields(SQLModel):
    """What every event says, of an incident or a problem: one field's old and new
    value, or a message."""

    at: datetime = utc_field()
    """When it happened (``--at``), as the actor says."""
    recorded_at: datetime = utc_field()
    """When inctrack wrote it."""
    actor: str
    kind: str
    field: str | None = None
    old: str | None = None
    new: str | None = None
    message: str | None = None
    os_login: str | None = None
    """The operating-system login that ran the command (NULL when not known)."""
