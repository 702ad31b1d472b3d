"""Getting incidents in: the one way a new incident is created.

:class:`Intake` is what ``Tracker.log``, ``inctrack log`` and ``log --batch``
all go through, so the counter, the first event and what hooks see are
written in one place:

- a :class:`LogRequest` is merged with its template (the request's own values
  win), validated, and written;
- when an *open* incident (new, in progress or on hold) has the request's
  ``dedup_key``, no twin is created: the open incident counts one more
  occurrence, with an ``occurred`` event. Resolved, closed and cancelled
  incidents do not absorb repeats: a fault that comes back after its fix is news
  that belongs in the queue (see docs/how-to/monitoring.md);
- a batch is all or nothing: every line is validated before anything is
  written, and the first bad line rejects the whole batch, named by its line
  number. Numbers come from one counter update, rows from one INSERT.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel import SQLModel, col

from inctrack.admin.taxonomy import Taxonomy
from inctrack.domain import (
    MAX_TITLE,
    OPEN_STATUSES,
    Level,
    Role,
    Status,
    optional_text,
    parse_channel,
    required_text,
)
from inctrack.errors import NotFound, Rejected, UsageError
from inctrack.incidents.requests import MAX_KEY, Logged, LogRequest, line_refused
from inctrack.incidents.templates import Templates
from inctrack.records import timestamp
from inctrack.services.registry import Services
from inctrack.services.status import refresh
from inctrack.sla import stored
from inctrack.storage.models import Event, Incident
from inctrack.work import IncidentChange, UnitOfWork, event_row


class Intake:
    """``log`` with templates, batches and dedup keys, inside one unit of work."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session = work.session
        self.taxonomy = Taxonomy(work.session)
        self.templates = Templates(work)
        self._categories: dict[str, tuple[str, str | None]] = {}
        self._services: dict[str, str] = {}

    def log(self, request: LogRequest) -> Logged:
        """Log one incident, or count a repeat on the open incident with its dedup key."""
        self.work.authorize("log")
        now = self.work.now()
        return self._write([self._prepare(request, now, batch=False)], now)[0]

    def log_batch(
        self, lines: Sequence[tuple[int, LogRequest]], *, defaults: LogRequest | None = None
    ) -> list[Logged]:
        """Log every line (numbered as in :func:`parse_batch`) or none.

        ``defaults`` fills what a line leaves out, before its template does. The
        result has one entry per line, in order; lines with the same dedup key as
        an open incident, or as an earlier line, are repeats of that incident.
        """
        self.work.authorize("log")
        now = self.work.now()
        prepared = []
        for number, request in lines:
            try:
                merged = request.over(defaults) if defaults is not None else request
                prepared.append(self._prepare(merged, now, batch=True))
            except (NotFound, Rejected) as exc:
                raise line_refused(number, exc) from None
        return self._write(prepared, now)

    def _prepare(self, request: LogRequest, now: datetime, *, batch: bool) -> dict[str, Any]:
        """The new incident's row (without its number), checked as ``log`` checks it."""
        if request.template is not None:
            request = request.over(self.templates.defaults(request.template))
        if request.title is None:
            if batch:
                raise Rejected('The line has no title; give "title", or a "template" with one.')
            raise UsageError("Give the incident a TITLE, or a --template whose preset has one.")
        key = optional_text(request.dedup_key)
        if key is not None and len(key) > MAX_KEY:
            raise Rejected(f"The dedup key has {len(key)} characters, more than {MAX_KEY}.")
        return self._row(request, key, reported_at=self.work.when(request.reported_at, now),
                         now=now)  # fmt: skip

    def _row(
        self, request: LogRequest, key: str | None, *, reported_at: datetime, now: datetime
    ) -> dict[str, Any]:
        """A new incident's validated column values, all but ``id``; the rest take defaults."""
        assert request.title is not None
        impact = Level.parse(request.impact) if request.impact is not None else None
        urgency = Level.parse(request.urgency) if request.urgency is not None else None
        cat, sub = self._category(request.category) if request.category else (None, None)
        priority = self.work.policy().priority_for(impact, urgency)
        actor = self.work.actor
        return {
            "title": required_text(request.title, "title", limit=MAX_TITLE),
            "description": optional_text(request.description),
            "reporter": optional_text(request.reporter) or actor,
            "reporter_contact": optional_text(request.contact),
            "reported_at": reported_at,
            "logged_at": now,
            "logged_by": actor,
            "channel": parse_channel(request.channel),
            "service": self._service(request.service),
            "category": cat,
            "subcategory": sub,
            "impact": None if impact is None else impact.value,
            "urgency": None if urgency is None else urgency.value,
            "priority": None if priority is None else priority.value,
            "status": Status.NEW.value,
            "owner": actor if self.work.people.has_role(actor, Role.SERVICE_DESK) else None,
            "dedup_key": key,
            "updated_at": reported_at,
        }

    def _service(self, text: str | None) -> str | None:
        name = optional_text(text)
        if name is None:
            return None
        if name not in self._services:
            self._services[name] = Services(self.work).resolve(name)
        return self._services[name]

    def _category(self, text: str) -> tuple[str, str | None]:
        found = self._categories.get(text)
        if found is None:
            found = self._categories[text] = self.taxonomy.validate(text)
        return found

    def _write(self, prepared: Sequence[dict[str, Any]], now: datetime) -> list[Logged]:
        """Create the new incidents and count the repeats, in the order given.

        New incidents and their events go in as plain rows (two multi-row
        INSERTs, not an ORM object each); a repeat of an incident that already
        existed goes through the usual change and event.
        """
        keys = {row["dedup_key"] for row in prepared if row["dedup_key"]}
        existing = self._open_incidents(keys)
        new_by_key: dict[str, dict[str, Any]] = {}
        created = [row for row in prepared if not _repeat(row, existing, new_by_key)]
        first = self.work.numbers.take("incident", len(created)) if created else 0
        events: list[dict[str, Any]] = []
        for offset, row in enumerate(created):
            row |= {"id": first + offset, "occurrences": 1, "version": 1}
            events.append(event_row(row["id"], "logged", at=row["reported_at"], recorded_at=now,
                                    actor=self.work.actor, os_login=self.work.os_login,
                                    message=row["title"]))  # fmt: skip
            self.work.wrote(row["id"], "logged")
        results = []
        for row in prepared:
            if "id" in row:  # created above
                results.append(Logged(row["id"], created=True))
                continue
            key = row["dedup_key"]
            if key in new_by_key:
                original = new_by_key[key]
                events.append(self._repeat_new(original, row, now))
                results.append(Logged(original["id"], created=False))
            else:
                incident = existing[key]
                self._repeat_existing(incident, row, now)
                results.append(Logged(incident.id, created=False))
        if created:  # Core, not the ORM's bulk insert, which groups rows by their NULLs
            self.session.execute(insert(_table(Incident)), created)
            self.session.execute(insert(_table(Event)), self.work.chain.extend(events))
            touched = {row["service"]: (row["reported_at"], row["id"]) for row in created
                       if row["service"] is not None}  # fmt: skip
            refresh(self.session, touched, actor=self.work.actor, now=now)
            stored.refresh(self.session, [row["id"] for row in created], self.work.policy())
        self.session.flush()
        return results

    def _open_incidents(self, keys: set[str]) -> dict[str, Incident]:
        """The oldest open incident of each key, locked against concurrent writers."""
        if not keys:
            return {}
        # Take the incident counter's row lock first, so that two writers with the
        # same key (PostgreSQL) cannot both see "no open incident" and both create
        # one; on SQLite, BEGIN IMMEDIATE has already serialized the writers.
        self.work.numbers.hold("incident")
        statement = (
            select(Incident)
            .where(col(Incident.dedup_key).in_(sorted(keys)))
            .where(col(Incident.status).in_([s.value for s in OPEN_STATUSES]))
            .order_by(col(Incident.id))
            .with_for_update()
        )
        found: dict[str, Incident] = {}
        for incident in self.session.scalars(statement):
            assert incident.dedup_key is not None
            found.setdefault(incident.dedup_key, incident)
        return found

    def _repeat_existing(self, incident: Incident, repeat: dict[str, Any], now: datetime) -> None:
        """One more occurrence of an incident that was there before: an incident change."""
        at = max(repeat["reported_at"], incident.updated_at)
        change = IncidentChange(self.work, incident, target=Status(incident.status), at=at, now=now)
        change.set("occurrences", incident.occurrences + 1, kind="occurred",
                   message=_repeat_message(repeat))  # fmt: skip

    def _repeat_new(
        self, original: dict[str, Any], repeat: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """One more occurrence of an incident created by this same batch: its row changes."""
        at = max(repeat["reported_at"], original["updated_at"])
        old, original["occurrences"] = original["occurrences"], original["occurrences"] + 1
        original["updated_at"], original["version"] = at, original["version"] + 1
        self.work.wrote(original["id"], "occurred")
        return event_row(original["id"], "occurred", at=at, actor=self.work.actor, recorded_at=now,
                         os_login=self.work.os_login, field="occurrences", old=str(old),
                         new=str(old + 1),
                         message=_repeat_message(repeat))  # fmt: skip


def _table(model: type[SQLModel]) -> Table:
    table = getattr(model, "__table__", None)
    assert isinstance(table, Table)
    return table


def _repeat(
    row: dict[str, Any], existing: dict[str, Incident], new_by_key: dict[str, dict[str, Any]]
) -> bool:
    """Whether ``row`` repeats an open incident or an earlier new row with its key."""
    key = row["dedup_key"]
    if not key:
        return False
    if key in existing or key in new_by_key:
        return True
    new_by_key[key] = row
    return False


def _repeat_message(repeat: dict[str, Any]) -> str:
    return f"reported again by {repeat['reporter']} at {timestamp(repeat['reported_at'])}"
