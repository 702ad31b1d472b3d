"""``db verify``: is the history what was written, and do the incidents agree with it?

Three checks, each a :class:`~inctrack.storage.check.Finding`:

- **chain**: every event's ``prev_hash`` is the hash of the event before it (in id
  order) and its ``hash`` is recomputed from its canonical content
  (:mod:`inctrack.storage.chain`); the first event that does not match is named.
  The last event must be the chain head's: events deleted from the end show there.
- **incidents**: each incident row agrees with its events. Replaying the events in
  order, the last ``new`` value of each field they set must be the field's value in
  the row (status, priority, impact, urgency, tier, assignee, owner, major, roles,
  occurrences, links, the edited fields), and ``version`` must be the number of
  events. ``category`` and ``group`` are not compared: a ``category rename`` or
  ``group rename`` relabels incidents without an event, by design.
- **anchor** (with ``--anchor FILE``): the chain still extends the head written to
  FILE earlier; a missing FILE is written with the current head once all else passed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from inctrack.domain import format_incident_id, format_problem_id
from inctrack.errors import Rejected
from inctrack.storage.chain import GENESIS, Chain, event_hash
from inctrack.storage.check import Finding
from inctrack.storage.engine import Database
from inctrack.storage.models import Event, Incident

EVENTS: Table = Event.__table__  # type: ignore[attr-defined]
INCIDENTS: Table = Incident.__table__  # type: ignore[attr-defined]
BATCH = 5000

COLUMNS = {"group": None, "category": None}
"""Event fields not compared with the row (renames relabel them without an event)."""


@dataclass(frozen=True)
class Anchor:
    """A chain head written to a file: what a later ``db verify --anchor`` checks."""

    event_count: int
    last_event_id: int
    hash: str
    written_at: str


def verify(database: Database, *, anchor: Path | None = None, now: datetime) -> list[Finding]:
    """The findings of ``db verify``; writes ``anchor`` when it does not exist yet and
    everything else passed."""
    with database.translate_errors(), database.connect() as connection, connection.begin():
        findings = [check_chain(connection), check_incidents(connection)]
        if anchor is not None:
            findings.append(check_anchor(connection, anchor, findings, now=now))
    return findings


def check_chain(connection: Connection) -> Finding:
    count, last_id, last_hash = 0, 0, GENESIS
    for row in _events(connection):
        said = f"event {row['id']} ({format_incident_id(row['incident_id'])}, {row['kind']})"
        if row["prev_hash"] != last_hash:
            before = f"event {last_id}" if last_id else "the start of the chain"
            return Finding("chain", False, f"{said} does not follow {before}: an event was "
                           "deleted, inserted or rewritten there")  # fmt: skip
        if event_hash(last_hash, row) != row["hash"]:
            return Finding("chain", False, f"{said} does not match its hash: it was changed "
                           "after it was written")  # fmt: skip
        count, last_id, last_hash = count + 1, row["id"], row["hash"]
    head = Chain(connection).head(lock=False)
    if (head.count, head.last_id, head.hash) != (count, last_id, last_hash):
        return Finding("chain", False, f"the chain head says {head.count} events ending at "
                       f"event {head.last_id}, but {count} events end at event {last_id}: "
                       "events at the end were deleted, or the head was changed")  # fmt: skip
    return Finding("chain", True, f"{count} events, head {last_hash[:16]}")


def _events(connection: Connection) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        statement = select(EVENTS).where(EVENTS.c.id > last).order_by(EVENTS.c.id).limit(BATCH)
        rows = [dict(row) for row in connection.execute(statement).mappings()]
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def check_incidents(connection: Connection) -> Finding:
    seen: dict[int, dict[str, str | None]] = {}
    counts: dict[int, int] = {}
    for row in _events(connection):
        counts[row["incident_id"]] = counts.get(row["incident_id"], 0) + 1
        if row["field"] is not None and row["field"] not in COLUMNS:
            seen.setdefault(row["incident_id"], {})[row["field"]] = row["new"]
    checked = 0
    for incident in connection.execute(select(INCIDENTS).order_by(INCIDENTS.c.id)).mappings():
        checked += 1
        number = incident["id"]
        if incident["version"] != counts.get(number, 0):
            return Finding("incidents", False, f"{format_incident_id(number)} is at version "
                           f"{incident['version']} but has {counts.get(number, 0)} events: its "
                           "row was changed without them")  # fmt: skip
        for field, new in seen.get(number, {}).items():
            found = _shown(incident, field)
            if found is not _UNKNOWN and found != new:
                return Finding("incidents", False, f"{format_incident_id(number)} has "
                               f"{field} {found!r}, but its events last set it to {new!r}: "
                               "its row was changed without an event")  # fmt: skip
    return Finding("incidents", True, f"{checked} incident(s) agree with their events")


_UNKNOWN = object()


def _shown(incident: Any, field: str) -> object:
    """The row's value of an event's ``field``, as events write values (text)."""
    if field.startswith("roles."):
        value = (incident["roles"] or {}).get(field.removeprefix("roles."))
    elif field == "duplicate_of":
        value = None if incident[field] is None else format_incident_id(incident[field])
    elif field == "problem":
        value = (
            None if incident["problem_id"] is None else format_problem_id(incident["problem_id"])
        )
    elif field in incident:
        value = incident[field]
    else:
        return _UNKNOWN  # a field no column holds (an imported tool's): nothing to compare
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def check_anchor(
    connection: Connection, path: Path, findings: list[Finding], *, now: datetime
) -> Finding:
    if not path.exists():
        if not all(finding.ok for finding in findings):
            return Finding("anchor", False, f"not written to {path}: the database failed "
                           "the checks above")  # fmt: skip
        head = Chain(connection).head(lock=False)
        anchor = Anchor(head.count, head.last_id, head.hash, now.astimezone(UTC).isoformat())
        write_anchor(path, anchor)
        return Finding("anchor", True, f"written to {path}: {head.count} events, "
                       f"event {head.last_id}, {head.hash[:16]}")  # fmt: skip
    anchor = read_anchor(path)
    statement = select(EVENTS.c.hash).where(EVENTS.c.id == anchor.last_event_id)
    found = connection.execute(statement).scalar()
    count = connection.execute(
        select(func.count()).select_from(EVENTS).where(EVENTS.c.id <= anchor.last_event_id)
    ).scalar_one()
    if anchor.event_count == 0 or (found == anchor.hash and count == anchor.event_count):
        return Finding("anchor", True, f"the chain extends {path} ({anchor.event_count} "
                       f"events, written {anchor.written_at})")  # fmt: skip
    return Finding("anchor", False, f"the chain no longer extends {path}: event "
                   f"{anchor.last_event_id} anchored {anchor.hash[:16]} "
                   f"({anchor.event_count} events), the database has "
                   f"{(found or 'no such event')[:16]} ({count} events): history before "
                   "the anchor was rewritten")  # fmt: skip


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Write ``anchor`` to a new owner-only file (refused if it appeared meanwhile)."""
    text = json.dumps(anchor.__dict__, indent=2) + "\n"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise Rejected(f"Cannot write the anchor {path}: {exc.strerror}.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)


def read_anchor(path: Path) -> Anchor:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Anchor(int(data["event_count"]), int(data["last_event_id"]), str(data["hash"]),
                      str(data["written_at"]))  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not an anchor db verify wrote"
        raise Rejected(f"Cannot read the anchor {path}: {why}.") from None
