"""Bulk writes: many incidents and events in one round trip, for imports.

Storage's business, not the importer's: which statement is fastest, and how
each column type stores its values, depend on the database alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from inctrack.errors import Rejected
from inctrack.storage.chain import Chain
from inctrack.storage.models import EventFields

INCIDENTS: Table = SQLModel.metadata.tables["incidents"]
EVENTS: Table = SQLModel.metadata.tables["events"]
UPDATES: Table = SQLModel.metadata.tables["updates"]
EVENT_VALUES = tuple(EventFields.model_fields)
"""What one event says, in order: at, recorded_at, actor, kind, field, old, new, message
(an export's event keys, in their order): how a bulk row gives an event."""


class BulkInsert:
    """Many rows in one round trip: ``executemany`` of plain values on SQLite, ``COPY``
    on PostgreSQL, Core ``insert()`` elsewhere.

    The two fast paths skip SQLAlchemy's per-value type processing, so they store
    what the column types would: on SQLite, times as naive UTC text
    (``2026-11-20 09:00:00.000000``, as ``UTCDateTime`` and SQLAlchemy's SQLite
    ``DATETIME`` do), booleans as 0/1 and JSON as ``json.dumps`` text; on
    PostgreSQL, psycopg adapts aware times and booleans itself.
    """

    INCIDENT_COLUMNS = (
        "id",
        "duplicate_of",
        *(
            c.name
            for c in INCIDENTS.columns
            if c.name not in ("id", "duplicate_of") and not c.info.get("derived")
        ),
    )
    """Duplicates are linked once every incident is in (the targets may come later);
    derived columns (``sla.stored``) are left NULL, for the writer to refresh."""
    EVENT_COLUMNS = ("id", "incident_id", *EVENT_VALUES, "prev_hash", "hash")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.sqlite = self.dialect == "sqlite"
        self._fields = itemgetter(*self.INCIDENT_COLUMNS[2:])
        self._convert = self._converters(INCIDENTS, self.INCIDENT_COLUMNS)

    def incidents(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Insert incidents, each its number and every column but ``id`` and
        ``duplicate_of``; ``duplicate_of`` is left empty."""
        times = _SqliteTimes()
        convert = [(i, times.__getitem__ if f is _sqlite_time else f) for i, f in self._convert]
        fields = self._fields
        values = [_converted((number, None, *fields(d)), convert) for number, d in rows]
        self._insert(INCIDENTS, self.INCIDENT_COLUMNS, values)

    UPDATE_COLUMNS = ("incident_id", "event_id", "at", "actor", "state", "public", "message")

    def events(self, rows: Iterable[tuple[int, tuple[Any, ...]]]) -> list[int]:
        """Insert events, each its incident's number and its :data:`EVENT_VALUES`, at the
        end of the hash chain (``storage.chain``), in the order given; returns their ids,
        in that order."""
        given = [{"incident_id": n, **dict(zip(EVENT_VALUES, e, strict=True))} for n, e in rows]
        chained = Chain(self.connection).extend(given)
        columns = self.EVENT_COLUMNS
        values = [tuple(row[name] for name in columns) for row in chained]
        if self.sqlite:
            times = _SqliteTimes()  # an incident's events share times: each formatted once
            values = [(*v[:2], times[v[2]], times[v[3]], *v[4:]) for v in values]
        self._insert(EVENTS, columns, values)
        return [int(v[0]) for v in values]

    def updates(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert stakeholder updates, each its :attr:`UPDATE_COLUMNS` in order."""
        values = list(rows)
        if self.sqlite:
            values = [(*v[:2], _sqlite_time(v[2]), *v[3:5], int(v[5]), v[6]) for v in values]
        self._insert(UPDATES, self.UPDATE_COLUMNS, values)

    def _insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quote = self.connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in columns)
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
            self.connection.exec_driver_sql(sql, rows)
        elif self.dialect == "postgresql":
            raw = self.connection.connection.driver_connection
            refused = self.connection.dialect.loaded_dbapi.DataError
            try:
                with (
                    raw.cursor() as cursor,  # type: ignore[union-attr]
                    cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            except refused as exc:  # a value the server cannot hold, such as a NUL in text
                raise Rejected(f"A value cannot be stored in the database ({exc}).") from None
        else:
            dicts = [dict(zip(columns, row, strict=True)) for row in rows]
            self.connection.execute(insert(table), dicts)

    def _converters(
        self, table: Table, columns: Sequence[str]
    ) -> list[tuple[int, Callable[[Any], Any]]]:
        found: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(columns):
            kind = type(table.c[name].type).__name__
            if kind == "JSON":
                found.append((index, _json))
            elif self.sqlite and kind == "UTCDateTime":
                found.append((index, _sqlite_time))
            elif self.sqlite and kind == "Boolean":
                found.append((index, int))
        return found


def _sqlite_time(value: datetime) -> str:
    """How ``UTCDateTime`` is stored in SQLite: naive UTC, ``2026-11-20 09:00:00.000000``."""
    if value.tzinfo is not UTC:  # imports read times as UTC: this is for anything else
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _json(value: object) -> str:
    """JSON as SQLAlchemy's ``JSON`` type writes it; most ``roles`` are empty."""
    return "{}" if value == {} else json.dumps(value)


class _SqliteTimes(dict[datetime, str]):
    """Times formatted for SQLite, each once."""

    def __missing__(self, value: datetime) -> str:
        text = self[value] = _sqlite_time(value)
        return text


def _converted(row: tuple[Any, ...], convert: list[tuple[int, Callable[[Any], Any]]]) -> Any:
    if not convert:
        return row
    values = list(row)
    for index, function in convert:
        if values[index] is not None:
            values[index] = function(values[index])
    return tuple(values)
