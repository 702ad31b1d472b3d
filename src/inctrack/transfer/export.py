"""Export: every incident with its whole history, out to a file for ``import``.

Incidents stream in ID order, a thousand at a time with their events, as JSON
Lines, one JSON array or CSV, with every stored field and every event column.
The computed ``sla`` object is left out: it depends on the moment it is
computed and on the policy, so two exports of the same data would differ, and
an import could not store it anyway.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from textwrap import indent
from typing import IO, Any, cast

import orjson
from sqlalchemy import String, Table, select, type_coerce
from sqlmodel import SQLModel

from inctrack.files import text_output
from inctrack.incidents.queries import IncidentQuery, incident_filters
from inctrack.incidents.tracker import Tracker
from inctrack.records import (
    EVIDENCE_KIND,
    INCIDENT_CSV_COLUMNS,
    Record,
    csv_text,
    evidence_record,
    flatten,
    incident_record,
    timestamp,
)
from inctrack.services.records import update_record
from inctrack.storage.engine import SNAPSHOT
from inctrack.storage.models import Event, Incident, Update, load_all

load_all()  # the tables below, those of storage.tables among them
INCIDENTS: Table = SQLModel.metadata.tables["incidents"]
EVENTS: Table = SQLModel.metadata.tables["events"]
UPDATES: Table = SQLModel.metadata.tables["updates"]

EXPORT_CHUNK = 1000
"""Incidents read per query while exporting (their events come in one more)."""

EXPORT_CSV_COLUMNS = (
    *(column for column in INCIDENT_CSV_COLUMNS if not column.startswith("sla_")),
    "events",
    "updates",
)
"""Columns of an export in CSV: the incident's (without the SLA clocks), then its
events and its stakeholder updates, each as one JSON array."""


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"


def export_records(tracker: Tracker, query: IncidentQuery) -> Iterator[Record]:
    """Every incident matching ``query`` with its events, by ID, read in chunks."""
    session = tracker.session
    if not session.info.get("snapshot") and session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(SNAPSHOT)  # one snapshot for every chunk
    where = incident_filters(query)
    last = 0
    while True:
        statement = (
            select(INCIDENTS)
            .where(*where)
            .where(INCIDENTS.c.id > last)
            .order_by(INCIDENTS.c.id)
            .limit(EXPORT_CHUNK)
        )
        rows = session.execute(statement).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        events: dict[int, list[Record]] = defaultdict(list)
        times = _Times()  # a chunk's: the cache stays small
        event_query = (
            select(*_EVENT_COLUMNS)
            .where(EVENTS.c.incident_id.in_(ids))
            .order_by(EVENTS.c.incident_id, EVENTS.c.id)
        )
        for event in session.execute(event_query):
            events[event[0]].append(_event_record(event, times))
        updates: dict[int, list[Any]] = defaultdict(list)
        update_query = (
            select(UPDATES)
            .where(UPDATES.c.incident_id.in_(ids))
            .order_by(UPDATES.c.incident_id, UPDATES.c.at, UPDATES.c.id)
        )
        for update in session.execute(update_query):
            updates[update.incident_id].append(update)
        for row in rows:
            record = incident_record(cast(Incident, row))
            del record["sla"]
            record["events"] = events.get(row.id, [])
            record["updates"] = [update_record(cast(Update, u)) for u in updates.get(row.id, [])]
            yield record
        last = ids[-1]


_EVENT_COLUMNS = (
    EVENTS.c.incident_id,
    *(
        type_coerce(EVENTS.c[name], String) if name in ("at", "recorded_at") else EVENTS.c[name]
        for name in ("at", "recorded_at", "actor", "kind", "field", "old", "new", "message",
                     "os_login", "prev_hash", "hash")
    ),
)  # fmt: skip
"""An event's columns as an export writes them, its times as the driver gives them (read
through :class:`_Times`, which formats each distinct time once: events share times)."""


class _Times(dict[Any, str]):
    """Stored times -> ``records.timestamp`` text; SQLite gives naive UTC text, PostgreSQL
    aware datetimes."""

    def __missing__(self, raw: Any) -> str:
        value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        text = self[raw] = str(timestamp(value))
        return text


def _event_record(row: Any, times: _Times) -> Record:
    """``records.event_record`` of an event row read with :data:`_EVENT_COLUMNS`."""
    _, at, recorded_at, actor, kind, field, old, new, message, login, prev_hash, hash_ = row
    record: Record = {
        "at": times[at], "recorded_at": times[recorded_at], "actor": actor, "kind": kind,
        "field": field, "old": old, "new": new, "message": message, "os_login": login,
        "prev_hash": prev_hash, "hash": hash_,
    }  # fmt: skip
    if kind == EVIDENCE_KIND and message:
        return evidence_record(record)
    return record


def export_record(incident: Any, events: Sequence[Any], updates: Sequence[Any] = ()) -> Record:
    """The incident's public record without ``sla``, with every event and every stakeholder
    update (which says whether it was public, as its event does not): one export line."""
    record = incident_record(cast(Incident, incident), events=cast(list[Event], list(events)))
    del record["sla"]
    record["updates"] = [update_record(cast(Update, update)) for update in updates]
    return record


def write_export(records: Iterable[Record], fmt: ExportFormat, out: IO[str]) -> tuple[int, int]:
    """Write ``records`` to ``out``; returns how many incidents and events were written."""
    incidents = events = 0
    writer = csv.writer(out, lineterminator="\n")
    if fmt is ExportFormat.CSV:
        writer.writerow(EXPORT_CSV_COLUMNS)
    elif fmt is ExportFormat.JSON:
        out.write("[")
    for record in records:
        if fmt is ExportFormat.JSONL:
            out.write(_jsonl(record))
        elif fmt is ExportFormat.JSON:  # the same text as json.dumps(all, indent=2)
            text = json.dumps(record, ensure_ascii=False, indent=2)
            out.write(("\n" if incidents == 0 else ",\n") + indent(text, "  "))
        else:
            writer.writerow(csv_row(record))
        incidents += 1
        events += len(record["events"])
    if fmt is ExportFormat.JSON:
        out.write("\n]\n" if incidents else "]\n")
    return incidents, events


def _jsonl(record: Record) -> str:
    """One JSON Lines line: orjson writes what ``json.dumps(record, ensure_ascii=False,
    separators=(",", ":"))`` does for text, integers, booleans and null (checked over every
    code point); a diagnostic's evidence may hold floats, which the two write differently."""
    if not any("evidence" in event for event in record.get("events") or ()):
        try:
            return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode()
        except TypeError:  # an integer past 64 bits: json's own text
            pass
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_row(record: Record) -> list[str]:
    flat = flatten(record)
    cells = [_csv_cell(flat[column]) for column in EXPORT_CSV_COLUMNS[:-2]]
    arrays = (record[key] for key in ("events", "updates"))
    return [
        *cells,
        *(csv_text(json.dumps(a, ensure_ascii=False, separators=(",", ":"))) for a in arrays),
    ]


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return csv_text(value) if isinstance(value, str) else str(value)


def output_file(
    path: Path, *, force: bool = False, protected: Iterable[Path] = ()
) -> AbstractContextManager[IO[str]]:
    """Write an export to ``path``: through a temporary owner-only file, never over the
    database, over an existing file only with ``force`` (see :mod:`inctrack.files`)."""
    return text_output(path, force=force, protected=protected)
