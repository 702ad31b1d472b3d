"""Reading incidents: one by its ID, the queue, records, SLA clocks, the breach list.

:class:`IncidentReader` is the read side of the tracker; it works inside a
unit of work (:class:`inctrack.work.UnitOfWork`) and never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, case, func, select
from sqlmodel import Session, col

from inctrack.domain import (
    OPEN_STATUSES,
    Priority,
    Status,
    format_incident_id,
    parse_category,
    parse_incident_ref,
)
from inctrack.errors import Rejected
from inctrack.records import Record, incident_record, problem_summary
from inctrack.sla.evaluate import Clocks, clocks_for
from inctrack.sla.policy import Policy
from inctrack.sla.stored import OpenQueue, QueueKey
from inctrack.storage.models import Event, Incident
from inctrack.work import UnitOfWork, no_such_incident

if TYPE_CHECKING:
    from inctrack.storage.models import Problem

_CHUNK = 500
INCIDENT_COLUMNS = tuple(Incident.__table__.columns)  # type: ignore[attr-defined]
"""Every column of an incident, for reading rows that :func:`incident_record` takes
as it takes an :class:`Incident` (by attribute)."""
"""Incidents read per query (SQLite limits the number of bound values)."""


@dataclass(frozen=True)
class IncidentQuery:
    """Filters for :meth:`Tracker.list`; the defaults give the open queue."""

    statuses: Sequence[Status] = ()
    include_closed: bool = False
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    """Words in the incident's text, as ``search`` takes them (the full-text index)."""
    priorities: Sequence[Priority] = ()
    category: str | None = None
    """``network`` or ``network/vpn``."""
    assignee: str | None = None
    group: str | None = None
    tier: int | None = None
    service: str | None = None
    owner: str | None = None
    unassigned: bool = False
    """Only incidents nobody is assigned to (a group may have them)."""
    major: bool = False
    """Only major incidents."""
    sort: str | None = None
    """One of :data:`SORT_KEYS`; ``None`` is worst first (the queue's order)."""
    reverse: bool = False
    limit: int | None = None


SORT_KEYS = ("id", "priority", "reported", "updated", "assignee", "title")
"""What ``list --sort`` orders by (ties by ID); without it the queue is worst first."""


def incident_filters(query: IncidentQuery, *, queue: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a query (``list``, ``export``); empty for every incident.
    ``queue``: open incidents said as the queue's index says it (read in its order)."""
    where: list[ColumnElement[bool]] = []
    if query.statuses:
        where.append(col(Incident.status).in_([str(s) for s in query.statuses]))
    elif not query.include_closed:
        open_now = col(Incident.status).in_([str(s) for s in OPEN_STATUSES])
        where.append(OpenQueue() if queue else open_now)
    if query.since is not None:
        where.append(col(Incident.reported_at) >= query.since)
    if query.until is not None:
        where.append(col(Incident.reported_at) < query.until)
    if query.priorities:
        priorities = [Priority.parse(p).value for p in query.priorities]
        where.append(col(Incident.priority).in_(priorities))
    if query.category:
        category, subcategory = parse_category(query.category)
        where.append(col(Incident.category) == category)
        if subcategory is not None:
            where.append(col(Incident.subcategory) == subcategory)
    for column, value in (
        (Incident.assignee, query.assignee),
        (Incident.assignment_group, query.group),
        (Incident.tier, query.tier),
        (Incident.service, query.service),
        (Incident.owner, query.owner),
    ):
        if value is not None:
            where.append(col(column) == value)
    if query.unassigned:
        where.append(col(Incident.assignee).is_(None))
    if query.major:
        where.append(col(Incident.major).is_(True))
    if query.search:
        ids: ColumnElement[int] = Incident.__table__.c.id  # type: ignore[attr-defined]
        from inctrack.search import INCIDENT, matching

        where.append(matching(INCIDENT.name, query.search, ids))
    return where


class IncidentReader:
    """Incidents as they are (or were, ``as_of``): look-ups, the queue, records, clocks."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session: Session = work.session

    @property
    def actor(self) -> str:
        return self.work.actor

    def policy(self) -> Policy:
        """The team's SLA policy (read once per unit of work)."""
        return self.work.policy()

    def get(self, ref: str | int) -> Incident | None:
        return self.session.get(Incident, parse_incident_ref(ref))

    def get_or_raise(self, ref: str | int) -> Incident:
        incident = self.get(ref)
        if incident is None:
            raise no_such_incident(parse_incident_ref(ref))
        return incident

    def events(self, incident: Incident) -> list[Event]:
        query = select(Event).where(col(Event.incident_id) == incident.id).order_by(col(Event.id))
        return list(self.session.scalars(query))

    def find(self, query: IncidentQuery | None = None) -> list[Incident]:
        """Incidents worst first: untriaged, then priority, then the nearest SLA due
        (the open queue) or the oldest report (with statuses or closed ones)."""
        return [incident for incident, _ in self._find(query or IncidentQuery())]

    def find_records(self, query: IncidentQuery | None = None) -> list[Record]:
        """:meth:`find` as records, evaluating each incident's clocks once."""
        found = self._find(query or IncidentQuery())
        missing = self.clocks([i for i, clocks in found if clocks is None])
        return [self.record(i, clocks=clocks or missing[i.id]) for i, clocks in found]

    def count(self, query: IncidentQuery | None = None) -> int:
        """How many incidents match ``query``'s filters (its limit aside)."""
        where = incident_filters(query or IncidentQuery())
        statement = select(func.count()).select_from(Incident).where(*where)
        return int(self.session.execute(statement).scalar_one())

    def _find(self, query: IncidentQuery) -> list[tuple[Incident, Clocks | None]]:
        if query.sort is not None or query.statuses or query.include_closed:
            statement = select(Incident).where(*incident_filters(query))
            statement = statement.order_by(*_order(query))
            if query.limit is not None:
                statement = statement.limit(query.limit)
            return [(incident, None) for incident in self.session.scalars(statement)]
        # The open queue, worst first: ordered by the stored due time of the clock that runs
        # now (sla.stored), read from its index up to the limit; clocks only for those shown.
        where = incident_filters(query, queue=True)
        statement = select(Incident).where(*where).order_by(*_queue(query))
        if query.limit is not None:
            statement = statement.limit(query.limit)
        incidents = list(self.session.scalars(statement))
        clocks = self.clocks(incidents)
        return [(incident, clocks[incident.id]) for incident in incidents]

    def record(
        self,
        incident: Incident,
        *,
        with_events: bool = False,
        clocks: Clocks | None = None,
    ) -> Record:
        """The incident as its public record, with both SLA clocks (as of now)."""
        events = self.events(incident) if with_events else None
        if clocks is None:
            clocks = self.clocks([incident])[incident.id]
        record = incident_record(incident, events=events, sla=clocks.record())
        if with_events:  # `show` names the problem and its workaround
            record["problem_detail"] = problem_summary(self._problem(incident.problem_id))
            record["duplicates"] = self.duplicates(incident)
            record["updates"] = self._updates(incident.id)
        return record

    def _problem(self, number: int | None) -> Problem | None:
        if number is None:
            return None
        from inctrack.storage.models import Problem

        return self.session.get(Problem, number)

    def _updates(self, number: int) -> list[Record]:
        """The incident's stakeholder updates as records (the services' records module,
        and its status enum, loaded only when there are some)."""
        from inctrack.incidents.updates import Updates

        updates = Updates(self.work).of(number)
        if not updates:
            return []
        from inctrack.services.records import update_record

        return [update_record(update) for update in updates]

    def duplicates(self, incident: Incident) -> list[str]:
        """The incidents marked as duplicates of this one (its twins), oldest first."""
        statement = (
            select(col(Incident.id))
            .where(col(Incident.duplicate_of) == incident.id)
            .order_by(col(Incident.id))
        )
        return [format_incident_id(number) for number in self.session.scalars(statement)]

    def clocks(
        self, incidents: Sequence[Incident], *, as_of: datetime | None = None
    ) -> dict[int, Clocks]:
        """Both SLA clocks of each incident, from its history, at ``as_of`` (default now)."""
        moment = self.work.now() if as_of is None else as_of
        return clocks_for(self.session, incidents, self.policy(), moment)

    def sla(self, ref: str | int, *, as_of: datetime | None = None) -> Clocks:
        """One incident's clocks, to be explained segment by segment."""
        incident = self.get_or_raise(ref)
        moment = self.work.now() if as_of is None else as_of
        if incident.reported_at > moment:
            raise Rejected(
                f"{format_incident_id(incident.id)} was reported at "
                f"{incident.reported_at.isoformat()}, after {moment.isoformat()}."
            )
        return self.clocks([incident], as_of=moment)[incident.id]

    def sla_report(
        self,
        *,
        as_of: datetime | None = None,
        states: Sequence[str] = ("breached", "at_risk"),
        priorities: Sequence[Priority] = (),
        group: str | None = None,
    ) -> list[Clocks]:
        """Incidents open at ``as_of`` whose clocks are in ``states``, most urgent first.

        Only open incidents are read (plus, for a past ``as_of``, those whose
        status changed after it), so closed history is never loaded.
        """
        moment = self.work.now() if as_of is None else as_of
        open_now = col(Incident.status).in_([s.value for s in OPEN_STATUSES])
        changed_since = col(Incident.id).in_(
            select(col(Event.incident_id))
            .where(col(Event.field) == "status")
            .where(col(Event.at) > moment)
        )
        candidates = select(Incident).where(col(Incident.reported_at) <= moment)
        candidates = candidates.where(open_now if as_of is None else (open_now | changed_since))
        if group is not None:
            candidates = candidates.where(col(Incident.assignment_group) == group)
        # Plain rows, read like the ORM's objects: a report reads thousands of incidents
        # and never changes them, and building an object per row costs more than the query.
        rows = self.session.execute(candidates.with_only_columns(*INCIDENT_COLUMNS))
        incidents = cast(list[Incident], list(rows))
        wanted = {Priority.parse(p).value for p in priorities}
        found = [
            c
            for c in self.clocks(incidents, as_of=moment).values()
            if c.is_open and c.worst in states and (not wanted or c.priority in wanted)
        ]
        return sorted(found, key=_urgency)

    # -- writing -------------------------------------------------------------

    def incidents(self, numbers: Sequence[int]) -> list[Incident]:
        """The incidents with these numbers, in the order given (read in a few queries)."""
        wanted = sorted(set(numbers))
        found: dict[int, Incident] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            statement = select(Incident).where(col(Incident.id).in_(chunk))
            found.update((i.id, i) for i in self.session.scalars(statement))
        return [found[number] for number in numbers]

    def records(self, numbers: Sequence[int]) -> list[Record]:
        """The records of these incidents, in the order given, each clock evaluated once."""
        incidents = self.incidents(numbers)
        unique = list({i.id: i for i in incidents}.values())
        clocks = self.clocks(unique)
        built = {i.id: self.record(i, clocks=clocks[i.id]) for i in unique}
        return [built[i.id] for i in incidents]


def _order(query: IncidentQuery) -> list[ColumnElement[Any]]:
    """ORDER BY for ``query``: its sort key (then ID), or worst first and oldest first."""
    if query.sort is None:
        untriaged_first = case((col(Incident.priority).is_(None), 0), else_=1)
        columns = [untriaged_first, col(Incident.priority), col(Incident.reported_at)]
        keys = [c.desc() if query.reverse else c.asc() for c in columns]
        return [*keys, *_ids(query)]
    if query.sort not in SORT_KEYS:
        raise Rejected(f"{query.sort!r} is not a sort key; use one of {', '.join(SORT_KEYS)}.")
    renamed = {"reported": "reported_at", "updated": "updated_at"}
    column = getattr(Incident, renamed.get(query.sort, query.sort))
    if query.sort == "priority":  # untriaged is the most urgent, like the queue says
        return [*_order(IncidentQuery(reverse=query.reverse))[:2], *_ids(query)]
    key = col(column).desc() if query.reverse else col(column).asc()
    return [key.nulls_last(), *_ids(query)]  # no value (no assignee yet) comes last


def _queue(query: IncidentQuery) -> list[ColumnElement[Any]]:
    """The open queue's ORDER BY, as :func:`_urgency` ranks: untriaged first, then
    priority, the nearest due (none due last), the oldest report, the number; all of it
    backwards with ``reverse``. The index ``ix_incidents_open_queue`` holds that order."""
    due = col(Incident.next_due_at)
    keys: list[ColumnElement[Any]]
    if query.reverse:
        keys = [due.desc().nulls_first(), col(Incident.reported_at).desc()]
    else:
        keys = [due.asc().nulls_last(), col(Incident.reported_at).asc()]
    return [QueueKey(reverse=query.reverse), *keys, *_ids(query)]


def _ids(query: IncidentQuery) -> list[ColumnElement[Any]]:
    return [col(Incident.id).desc() if query.reverse else col(Incident.id).asc()]


_FAR = datetime.max.replace(tzinfo=UTC)


def _urgency(clocks: Clocks) -> tuple[int, str, datetime, datetime, int]:
    """Queue order: untriaged first, then priority, then the nearest due, then oldest."""
    priority = clocks.priority
    due = clocks.next_due or _FAR
    return (0 if priority is None else 1, priority or "", due, clocks.incident.reported_at,
            clocks.incident.id)  # fmt: skip
