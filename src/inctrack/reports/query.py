"""What every report shares: the :class:`Report` it returns, and the SQL helpers.

Every figure is computed by the database, on SQLite and PostgreSQL alike, with
the same numbers on both; Python only works out the boundaries (periods, age
buckets, working time) and turns the few aggregated rows into records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from inctrack.records import Record
from inctrack.reports.periods import Period
from inctrack.storage.models import UTCDateTime

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker
    from inctrack.sla.policy import Policy

COLUMNS: dict[str, tuple[str, ...]] = {
    "category": ("category", "subcategory"),
    "subcategory": ("category", "subcategory"),
    "service": ("service",),
    "priority": ("priority",),
    "channel": ("channel",),
    "group": ("assignment_group",),
}
"""The columns each key is counted by. ``category`` is counted per category and
subcategory and then summed, so that one index serves both."""


@dataclass(frozen=True)
class Report:
    """A report's rows (the JSON records) and what they cover."""

    rows: list[Record]
    since: datetime | None
    until: datetime | None
    timezone: str
    by: str | None = None
    every: str | None = None
    business: bool = False
    periods: list[Period] = field(default_factory=list)


def stamp(name: str, value: datetime) -> Any:
    """A bound instant, stored as the columns store it (UTC, to the second), so that
    comparisons with them hold on SQLite's text as on PostgreSQL's timestamps."""
    return bindparam(name, value, type_=UTCDateTime)


def connection_of(tracker: Tracker) -> Connection:
    """The tracker's own connection: a report reads inside its transaction."""
    return tracker.session.connection()


def now_of(tracker: Tracker) -> datetime:
    """The tracker's now in UTC, to the whole second as instants are stored."""
    return tracker.work.now()


def zone_of(policy: Policy) -> ZoneInfo:
    """The business calendar's time zone, which every report's periods follow."""
    return ZoneInfo(policy.timezone)


def key_value(by: str, values: Sequence[Any]) -> Any:
    """The record's key: a column's value, or ``category/subcategory`` for subcategory."""
    if by != "subcategory":
        return values[0]
    category, subcategory = values
    if category is None:
        return None
    return f"{category}/{subcategory}" if subcategory else category


def sort_key(value: Any) -> tuple[int, str]:
    """Keys in text order, ``None`` last, whatever the types of the others."""
    return (1, "") if value is None else (0, str(value))


@contextmanager
def no_jit(connection: Connection) -> Iterator[None]:
    """PostgreSQL compiles these big statements with JIT, which costs more than it saves
    here (0.7 s of 1.4 s for MTTR over 100,000 incidents): off for the report, then back."""
    if connection.dialect.name != "postgresql":
        yield
        return
    before = connection.exec_driver_sql("SHOW jit").scalar()
    connection.exec_driver_sql("SET LOCAL jit = off")
    yield  # on an error the transaction is over, and the setting with it
    connection.execute(text("SELECT set_config('jit', :value, true)"), {"value": before})
