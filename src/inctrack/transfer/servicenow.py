"""ServiceNow incident exports: one row per incident, or an event log of updates.

A ServiceNow export is CSV with the ``incident`` table's column names
(``number``, ``incident_state``, ``opened_at``, ``caller_id``, …). Rows with the
same ``number`` are one incident; in an event log each row is the incident as
it stood after one update (``sys_updated_at``), and the rows of one incident may
be anywhere in the file. So the import runs in two passes:

1. Read the CSV once, parse its dates (reporting the ones that do not parse),
   and write each row to a scratch SQLite file next to the system's temp files.
2. Read the rows back sorted by incident and update time, and fold each
   incident's rows into one :class:`~inctrack.transfer.timeline.Draft` whose timeline
   replays the updates (:class:`~inctrack.transfer.timeline.History`).

Memory stays flat whatever the size of the file: one incident's rows at a time.
Values this module does not know (a state such as ``-100``, an impact of
``4 - Minor``) are counted in the summary, not fatal.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from inctrack.domain import MAX_TITLE, Channel, HoldReason, Level, ResolutionCode, Status
from inctrack.errors import Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.transfer.encoding import dump_row, load_row, undecodable
from inctrack.transfer.fields import Bad, DateReader, level, priority, slug
from inctrack.transfer.importer import (
    Importer,
    Progress,
    TooManyProblems,
    few_collections,
    size_and_position,
)
from inctrack.transfer.summary import MAX_PROBLEMS, ConflictPolicy, Summary
from inctrack.transfer.timeline import Draft, History, Snapshot, apply_history

SOURCE_ACTOR = "servicenow"
"""Who an event is by when the export does not say (no ``sys_updated_by``)."""

DATE_COLUMNS = ("opened_at", "sys_updated_at", "resolved_at", "closed_at")
TEXT_COLUMNS = (
    "number", "incident_state", "state", "caller_id", "category", "subcategory", "impact",
    "urgency", "priority", "assignment_group", "assigned_to", "reassignment_count",
    "reopen_count", "sys_updated_by", "resolved_by", "closed_by", "closed_code",
    "close_code", "close_notes", "contact_type", "u_symptom", "cmdb_ci",
    "short_description", "description", "opened_by", "sys_created_by", "hold_reason",
)  # fmt: skip
COLUMNS = (*DATE_COLUMNS, *TEXT_COLUMNS)
"""The columns read; any others are listed as ignored."""

STATES = {
    "new": Status.NEW, "1": Status.NEW,
    "active": Status.IN_PROGRESS, "in progress": Status.IN_PROGRESS,
    "work in progress": Status.IN_PROGRESS, "assigned": Status.IN_PROGRESS,
    "2": Status.IN_PROGRESS,
    "on hold": Status.ON_HOLD, "pending": Status.ON_HOLD, "3": Status.ON_HOLD,
    "resolved": Status.RESOLVED, "6": Status.RESOLVED,
    "closed": Status.CLOSED, "7": Status.CLOSED,
    "canceled": Status.CANCELLED, "cancelled": Status.CANCELLED, "8": Status.CANCELLED,
}  # fmt: skip
"""ServiceNow states (labels and numeric values); every ``Awaiting …`` is on hold."""

HOLD_WORDS = (
    (("caller", "user", "customer", "evidence", "info"), HoldReason.AWAITING_REPORTER),
    (("vendor", "supplier"), HoldReason.AWAITING_VENDOR),
    (("change",), HoldReason.AWAITING_CHANGE),
    (("part",), HoldReason.AWAITING_PARTS),
)
HOLD_CODES = {"1": HoldReason.AWAITING_REPORTER, "2": HoldReason.AWAITING_CHANGE,
              "3": HoldReason.AWAITING_THIRD_PARTY, "4": HoldReason.AWAITING_VENDOR}  # fmt: skip

CONTACT_TYPES = {
    "phone": Channel.PHONE, "ivr": Channel.PHONE, "email": Channel.EMAIL,
    "e-mail": Channel.EMAIL, "self-service": Channel.PORTAL, "self service": Channel.PORTAL,
    "portal": Channel.PORTAL, "web": Channel.PORTAL, "chat": Channel.CHAT,
    "virtual agent": Channel.CHAT, "walk-in": Channel.WALK_IN, "walk in": Channel.WALK_IN,
    "monitoring": Channel.MONITORING, "alert": Channel.MONITORING,
    "event": Channel.MONITORING, "direct opening": Channel.OTHER, "other": Channel.OTHER,
}  # fmt: skip

CLOSE_CODES = {
    "solved (permanently)": ResolutionCode.FIXED,
    "solved remotely (permanently)": ResolutionCode.FIXED,
    "solved (work around)": ResolutionCode.WORKAROUND,
    "solved remotely (work around)": ResolutionCode.WORKAROUND,
    "workaround provided": ResolutionCode.WORKAROUND,
    "solution provided": ResolutionCode.FIXED,
    "resolved by change": ResolutionCode.FIXED,
    "resolved by problem": ResolutionCode.FIXED,
    "not solved (not reproducible)": ResolutionCode.NO_FAULT,
    "no resolution provided": ResolutionCode.OTHER,
    "not solved (too costly)": ResolutionCode.OTHER,
    "closed/resolved by caller": ResolutionCode.OTHER,
    "resolved by caller": ResolutionCode.OTHER,
    "user error": ResolutionCode.NO_FAULT,
    "known error": ResolutionCode.WORKAROUND,
    "duplicate": ResolutionCode.DUPLICATE,
}

_BATCH = 5000


class Prepared:
    """The rows of a ServiceNow export, parsed and stored in a scratch file for sorting."""

    def __init__(self, summary: Summary, dates: DateReader) -> None:
        self.summary = summary
        self.dates = dates
        self._iso: Callable[[str], str] = lru_cache(maxsize=1 << 16)(
            lambda text: dates(text).isoformat()
        )
        """A date of the file as UTC ISO 8601 (cached: an event log repeats its dates)."""
        self._directory = tempfile.TemporaryDirectory(prefix="inctrack-import-")
        self.db = sqlite3.connect(Path(self._directory.name) / "rows.db")
        self.db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE TABLE rows (seq INTEGER PRIMARY KEY, number TEXT NOT NULL, updated TEXT,"
            " line INTEGER NOT NULL, data TEXT NOT NULL);"
        )

    def __enter__(self) -> Prepared:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._directory.cleanup()

    def read(self, stream: IO[str], *, nulls: frozenset[str], progress: Progress | None) -> None:
        """Pass 1: every row, its dates parsed, into the scratch file."""
        summary = self.summary
        reader = csv.reader(stream)
        size, position = size_and_position(stream)
        try:
            header = next(reader, None)
            if header is None:
                raise Rejected(f"{summary.source} is empty: not even a header row.")
            columns = [name.strip().lower() for name in header]
            if "number" not in columns:
                raise Rejected(
                    f"{summary.source} has no number column, so it is not a ServiceNow "
                    f"incident export (its columns are {', '.join(header)})."
                )
            summary.ignored_columns.extend(c for c in columns if c not in COLUMNS)
            wanted = [(i, name) for i, name in enumerate(columns) if name in COLUMNS]
            batch: list[tuple[str, str | None, int, str | bytes]] = []
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue
                summary.rows += 1
                if len(row) != len(header):
                    self._problem(line, f"has {len(row)} fields where the header has {len(header)}")
                    continue
                values = {}
                for index, name in wanted:
                    cell = row[index].strip()
                    values[name] = None if (not cell or cell in nulls) else cell
                stored = self._row(values, line)
                if stored is not None:
                    batch.append(stored)
                if len(batch) >= _BATCH:
                    self._store(batch)
                    if progress is not None:
                        progress("Reading", position(), size)
            self._store(batch)
            if progress is not None:
                progress("Reading", size or 0, size)
        except UnicodeDecodeError as exc:
            raise undecodable(summary.source, exc, stream) from None
        except csv.Error as exc:
            raise Rejected(
                f"{summary.source} is not valid CSV at line {reader.line_num} ({exc}); "
                "nothing was imported."
            ) from None

    def _problem(self, line: int, message: str) -> None:
        self.summary.problems.append((line, message))
        if len(self.summary.problems) >= MAX_PROBLEMS:
            raise TooManyProblems

    def _row(
        self, values: dict[str, str | None], line: int
    ) -> tuple[str, str | None, int, str | bytes] | None:
        number = values.get("number")
        if number is None:
            self._problem(line, "has no number")
            return None
        for name in DATE_COLUMNS:
            text = values.get(name)
            if text is None:
                continue
            try:
                values[name] = self._iso(text)
            except Bad as exc:
                self._problem(line, f"{name} {text!r} {exc}; {self.dates.hint()}")
                return None
        updated = values.get("sys_updated_at") or values.get("opened_at")
        return number, updated, line, dump_row(values)

    def _store(self, batch: list[tuple[str, str | None, int, str | bytes]]) -> None:
        self.db.executemany("INSERT INTO rows (number, updated, line, data) VALUES (?, ?, ?, ?)",
                            batch)  # fmt: skip
        batch.clear()

    def incidents(self) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """Pass 2: each incident's rows, oldest update first; incidents in file order."""
        self.db.executescript(
            "CREATE TABLE firsts AS SELECT number, MIN(seq) AS first FROM rows GROUP BY number;"
            "CREATE INDEX rows_by_number ON rows (number);"
        )
        query = (
            "SELECT f.first, r.line, r.data FROM rows r JOIN firsts f ON f.number = r.number "
            "ORDER BY f.first, r.updated, r.seq"
        )
        for _, rows in groupby(self.db.execute(query), key=itemgetter(0)):
            yield [(line, load_row(data)) for _, line, data in rows]

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(DISTINCT number) FROM rows").fetchone()[0])

    def load(
        self,
        tracker: Tracker,
        *,
        on_conflict: ConflictPolicy = ConflictPolicy.SKIP,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> Summary:
        """Fold and write every incident in the tracker's transaction (the writing half)."""
        summary = self.summary
        verdict = summary.verdict()
        if verdict is not None and not dry_run:
            raise verdict
        importer = Importer(tracker, summary, on_conflict=on_conflict, dry_run=dry_run)
        folder = Folder(importer)
        total = self.count()
        with few_collections():
            try:
                for done, rows in enumerate(self.incidents(), 1):
                    draft = folder.fold(rows)
                    if draft is not None:
                        importer.add(draft)
                    if progress is not None and done % 1000 == 0:
                        progress("Importing", done, total)
            except TooManyProblems:
                pass
            summary = importer.finish()
        if progress is not None:
            progress("Importing", total, total)
        return summary


def prepare(
    stream: IO[str],
    summary: Summary,
    *,
    dates: DateReader,
    nulls: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> Prepared:
    """Pass 1 of a ServiceNow import, outside any database transaction."""
    summary.origin = "servicenow"
    prepared = Prepared(summary, dates)
    try:
        prepared.read(stream, nulls=nulls, progress=progress)
    except TooManyProblems:
        pass
    except BaseException:
        prepared.close()
        raise
    return prepared


class Folder:
    """Folds the rows of one ServiceNow incident into a draft."""

    def __init__(self, importer: Importer) -> None:
        self.importer = importer
        self.summary = importer.summary
        self.policy = importer.tracker.policy()

    def _mapped(self, column: str, text: str | None, parse: Any) -> Any:
        if text is None:
            return None
        try:
            return parse(text)
        except Bad:
            self.summary.unknown(column, text)
            return None

    def _priority(self, row: dict[str, Any], impact: str | None, urgency: str | None) -> Any:
        if "priority" in row:
            return self._mapped("priority", row["priority"], priority)
        found = self.policy.priority_for(
            Level(impact) if impact else None, Level(urgency) if urgency else None
        )
        return found.value if found else None

    def _state(self, row: dict[str, Any], previous: Status) -> tuple[Status, str | None]:
        label = row.get("incident_state") or row.get("state")
        if label is None:
            return previous, None
        key = label.strip().lower()
        if key.startswith("awaiting"):
            return Status.ON_HOLD, label
        status = STATES.get(key)
        if status is None:
            self.summary.unknown("incident_state", label)
            return previous, label
        return status, label

    def _hold_reason(self, row: dict[str, Any], label: str | None) -> str:
        code = row.get("hold_reason")
        if code in HOLD_CODES:
            return HOLD_CODES[code].value
        text = (code or label or "").lower()
        for words, reason in HOLD_WORDS:
            if any(word in text for word in words):
                return reason.value
        return HoldReason.AWAITING_THIRD_PARTY.value

    def fold(self, rows: list[tuple[int, dict[str, Any]]]) -> Draft | None:
        line, first = rows[0]
        last = rows[-1][1]
        number = first["number"]
        opened = next((r["opened_at"] for _, r in rows if r.get("opened_at")), None)
        updated = [r["sys_updated_at"] for _, r in rows if r.get("sys_updated_at")]
        reported_text = opened or (min(updated) if updated else None)
        if reported_text is None:
            self.importer.problem(line, f"{number} has neither opened_at nor sys_updated_at")
            return None
        reported = _instant(reported_text)
        title, description = self._title(rows, number)
        logger = first.get("opened_by") or first.get("sys_created_by") or SOURCE_ACTOR
        history = History(reported_at=reported, title=title, actor=logger)
        status = Status.NEW
        snap: Snapshot | None = None
        for _, row in rows:
            status, label = self._state(row, status)
            impact = self._mapped("impact", row.get("impact"), level)
            urgency = self._mapped("urgency", row.get("urgency"), level)
            category = _slug(row.get("category") or "")
            subcategory = _slug(row.get("subcategory") or "")
            code, note = self._resolution(row)
            snap = Snapshot(
                at=_instant(row.get("sys_updated_at") or row.get("opened_at") or reported_text),
                actor=row.get("sys_updated_by") or SOURCE_ACTOR,
                status=status.value,
                tracked={
                    "category": (f"{category}/{subcategory}" if subcategory else category)
                    if category else None,
                    "impact": impact, "urgency": urgency,
                    "priority": self._priority(row, impact, urgency),
                    "group": row.get("assignment_group"), "assignee": row.get("assigned_to"),
                },
                hold_reason=self._hold_reason(row, label) if status == Status.ON_HOLD else None,
                resolved_at=_optional_instant(row.get("resolved_at")),
                closed_at=_optional_instant(row.get("closed_at")),
                resolution_code=code,
                resolution_note=note,
                resolver=row.get("resolved_by"),
                closer=row.get("closed_by"),
                state_label=label,
            )  # fmt: skip
            history.apply(snap)
        assert snap is not None
        self.summary.moved_forward += history.clamped
        tracked = snap.tracked
        category, _, subcategory = (tracked["category"] or "").partition("/")
        values: dict[str, Any] = {
            "title": title,
            "description": description,
            "reporter": self._reporter(rows),
            "reporter_contact": None,
            "reported_at": reported,
            "logged_at": self.importer.now,
            "logged_by": self.importer.actor,
            "channel": self._mapped("contact_type", last.get("contact_type"), _channel),
            "service": last.get("cmdb_ci"),
            "category": category or None,
            "subcategory": subcategory or None,
            "impact": tracked["impact"],
            "urgency": tracked["urgency"],
            "priority": tracked["priority"],
            "status": history.status.value,
            "hold_reason": history.hold_reason,
            "tier": 1,
            "assignment_group": tracked["group"],
            "assignee": tracked["assignee"],
            "owner": None,
            "major": False,
            "roles": {},
            "resolution_code": snap.resolution_code,
            "resolution_note": snap.resolution_note,
            "confirmed_by": None,
            "reopen_count": self._count(last, "reopen_count"),
            "reassignment_count": self._count(last, "reassignment_count"),
            "dedup_key": None,
            "occurrences": 1,
            "problem_id": None,
            "external_id": number,
        }
        apply_history(values, history)
        return Draft(line, None, values, history.events)

    def _title(self, rows: list[tuple[int, dict[str, Any]]], number: str) -> tuple[str, str | None]:
        def latest(column: str) -> str | None:
            return next((r[column] for _, r in reversed(rows) if r.get(column)), None)

        short, description, symptom = (
            latest("short_description"), latest("description"), latest("u_symptom"),
        )  # fmt: skip
        category = latest("category")
        subcategory = latest("subcategory")
        label = " / ".join(x for x in (category, subcategory) if x) or None
        title = short or symptom or label or number
        extra = []
        if len(title) > MAX_TITLE:
            extra.append(title)
            title = title[: MAX_TITLE - 1].rstrip() + "…"
        if symptom and title != symptom:
            extra.append(f"Symptom: {symptom}")
        if description:
            extra.append(description)
        return title, "\n\n".join(extra) or None

    def _reporter(self, rows: list[tuple[int, dict[str, Any]]]) -> str:
        caller = next((r["caller_id"] for _, r in reversed(rows) if r.get("caller_id")), None)
        if caller is None:
            self.summary.unknown("caller_id", "(empty: reporter set to 'unknown')")
            return "unknown"
        return str(caller)

    def _resolution(self, row: dict[str, Any]) -> tuple[str | None, str | None]:
        text = row.get("closed_code") or row.get("close_code")
        notes = row.get("close_notes")
        if text is None:
            return None, notes
        code = CLOSE_CODES.get(text.strip().lower())
        if code is None:
            self.summary.unknown("closed_code", text)
            return ResolutionCode.OTHER.value, notes or text
        return code.value, notes

    def _count(self, row: dict[str, Any], column: str) -> int | None:
        text = row.get(column)
        if text is None:
            return None
        if re.fullmatch(r"\d+", text.strip()):
            return int(text)
        self.summary.unknown(column, text)
        return None


_slug = lru_cache(maxsize=4096)(slug)


def _channel(text: str) -> str:
    channel = CONTACT_TYPES.get(text.strip().lower())
    if channel is None:
        raise Bad("is not a known contact type")
    return channel.value


@lru_cache(maxsize=1 << 16)
def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _optional_instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
