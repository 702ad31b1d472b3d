"""Timelines for incidents imported without one, and the drafts imports write.

An inctrack export carries each incident's events; a CSV from another tool
or a ServiceNow export does not, or has only snapshots (one row per update).
:class:`History` replays such snapshots into the events inctrack's own
commands would have written (``logged``, ``categorized``, ``prioritized``,
``assigned``, ``responded``, ``held``, ``resumed``, ``resolved``, ``closed``,
``reopened``, ``cancelled``; ``imported`` for a move no command makes), so that
SLA clocks, reports and ``show`` work on imported incidents as on any other.

Synthesized events are deterministic, so that importing the same file again
recognizes them: ``recorded_at`` is the source's time (``at``), and the actor
is the source's user, else the name of the source (``import``, ``servicenow``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inctrack.domain import Status

EventRow = tuple[
    datetime, datetime, str, str, str | None, str | None, str | None, str | None, str | None
]
"""An event as imports carry it: at, recorded_at, actor, kind, field, old, new, message,
os_login (the keys of an export's events, in order; the first eight are its identity)."""
EVENT_KEYS = ("at", "recorded_at", "actor", "kind", "field", "old", "new", "message")
"""An event's keys in an export; all eight together are what makes two events the same."""


@dataclass
class Draft:
    """One incident read from a file, validated, ready to write."""

    line: int
    number: int | None
    """Its INC-n, when the file gives one."""
    values: dict[str, Any]
    """Every column of ``incidents`` except ``id`` and ``duplicate_of``."""
    events: list[EventRow]
    duplicate_of: int | None = None
    digest: str | None = None
    """A hash of the row as the file gives it, for a row with neither ``id`` nor
    ``external_id``: the importer makes it the incident's ``source_key``."""
    public: list[tuple[datetime, str, str, str]] = field(default_factory=list)
    """The public stakeholder updates the file gives (at, actor, state, message): every
    ``update`` event becomes an update, public when it is one of these, else internal."""

    @property
    def external_id(self) -> str | None:
        value: str | None = self.values.get("external_id")
        return value


def row_digest(raw: dict[str, Any]) -> str:
    """The SHA-256 of a row's canonical form (its fields as sorted, compact JSON): the
    same content gives the same digest, whatever the key order or the file's name."""
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)  # fmt: skip
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Snapshot:
    """An incident as another tool saw it at one moment (one row of an export)."""

    at: datetime
    actor: str
    status: str
    tracked: dict[str, str | None]
    """impact, urgency, priority, category (a path), group, assignee."""
    hold_reason: str | None = None
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution_code: str | None = None
    resolution_note: str | None = None
    resolver: str | None = None
    closer: str | None = None
    state_label: str | None = None
    """The source's own name of the state, for a move no inctrack command makes."""


TRACKED = (
    ("category", "categorized"), ("impact", "prioritized"), ("urgency", "prioritized"),
    ("priority", "prioritized"), ("group", "assigned"), ("assignee", "assigned"),
)  # fmt: skip

_MOVE_KINDS = {
    (Status.NEW, Status.IN_PROGRESS): "responded",
    (Status.ON_HOLD, Status.IN_PROGRESS): "resumed",
    (Status.RESOLVED, Status.IN_PROGRESS): "reopened",
    (Status.CLOSED, Status.IN_PROGRESS): "reopened",
}
_TARGET_KINDS = {
    Status.ON_HOLD: "held", Status.RESOLVED: "resolved", Status.CLOSED: "closed",
    Status.CANCELLED: "cancelled",
}  # fmt: skip


class History:
    """The timeline of an incident imported without one, replayed from snapshots.

    The first snapshot is the incident as logged (a ``logged`` event at
    ``reported_at``); each later one writes an event per tracked field that
    changed and the status moves, with the kinds inctrack's own commands write.
    Times that go backwards are moved up to the event before (counted in
    ``clamped``): a timeline only moves forward.
    """

    def __init__(self, *, reported_at: datetime, title: str, actor: str) -> None:
        self.events: list[EventRow] = []
        self.last = reported_at
        self.clamped = 0
        self.status = Status.NEW
        self.hold_reason: str | None = None
        self.tracked: dict[str, str | None] | None = None
        self.responded_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.closed_by: str | None = None
        self.reopens = 0
        self.reassignments = 0
        self._add(reported_at, actor, "logged", message=title)

    def _add(
        self,
        at: datetime,
        actor: str,
        kind: str,
        *,
        field: str | None = None,
        old: str | None = None,
        new: str | None = None,
        message: str | None = None,
    ) -> datetime:
        if at < self.last:
            at = self.last
            self.clamped += 1
        self.last = at
        self.events.append((at, at, actor, kind, field, old, new, message, None))
        return at

    def apply(self, snap: Snapshot) -> None:
        if self.tracked is None:
            self.tracked = dict(snap.tracked)
        else:
            had_it = self.tracked.get("group") is not None or self.tracked.get("assignee")
            reassigned = False
            for name, kind in TRACKED:
                old, new = self.tracked.get(name), snap.tracked.get(name)
                if old != new:
                    self._add(snap.at, snap.actor, kind, field=name, old=old, new=new)
                    reassigned |= kind == "assigned"
            if reassigned and had_it:
                self.reassignments += 1
            self.tracked = dict(snap.tracked)
        self._move_to(snap)

    def _move_to(self, snap: Snapshot) -> None:
        target = Status(snap.status)
        if target == self.status:
            return
        if self.status is Status.NEW and snap.responded_at and target != Status.CANCELLED:
            self._step(Status.IN_PROGRESS, snap.responded_at, snap)
        if target == Status.CLOSED and self.status != Status.RESOLVED and snap.resolved_at:
            self._step(Status.RESOLVED, snap.resolved_at, snap)
        if target == self.status:
            return
        when = {Status.RESOLVED: snap.resolved_at, Status.CLOSED: snap.closed_at}.get(target)
        self._step(target, when or snap.at, snap)

    def _step(self, target: Status, at: datetime, snap: Snapshot) -> None:
        old = self.status
        kind = _MOVE_KINDS.get((old, target)) or _TARGET_KINDS.get(target, "imported")
        actor = {"resolved": snap.resolver, "closed": snap.closer}.get(kind) or snap.actor
        message: str | None = None
        if kind == "held":
            message = snap.hold_reason
        elif kind == "resumed":
            message = f"after {self.hold_reason}" if self.hold_reason else None
        elif kind == "resolved" and snap.resolution_code:
            note = snap.resolution_note
            message = f"{snap.resolution_code}: {note}" if note else snap.resolution_code
        elif kind == "imported" and snap.state_label:
            message = f"state {snap.state_label}"
        when = self._add(at, actor, kind, field="status", old=old.value, new=target.value,
                         message=message)  # fmt: skip
        self.status = target
        self.hold_reason = snap.hold_reason if target == Status.ON_HOLD else None
        if kind == "responded" and self.responded_at is None:
            self.responded_at = when
        if kind == "reopened":
            self.reopens += 1
        if target == Status.RESOLVED:
            self.resolved_at = when
        elif target == Status.IN_PROGRESS:
            self.resolved_at = None
        if target == Status.CLOSED:
            self.closed_at, self.closed_by = when, actor


def apply_history(values: dict[str, Any], history: History) -> None:
    """The fields a synthesized timeline decides: status; when it was responded, resolved,
    closed; counts the file does not give."""
    values["status"] = history.status.value
    values["responded_at"] = history.responded_at
    values["resolved_at"] = history.resolved_at if values["status"] in _DONE else None
    values["closed_at"] = history.closed_at if values["status"] == Status.CLOSED else None
    values["closed_by"] = history.closed_by if values["closed_at"] else None
    if values["status"] not in _DONE:
        values["resolution_code"] = values["resolution_note"] = None
    if values["status"] != Status.ON_HOLD:
        values["hold_reason"] = None
    values["reopen_count"] = _or(values.get("reopen_count"), history.reopens)
    values["reassignment_count"] = _or(values.get("reassignment_count"), history.reassignments)
    values["updated_at"] = history.last


_DONE = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


def _or(value: int | None, fallback: int) -> int:
    return fallback if value is None else value
