"""The tracker: one method per verb of the incident process.

``Tracker(session, clock=..., actor=...)`` works inside the caller's
transaction and never commits: the caller (the CLI, a script, a test) owns
the unit of work, so a change and its events land together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, or_, select, update
from sqlmodel import Session, col

from inctrack.clock import Clock
from inctrack.domain import (
    OPEN_STATUSES,
    Channel,
    Level,
    Status,
    format_incident_id,
    parse_category,
    parse_incident_ref,
    priority_for,
)
from inctrack.errors import NotFound, Rejected
from inctrack.models import Counter, Event, Incident
from inctrack.records import Record, incident_record

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the clock an ``--at`` may be (clock skew between machines)."""

MAX_TITLE = 200


@dataclass(frozen=True)
class IncidentQuery:
    """Filters for :meth:`Tracker.list`; the defaults give the open queue."""

    statuses: Sequence[Status] = ()
    include_closed: bool = False
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    limit: int | None = None


class Tracker:
    def __init__(self, session: Session, *, clock: Clock, actor: str) -> None:
        if not actor.strip():
            raise Rejected("An empty name cannot act; set --as NAME or INCTRACK_USER.")
        self.session = session
        self.clock = clock
        self.actor = actor.strip()

    # -- reading -------------------------------------------------------------

    def get(self, ref: str | int) -> Incident | None:
        return self.session.get(Incident, parse_incident_ref(ref))

    def get_or_raise(self, ref: str | int) -> Incident:
        incident = self.get(ref)
        if incident is None:
            raise NotFound(
                f"There is no incident {format_incident_id(parse_incident_ref(ref))}; "
                "`inctrack list --all` shows the ones that exist."
            )
        return incident

    def events(self, incident: Incident) -> list[Event]:
        query = select(Event).where(col(Event.incident_id) == incident.id).order_by(col(Event.id))
        return list(self.session.scalars(query))

    def list(self, query: IncidentQuery | None = None) -> list[Incident]:
        """Incidents worst first: untriaged, then by priority, then oldest report."""
        query = query or IncidentQuery()
        statement = select(Incident)
        if query.statuses:
            statement = statement.where(col(Incident.status).in_([str(s) for s in query.statuses]))
        elif not query.include_closed:
            statement = statement.where(col(Incident.status).in_([str(s) for s in OPEN_STATUSES]))
        if query.since is not None:
            statement = statement.where(col(Incident.reported_at) >= query.since)
        if query.until is not None:
            statement = statement.where(col(Incident.reported_at) < query.until)
        if query.search:
            columns = (Incident.title, Incident.description, Incident.reporter, Incident.service)
            pattern = query.search
            statement = statement.where(
                or_(*(col(column).icontains(pattern, autoescape=True) for column in columns))
            )
        statement = statement.order_by(
            case((col(Incident.priority).is_(None), 0), else_=1),
            col(Incident.priority),
            col(Incident.reported_at),
            col(Incident.id),
        )
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self.session.scalars(statement))

    def record(self, incident: Incident, *, with_events: bool = False) -> Record:
        events = self.events(incident) if with_events else None
        return incident_record(incident, events=events)

    # -- writing -------------------------------------------------------------

    def log(
        self,
        title: str,
        *,
        reporter: str | None = None,
        reporter_contact: str | None = None,
        description: str | None = None,
        at: datetime | None = None,
        channel: Channel | str | None = None,
        service: str | None = None,
        category: str | None = None,
        impact: Level | str | None = None,
        urgency: Level | str | None = None,
    ) -> Incident:
        """Record a new incident, as reported at ``at`` (default: now)."""
        now = self._now()
        reported_at = self._when(at, now)
        level_impact = Level.parse(impact) if impact is not None else None
        level_urgency = Level.parse(urgency) if urgency is not None else None
        cat, sub = parse_category(category) if category else (None, None)
        priority = priority_for(level_impact, level_urgency)
        incident = Incident(
            id=self._next_number("incident"),
            title=_required_text(title, "title", limit=MAX_TITLE),
            description=_optional_text(description),
            reporter=_optional_text(reporter) or self.actor,
            reporter_contact=_optional_text(reporter_contact),
            reported_at=reported_at,
            logged_at=now,
            logged_by=self.actor,
            channel=_channel(channel),
            service=_optional_text(service),
            category=cat,
            subcategory=sub,
            impact=_value(level_impact),
            urgency=_value(level_urgency),
            priority=_value(priority),
            status=Status.NEW.value,
            owner=self.actor,
            updated_at=now,
        )
        self.session.add(incident)
        self.session.flush()
        self._event(incident, "logged", at=reported_at, recorded_at=now, message=incident.title)
        return incident

    # -- helpers -------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock.now().replace(microsecond=0)

    def _when(self, at: datetime | None, now: datetime) -> datetime:
        if at is None:
            return now
        if at.tzinfo is None:
            raise Rejected("A time without a time zone reached the tracker; pass an aware time.")
        at = at.replace(microsecond=0)
        if at > now + FUTURE_TOLERANCE:
            raise Rejected(
                f"{at.isoformat()} is in the future; --at says when something already happened."
            )
        return at

    def _next_number(self, series: str) -> int:
        """The next number of a series, unique and increasing under concurrent writers.

        The UPDATE takes the row lock (PostgreSQL) inside the writer's
        transaction (``BEGIN IMMEDIATE`` on SQLite), so no two writers get
        the same number and a rolled-back transaction gives its number back.
        """
        statement = (
            update(Counter)
            .where(col(Counter.name) == series)
            .values(value=col(Counter.value) + 1)
            .returning(col(Counter.value))
        )
        return int(self.session.execute(statement).scalar_one())

    def _event(
        self,
        incident: Incident,
        kind: str,
        *,
        at: datetime,
        recorded_at: datetime,
        field: str | None = None,
        old: object = None,
        new: object = None,
        message: str | None = None,
    ) -> Event:
        event = Event(
            incident_id=incident.id,
            at=at,
            recorded_at=recorded_at,
            actor=self.actor,
            kind=kind,
            field=field,
            old=None if old is None else str(old),
            new=None if new is None else str(new),
            message=message,
        )
        self.session.add(event)
        return event


def _required_text(value: str, what: str, *, limit: int | None = None) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise Rejected(f"The {what} is empty; say in a few words what is wrong.")
    if limit is not None and len(cleaned) > limit:
        raise Rejected(
            f"The {what} has {len(cleaned)} characters, more than {limit}; "
            "put the detail in the description."
        )
    return cleaned


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    return cleaned or None


def _value(member: StrEnum | None) -> str | None:
    return None if member is None else member.value


def _channel(value: Channel | str | None) -> str | None:
    if value is None:
        return None
    try:
        return Channel(str(value).strip().lower()).value
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise Rejected(f"{value!r} is not a channel; use one of {allowed}.") from None
