"""Export and import: every incident with its whole history, out and back in.

**Export** streams incidents in ID order, a thousand at a time with their
events, as JSON Lines, one JSON array or CSV, with every stored field and
every event column. The computed ``sla`` object is left out: it depends on the
moment it is computed and on the policy, so two exports of the same data would
differ, and an import could not store it anyway.

**Import** reads those files back (``inctrack.transfer.readers``; any CSV through a
column mapping; ServiceNow exports through ``inctrack.transfer.servicenow``), and the
:class:`Importer` writes the drafts with bulk inserts in the caller's one
transaction: a file with a problem writes nothing. An incident keeps its
``INC-n`` (one from another tool gets a new number and keeps its own in
``external_id``); one that is already there is skipped, updated (fields
replaced, only the events it lacks appended) or refused.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from operator import itemgetter
from pathlib import Path
from textwrap import indent
from typing import IO, Any, Protocol, cast

from sqlalchemy import Index, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from inctrack.admin.taxonomy import join
from inctrack.domain import format_incident_id
from inctrack.errors import Conflict, InctrackError, NotFound, Rejected, UsageError
from inctrack.incidents.queries import IncidentQuery, incident_filters
from inctrack.incidents.tracker import Tracker
from inctrack.records import INCIDENT_CSV_COLUMNS, Record, flatten, incident_record
from inctrack.storage.models import Event, Incident
from inctrack.transfer.fields import DateReader
from inctrack.transfer.readers import EVENT_KEYS, MAX_PROBLEMS, RecordReader
from inctrack.transfer.timeline import Draft, EventRow

INCIDENTS: Table = SQLModel.metadata.tables["incidents"]
EVENTS: Table = SQLModel.metadata.tables["events"]
CATEGORIES: Table = SQLModel.metadata.tables["categories"]
COUNTERS: Table = SQLModel.metadata.tables["counters"]
REPORT_INDEXES = frozenset(
    f"ix_incidents_{key}_reported_at"
    for key in ("category_subcategory", "service", "priority", "channel", "group")
)
"""The trend reports' indexes (migration 0005): nothing during an import reads them."""

EXPORT_CHUNK = 1000
"""Incidents read per query while exporting (their events come in one more)."""
IMPORT_CHUNK = 2000
"""Incidents written per bulk insert while importing."""

EXPORT_CSV_COLUMNS = (
    *(column for column in INCIDENT_CSV_COLUMNS if not column.startswith("sla_")),
    "events",
)
"""Columns of an export in CSV: the incident's (without the SLA clocks), then its
events as one JSON array."""


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"


InputFormat = ExportFormat
"""What import reads is what export writes."""


class ConflictPolicy(StrEnum):
    SKIP = "skip"
    UPDATE = "update"
    FAIL = "fail"


class Progress(Protocol):
    """Told how far a long import has got: ``what`` is being done, ``done`` of ``total``."""

    def __call__(self, what: str, done: int, total: int | None) -> None: ...


# -- export --------------------------------------------------------------------------


def export_records(tracker: Tracker, query: IncidentQuery) -> Iterator[Record]:
    """Every incident matching ``query`` with its events, by ID, read in chunks."""
    session = tracker.session
    if session.get_bind().dialect.name == "postgresql":  # one snapshot for every chunk
        session.connection().exec_driver_sql(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        )
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
        events: dict[int, list[Any]] = defaultdict(list)
        event_query = (
            select(EVENTS)
            .where(EVENTS.c.incident_id.in_(ids))
            .order_by(EVENTS.c.incident_id, EVENTS.c.id)
        )
        for event in session.execute(event_query):
            events[event.incident_id].append(event)
        for row in rows:
            yield export_record(row, events.get(row.id, []))
        last = ids[-1]


def export_record(incident: Any, events: Sequence[Any]) -> Record:
    """The incident's public record without ``sla``, with every event: one export line."""
    record = incident_record(cast(Incident, incident), events=cast(list[Event], list(events)))
    del record["sla"]
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
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
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


def csv_row(record: Record) -> list[str]:
    flat = flatten(record)
    cells = [_csv_cell(flat[column]) for column in EXPORT_CSV_COLUMNS[:-1]]
    return [*cells, json.dumps(record["events"], ensure_ascii=False, separators=(",", ":"))]


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@contextmanager
def output_file(path: Path) -> Iterator[IO[str]]:
    """Write to ``path`` through a temporary name: a failed export leaves no half file."""
    partial = path.with_name(path.name + ".partial")
    try:
        handle = open(partial, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise Rejected(f"Cannot write {path}: {exc.strerror}.") from None
    try:
        with handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# -- import: the summary -----------------------------------------------------------------


@dataclass
class Summary:
    """What an import did (or, with ``--dry-run``, would do), and what it could not read."""

    source: str
    format: str
    origin: str = "inctrack"
    dry_run: bool = False
    on_conflict: str = "skip"
    rows: int = 0
    incidents: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    events: int = 0
    categories_added: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    unknown_values: dict[tuple[str, str], int] = field(default_factory=dict)
    moved_forward: int = 0
    """Synthesized event times moved up to the event before them."""
    conflicts: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    line_word: str = "line"
    """What ``problems`` count in: lines, or records of a JSON array."""

    def unknown(self, column: str, value: str) -> None:
        """Count a row with a value the import does not know (not fatal: ServiceNow)."""
        key = (column, value)
        if (
            key not in self.unknown_values
            and sum(c == column for c, _ in self.unknown_values) >= 20
        ):
            key = (column, "(other values)")
        self.unknown_values[key] = self.unknown_values.get(key, 0) + 1

    def record(self) -> Record:
        warnings = []
        if self.moved_forward:
            warnings.append(
                f"{self.moved_forward} event time(s) earlier than the event before them were "
                "moved forward to it: a timeline only moves forward"
            )
        return {
            "source": self.source,
            "format": self.format,
            "from": self.origin,
            "dry_run": self.dry_run,
            "on_conflict": self.on_conflict,
            "rows": self.rows,
            "incidents": self.incidents,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "events": self.events,
            "categories_added": list(self.categories_added),
            "ignored_columns": list(self.ignored_columns),
            "unknown_values": [
                {"column": column, "value": value, "count": count}
                for (column, value), count in sorted(self.unknown_values.items())
            ],
            "warnings": warnings,
            "conflicts": list(self.conflicts),
            "problems": [{"line": line, "message": text} for line, text in self.problems],
        }

    def verdict(self) -> InctrackError | None:
        """How the import ends: problems (exit 4), else a refused conflict (exit 6)."""
        if self.problems:
            count = len(self.problems)
            shown = "; ".join(f"{self.line_word} {n}: {text}" for n, text in self.problems[:3])
            more = f"; and {count - 3} more" if count > 3 else ""
            many = "at least " if count >= MAX_PROBLEMS else ""
            return Rejected(
                f"{self.source} has {many}{count} problem{'s' if count > 1 else ''}, so nothing "
                f"was imported: {shown}{more}; fix the file (--dry-run lists every problem)."
            )
        if self.conflicts and self.on_conflict == ConflictPolicy.FAIL:
            return Conflict(
                f"{self.conflicts[0]} is already in the database, so nothing would be "
                "imported; use --on-conflict skip or update."
            )
        return None


SUMMARY_CSV_COLUMNS = (
    "source", "format", "from", "dry_run", "on_conflict", "rows", "incidents", "created",
    "updated", "unchanged", "skipped", "events", "categories_added", "ignored_columns",
    "warnings", "conflicts",
)  # fmt: skip
"""The summary in CSV: its scalars, and its lists of words joined by commas."""


class TooManyProblems(Exception):
    """Raised to stop reading: the file needs fixing anyway."""


# -- import: writing ---------------------------------------------------------------------


class Importer:
    """Writes drafts in bulk inside the tracker's transaction, deciding conflicts.

    Nothing is written once a problem is found (reading goes on, to report the
    others), and :meth:`finish` raises so that the caller rolls back; with
    ``dry_run`` every look-up is made and nothing is written.
    """

    def __init__(
        self,
        tracker: Tracker,
        summary: Summary,
        *,
        on_conflict: ConflictPolicy = ConflictPolicy.SKIP,
        dry_run: bool = False,
    ) -> None:
        tracker.work.authorize("import")
        self.tracker = tracker
        self.summary = summary
        self.on_conflict = on_conflict
        self.dry_run = dry_run
        self.connection = tracker.session.connection()
        self.bulk = BulkInsert(self.connection)
        self.now = tracker.work.now()
        self.actor = tracker.actor
        self.pending: list[Draft] = []
        self.given: dict[int, int] = {}
        """INC numbers the file gives -> the line that gave them."""
        self.assigned: set[int] = set()
        """Numbers handed out in this import to incidents that came without one."""
        self.created: set[int] = set()
        self.externals: dict[str, int] = {}
        self.links: list[tuple[int, int | None, int]] = []
        """(incident, duplicate_of, line): set once every incident is in."""
        self.categories = {path for (path,) in self.connection.execute(select(CATEGORIES.c.path))}
        self.seen_categories: set[tuple[str, str | None]] = set()
        counter = select(COUNTERS.c.value).where(COUNTERS.c.name == "incident")
        if not dry_run:  # hold the counter's row lock: concurrent `log`s wait for us
            counter = counter.with_for_update()
        self.counter = int(self.connection.execute(counter).scalar_one())
        top = self.connection.execute(select(func.max(INCIDENTS.c.id))).scalar_one()
        self.next_number = max(self.counter, top or 0)
        self.deferred: list[Index] = []
        """Report indexes dropped while loading an empty database, rebuilt in :meth:`finish`."""
        if top is None and not dry_run:
            # Building an index once over the loaded rows is cheaper than keeping five
            # up to date row by row (8,700 -> 10,300 incidents/s, measured); the
            # transaction makes the drop invisible to others and undoes it on failure.
            self.deferred = [i for i in INCIDENTS.indexes if i.name in REPORT_INDEXES]
            for index in self.deferred:
                index.drop(self.connection)

    @property
    def writing(self) -> bool:
        return not self.dry_run and not self.summary.problems

    def problem(self, line: int, message: str) -> None:
        self.summary.problems.append((line, message))
        if len(self.summary.problems) >= MAX_PROBLEMS:
            raise TooManyProblems

    def add(self, draft: Draft) -> None:
        self.summary.incidents += 1
        number, external, word = draft.number, draft.external_id, self.summary.line_word
        if number is not None:
            if number in self.given:
                name = format_incident_id(number)
                self.problem(draft.line, f"{name} is also on {word} {self.given[number]}")
                return
            if number in self.assigned:
                self.problem(
                    draft.line,
                    f"{format_incident_id(number)} was already given to an incident above that "
                    "had no ID; give every incident its ID, or none",
                )
                return
            self.given[number] = draft.line
        elif external is not None:
            if external in self.externals:
                where = f"{word} {self.externals[external]}"
                self.problem(draft.line, f"external_id {external!r} is also on {where}")
                return
            self.externals[external] = draft.line
        self.pending.append(draft)
        if len(self.pending) >= IMPORT_CHUNK:
            self.flush()

    def flush(self) -> None:
        drafts, self.pending = self.pending, []
        if not drafts:
            return
        numbers = [d.number for d in drafts if d.number is not None]
        existing = set(self._ids(numbers))
        externals = [d.external_id for d in drafts if d.number is None and d.external_id]
        by_external: dict[str, int] = {}
        if externals:
            statement = (
                select(INCIDENTS.c.external_id, func.min(INCIDENTS.c.id))
                .where(INCIDENTS.c.external_id.in_(externals))
                .group_by(INCIDENTS.c.external_id)
            )
            by_external = {str(e): int(i) for e, i in self.connection.execute(statement)}
        creates: list[tuple[int, Draft]] = []
        updates: list[tuple[int, Draft]] = []
        for draft in drafts:
            if draft.number is not None:
                target = draft.number if draft.number in existing else None
            else:
                target = by_external.get(draft.external_id or "")
            if target is None:
                creates.append((draft.number or self._new_number(), draft))
            elif self.on_conflict is ConflictPolicy.SKIP:
                self.summary.skipped += 1
            elif self.on_conflict is ConflictPolicy.FAIL:
                self._clash(target, draft)
            else:
                updates.append((target, draft))
        for _, draft in creates + updates:
            self._category(draft.values["category"], draft.values["subcategory"])
        self._create(creates)
        if updates:
            self._update(updates)

    def _new_number(self) -> int:
        number = self.next_number + 1
        while number in self.given:
            number += 1
        self.next_number = number
        self.assigned.add(number)
        return number

    def _clash(self, target: int, draft: Draft) -> None:
        name = format_incident_id(target)
        if draft.number is None:
            name = f"{draft.external_id} ({name})"
        if not self.dry_run:
            raise Conflict(
                f"{name} from {self.summary.line_word} {draft.line} is already in the database, "
                "so nothing was imported; use --on-conflict skip or update (--dry-run lists "
                "every clash)."
            )
        if len(self.summary.conflicts) < MAX_PROBLEMS:
            self.summary.conflicts.append(name)

    def _category(self, category: str | None, subcategory: str | None) -> None:
        """A category the taxonomy lacks is added to it (and listed in the summary)."""
        if category is None or (category, subcategory) in self.seen_categories:
            return
        self.seen_categories.add((category, subcategory))
        for path in (category, join(category, subcategory)):
            if path in self.categories:
                continue
            self.categories.add(path)
            self.summary.categories_added.append(path)
            if self.writing:
                self.connection.execute(insert(CATEGORIES).values(path=path, created_at=self.now))

    def _create(self, creates: list[tuple[int, Draft]]) -> None:
        self.summary.created += len(creates)
        self.summary.events += sum(len(d.events) for _, d in creates)
        for number, draft in creates:
            self.created.add(number)
            if draft.duplicate_of is not None:
                self.links.append((number, draft.duplicate_of, draft.line))
        if not self.writing or not creates:
            return
        self.bulk.incidents((number, d.values) for number, d in creates)
        self.bulk.events((number, event) for number, d in creates for event in d.events)

    def _update(self, updates: list[tuple[int, Draft]]) -> None:
        """Replace the fields (not ``logged_at``/``logged_by``: when and by whom inctrack
        first recorded it) and append the events the incident does not have yet."""
        ids = [target for target, _ in updates]
        rows = self.connection.execute(select(INCIDENTS).where(INCIDENTS.c.id.in_(ids)))
        current = {row.id: row for row in rows}
        have: dict[int, Tally[tuple[Any, ...]]] = defaultdict(Tally)
        columns = [EVENTS.c.incident_id, *(EVENTS.c[key] for key in EVENT_KEYS)]
        for row in self.connection.execute(select(*columns).where(EVENTS.c.incident_id.in_(ids))):
            have[row[0]][tuple(row[1:])] += 1
        appended: list[tuple[int, EventRow]] = []
        for target, draft in updates:
            row = current[target]
            changes = {
                key: value
                for key, value in draft.values.items()
                if key not in ("logged_at", "logged_by") and getattr(row, key) != value
            }
            seen = have[target]
            missing = []
            for event in draft.events:  # an event is all its eight values
                if seen[event] > 0:
                    seen[event] -= 1
                else:
                    missing.append(event)
            relinked = row.duplicate_of != draft.duplicate_of
            if relinked:
                self.links.append((target, draft.duplicate_of, draft.line))
            if not (changes or missing or relinked):
                self.summary.unchanged += 1
                continue
            self.summary.updated += 1
            self.summary.events += len(missing)
            appended.extend((target, event) for event in missing)
            if changes and self.writing:
                statement = update(INCIDENTS).where(INCIDENTS.c.id == target)
                self.connection.execute(statement.values(**changes))
        if self.writing:
            self.bulk.events(appended)

    def finish(self) -> Summary:
        """Write what is pending, link duplicates, move the ID counter on; unless this is a
        dry run, raise the verdict (the caller rolls back: nothing is written)."""
        try:
            self.flush()
            self._link()
        except TooManyProblems:
            pass
        for index in self.deferred:
            index.create(self.connection)
        if self.writing:
            top = self.connection.execute(select(func.max(INCIDENTS.c.id))).scalar_one() or 0
            if top > self.counter:
                statement = update(COUNTERS).where(COUNTERS.c.name == "incident")
                self.connection.execute(statement.values(value=top))
        if not self.dry_run:
            verdict = self.summary.verdict()
            if verdict is not None:
                raise verdict
        return self.summary

    def _link(self) -> None:
        wanted = sorted({t for _, t, _ in self.links if t is not None} - self.created)
        found = set(self._ids(wanted))
        values = []
        for number, target, line in self.links:
            if target is not None and target not in found and target not in self.created:
                name = format_incident_id(target)
                self.problem(
                    line, f"duplicate_of {name} is neither in the file nor in the database"
                )
            values.append({"number": number, "target": target})
        if values and self.writing:
            statement = (
                update(INCIDENTS)
                .where(INCIDENTS.c.id == bindparam("number"))
                .values(duplicate_of=bindparam("target"))
            )
            self.connection.execute(statement, values)

    def _ids(self, numbers: Sequence[int]) -> list[int]:
        """Which of ``numbers`` are incidents in the database."""
        found: list[int] = []
        for start in range(0, len(numbers), IMPORT_CHUNK):
            chunk = numbers[start : start + IMPORT_CHUNK]
            statement = select(INCIDENTS.c.id).where(INCIDENTS.c.id.in_(chunk))
            found.extend(int(n) for n in self.connection.execute(statement).scalars())
        return found


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
        *(c.name for c in INCIDENTS.columns if c.name not in ("id", "duplicate_of")),
    )
    """Duplicates are linked once every incident is in (the targets may come later)."""
    EVENT_COLUMNS = ("incident_id", *EVENT_KEYS)

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.sqlite = self.dialect == "sqlite"
        self._fields = itemgetter(*self.INCIDENT_COLUMNS[2:])
        self._convert = self._converters(INCIDENTS, self.INCIDENT_COLUMNS)

    def incidents(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        times = _SqliteTimes()
        convert = [(i, times.__getitem__ if f is _sqlite_time else f) for i, f in self._convert]
        fields = self._fields
        values = [_converted((number, None, *fields(d)), convert) for number, d in rows]
        self._insert(INCIDENTS, self.INCIDENT_COLUMNS, values)

    def events(self, rows: Iterable[tuple[int, EventRow]]) -> None:
        values: list[tuple[Any, ...]]
        if self.sqlite:
            times = _SqliteTimes()  # an incident's events share times: each formatted once
            values = [(number, times[e[0]], times[e[1]], *e[2:]) for number, e in rows]
        else:
            values = [(number, *e) for number, e in rows]
        self._insert(EVENTS, self.EVENT_COLUMNS, values)

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
            with (
                raw.cursor() as cursor,  # type: ignore[union-attr]
                cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
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


# -- import: the entry point -------------------------------------------------------------


def guess_format(source: str, given: InputFormat | None) -> InputFormat:
    """``--format``, else the file name's: ``.jsonl``/``.ndjson``, ``.json``, ``.csv``."""
    if given is not None:
        return given
    suffix = Path(source).suffix.lower()
    found = {".jsonl": InputFormat.JSONL, ".ndjson": InputFormat.JSONL,
             ".json": InputFormat.JSON, ".csv": InputFormat.CSV}.get(suffix)  # fmt: skip
    if found is None:
        what = "standard input" if source == "-" else source
        raise UsageError(f"Cannot tell the format of {what}; say --format jsonl, json or csv.")
    return found


def open_source(source: str, *, encoding: str, stdin: IO[bytes] | None = None) -> IO[str]:
    """The file (``-``: ``stdin``) as text, newlines untouched; a UTF-8 BOM is skipped."""
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        "".encode(codec)
    except LookupError:
        raise UsageError(f"{encoding!r} is not a text encoding; try utf-8 or latin-1.") from None
    if source == "-":
        if stdin is None:
            raise UsageError("Reading standard input (-) needs a stream to read.")
        return io.TextIOWrapper(stdin, encoding=codec, newline="")
    try:
        return open(source, encoding=codec, newline="")
    except FileNotFoundError:
        raise NotFound(f"There is no file {source}.") from None
    except OSError as exc:
        raise Rejected(f"Cannot read {source}: {exc.strerror}.") from None


def import_file(
    tracker: Tracker,
    stream: IO[str],
    summary: Summary,
    *,
    fmt: InputFormat,
    dates: DateReader,
    mapping: dict[str, str] | None = None,
    translate: dict[str, dict[str, str]] | None = None,
    nulls: Iterable[str] = (),
    on_conflict: ConflictPolicy = ConflictPolicy.SKIP,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Summary:
    """Import an inctrack export (or, with ``mapping``, any CSV) inside the tracker's
    transaction; raises, having written nothing, on a problem, unless ``dry_run``."""
    importer = Importer(tracker, summary, on_conflict=on_conflict, dry_run=dry_run)
    reader = RecordReader(importer, dates=dates, nulls=nulls, translate=translate)
    if fmt is InputFormat.JSONL:
        drafts = reader.jsonl(stream)
    elif fmt is InputFormat.JSON:
        drafts = reader.json(stream)
    else:
        drafts = reader.csv(stream, mapping or {})
    size, position = size_and_position(stream)
    with few_collections():
        try:
            for count, draft in enumerate(drafts, 1):
                importer.add(draft)
                if progress is not None and count % 1000 == 0:
                    progress("Importing", position(), size)
        except TooManyProblems:
            pass
        finished = importer.finish()
    if progress is not None:
        progress("Importing", size or 0, size)
    return finished


@contextmanager
def few_collections() -> Iterator[None]:
    """Fewer garbage-collector passes while importing: the records read are not cycles and
    die young, yet each pass walks every object alive (a third of the time, measured)."""
    threshold = gc.get_threshold()
    gc.freeze()  # what exists now (modules, metadata, caches) is never collected
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@dataclass(frozen=True)
class ImportOptions:
    """What ``inctrack import`` was asked to do."""

    source: str
    """A file name, or ``-`` for standard input."""
    fmt: InputFormat | None = None
    """None: from the file name (CSV for ServiceNow, and for `--map` on stdin)."""
    origin: str = "inctrack"
    """``inctrack`` (an export, or any CSV with ``mapping``) or ``servicenow``."""
    mapping: Sequence[str] = ()
    values: Sequence[str] = ()
    nulls: Sequence[str] = ()
    dayfirst: bool = False
    date_format: str | None = None
    encoding: str = "utf-8"
    on_conflict: ConflictPolicy = ConflictPolicy.SKIP
    dry_run: bool = False


def run_import(
    options: ImportOptions,
    *,
    tracker: Callable[..., AbstractContextManager[Tracker]],
    tz: tzinfo,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
) -> Summary:
    """The whole of ``inctrack import``: ``tracker(write=...)`` opens the one transaction.

    A ServiceNow file is read (and sorted) before the transaction begins. Raises the
    verdict (problems, exit 4; a refused conflict, exit 6) unless this is a dry run,
    whose summary says what would happen and whose verdict the caller raises after
    showing it.
    """
    from inctrack.transfer import servicenow
    from inctrack.transfer.readers import parse_mapping, parse_values

    servicenow_file = options.origin == "servicenow"
    if servicenow_file or (options.mapping and options.fmt is None and options.source == "-"):
        fmt = InputFormat.CSV  # what else could a column map mean
    else:
        fmt = guess_format(options.source, options.fmt)
    if servicenow_file and (options.mapping or options.values):
        raise UsageError(
            "--map and --value are for other CSV files; a ServiceNow export is read by its "
            "own column names (docs/reference/formats.md)."
        )
    if fmt is not InputFormat.CSV and (options.mapping or options.dayfirst or options.date_format):
        raise UsageError(
            "--map, --dayfirst and --date-format are for CSV files; JSON files have field "
            "names and ISO 8601 dates."
        )
    mapping, translate = parse_mapping(options.mapping), parse_values(options.values)
    summary = Summary(options.source, fmt.value, dry_run=options.dry_run,
                      on_conflict=options.on_conflict.value)  # fmt: skip
    dates = DateReader(tz, dayfirst=options.dayfirst, date_format=options.date_format,
                       lenient=fmt is InputFormat.CSV)  # fmt: skip
    write = not options.dry_run
    with open_source(options.source, encoding=options.encoding, stdin=stdin) as stream:
        if servicenow_file:
            nulls = frozenset(options.nulls)
            prepared = servicenow.prepare(stream, summary, dates=dates, nulls=nulls,
                                          progress=progress)  # fmt: skip
            with prepared, tracker(write=write) as inside:
                return prepared.load(inside, on_conflict=options.on_conflict,
                                     dry_run=options.dry_run, progress=progress)  # fmt: skip
        with tracker(write=write) as inside:
            return import_file(
                inside, stream, summary, fmt=fmt, dates=dates, mapping=mapping,
                translate=translate, nulls=options.nulls, on_conflict=options.on_conflict,
                dry_run=options.dry_run, progress=progress,
            )  # fmt: skip


def size_and_position(stream: IO[str]) -> tuple[int | None, Callable[[], int]]:
    """The file's size and how far reading has got, in bytes, for a progress bar."""
    raw = getattr(stream, "buffer", None)
    try:
        size = os.fstat(stream.fileno()).st_size
        position = raw.tell if raw is not None else None
        if position is None:
            return None, lambda: 0
        position()
    except (OSError, AttributeError, io.UnsupportedOperation, ValueError):
        return None, lambda: 0
    return (size or None), lambda: int(position())
