"""A service's status: derived from its open incidents, set by hand, and its history.

The effective status of a service is the one set by hand (``service status``)
when there is one, else the one its open incidents give it (:func:`derive`).
Every change of it is one :class:`ServiceStatusChange` row, written in the
same transaction as what caused it: :func:`inctrack.services.watch.watch` makes
every flush of a session that changed an incident's service, impact, major flag
or status re-derive the services involved (:func:`refresh`). Maintenance windows
start and end by the clock, not by an event, so they are never recorded: they
are laid over the recorded history when it is read (:func:`status_timeline`, :func:`status_at`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from sqlalchemy import insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from inctrack.domain import OPEN_STATUSES
from inctrack.errors import Rejected
from inctrack.storage.models import Incident, MaintenanceWindow, Service, ServiceStatusChange


class ServiceStatus(StrEnum):
    """A service's status, from best to worst (see :data:`SEVERITY`)."""

    OPERATIONAL = "operational"
    MAINTENANCE = "maintenance"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial-outage"
    MAJOR_OUTAGE = "major-outage"


SEVERITY = tuple(ServiceStatus)
"""Statuses ordered best to worst: the worst of several is the one furthest along."""

_SECOND = timedelta(seconds=1)

Segment = tuple[datetime, datetime, ServiceStatus]
"""A stretch of time ``[start, end)`` in one status."""


def parse_status(text: str) -> ServiceStatus:
    try:
        return ServiceStatus(text.strip().lower())
    except ValueError:
        allowed = ", ".join(status.value for status in ServiceStatus)
        raise Rejected(f"{text!r} is not a service status; use one of {allowed}.") from None


def worst(statuses: Iterable[ServiceStatus | str]) -> ServiceStatus:
    """The worst of ``statuses``; operational when there are none."""
    return max(
        (ServiceStatus(status) for status in statuses),
        key=SEVERITY.index,
        default=ServiceStatus.OPERATIONAL,
    )


def incident_status(incident: Incident) -> ServiceStatus:
    """What one open incident does to its service: major -> major outage, high impact ->
    partial outage, anything else -> degraded."""
    return status_of(incident.major, incident.impact)


def status_of(major: bool, impact: str | None) -> ServiceStatus:
    """:func:`incident_status` from the two fields it reads."""
    if major:
        return ServiceStatus.MAJOR_OUTAGE
    if impact == "high":
        return ServiceStatus.PARTIAL_OUTAGE
    return ServiceStatus.DEGRADED


def derive(session: Session, name: str) -> ServiceStatus:
    """The status the open incidents naming service ``name`` give it.

    Only the distinct (major, impact) pairs are read, not the incidents: after a big
    import a service has tens of thousands of open incidents, and loading each as an
    object took seconds."""
    statement = (
        select(col(Incident.major), col(Incident.impact))
        .where(col(Incident.service) == name)
        .where(col(Incident.status).in_([status.value for status in OPEN_STATUSES]))
        .distinct()
    )
    return worst(status_of(major, impact) for major, impact in session.execute(statement))


def effective(session: Session, service: Service) -> ServiceStatus:
    """The status set by hand, else the derived one (maintenance not included)."""
    if service.manual_status is not None:
        return ServiceStatus(service.manual_status)
    return derive(session, service.name)


def last_change(session: Session, service: Service) -> ServiceStatusChange | None:
    statement = (
        select(ServiceStatusChange)
        .where(col(ServiceStatusChange.service_id) == service.id)
        .order_by(col(ServiceStatusChange.at).desc(), col(ServiceStatusChange.id).desc())
    )
    return session.scalars(statement.limit(1)).first()


def record(
    session: Session,
    service: Service,
    *,
    at: datetime,
    recorded_at: datetime,
    actor: str,
    cause: str,
    incident_id: int | None = None,
    reason: str | None = None,
) -> ServiceStatus | None:
    """Re-derive ``service``'s effective status; when it changed, store it with one
    history row (dated ``at``, never before the last one) and return it.

    Written with statements, not pending ORM objects, so that it also works from
    inside a flush (:func:`watch`), when nothing added to the session would be
    flushed any more."""
    with session.no_autoflush:
        new = effective(session, service)
        if new.value == service.status:
            return None
        previous = last_change(session, service)
    if previous is not None and at < previous.at:
        at = previous.at  # a back-dated change cannot rewrite the history already told
    session.execute(
        insert(ServiceStatusChange).values(
            service_id=service.id, at=at, recorded_at=recorded_at, actor=actor,
            old=service.status or None, status=new.value, cause=cause,
            incident_id=incident_id, reason=reason,
        )
    )  # fmt: skip
    session.execute(update(Service).where(col(Service.id) == service.id).values(status=new.value))
    set_committed_value(service, "status", new.value)
    return new


def refresh(
    session: Session,
    touched: Mapping[str, tuple[datetime, int | None]],
    *,
    actor: str,
    now: datetime | None,
) -> None:
    """Re-derive the services named in ``touched`` (name -> (when, incident number))."""
    folded = {name.casefold(): value for name, value in touched.items()}
    statement = select(Service).where(col(Service.folded).in_(list(folded)))
    with session.no_autoflush:
        for service in session.scalars(statement):
            at, incident_id = folded[service.folded]
            record(session, service, at=at, recorded_at=now or at, actor=actor,
                   cause="incident", incident_id=incident_id)  # fmt: skip


# -- reading the history -----------------------------------------------------------------


def windows(
    session: Session, service: Service, since: datetime, until: datetime
) -> list[MaintenanceWindow]:
    """The service's maintenance windows (not cancelled) overlapping ``[since, until)``."""
    statement = (
        select(MaintenanceWindow)
        .where(col(MaintenanceWindow.service_id) == service.id)
        .where(col(MaintenanceWindow.cancelled_at).is_(None))
        .where(col(MaintenanceWindow.starts_at) < until)
        .where(col(MaintenanceWindow.ends_at) > since)
        .order_by(col(MaintenanceWindow.starts_at))
    )
    return list(session.scalars(statement))


def status_timeline(
    session: Session, service: Service, since: datetime, until: datetime
) -> list[Segment]:
    """The service's status over ``[since, until)`` as consecutive ``(start, end, status)``
    segments: the recorded history with its maintenance windows laid over it (a window
    shows as maintenance unless the service was worse off). Before the service was
    registered it counts as operational."""
    if until <= since:
        return []
    statement = (
        select(ServiceStatusChange)
        .where(col(ServiceStatusChange.service_id) == service.id)
        .where(col(ServiceStatusChange.at) < until)
        .order_by(col(ServiceStatusChange.at), col(ServiceStatusChange.id))
    )
    recorded: list[tuple[datetime, ServiceStatus]] = [(since, ServiceStatus.OPERATIONAL)]
    for change in session.scalars(statement):
        if change.at <= since:
            recorded[0] = (since, ServiceStatus(change.status))
        else:
            recorded.append((change.at, ServiceStatus(change.status)))
    found = windows(session, service, since, until)
    cuts = {since, until} | {at for at, _ in recorded}
    for window in found:
        cuts |= {max(since, window.starts_at), min(until, window.ends_at)}
    points = sorted(cuts)
    segments: list[Segment] = []
    index = 0
    for start, end in pairwise(points):
        while index + 1 < len(recorded) and recorded[index + 1][0] <= start:
            index += 1
        status = recorded[index][1]
        if any(window.starts_at <= start < window.ends_at for window in found):
            status = worst([status, ServiceStatus.MAINTENANCE])
        if segments and segments[-1][2] is status:
            segments[-1] = (segments[-1][0], end, status)
        else:
            segments.append((start, end, status))
    return segments


def status_at(session: Session, service: Service, when: datetime) -> ServiceStatus:
    """The service's status at ``when`` (maintenance included)."""
    segments = status_timeline(session, service, when, when + timedelta(seconds=1))
    return segments[0][2] if segments else ServiceStatus.OPERATIONAL


def current(session: Session, service: Service, now: datetime) -> ServiceStatus:
    """The service's status now: the recorded one, or maintenance during a window."""
    recorded = ServiceStatus(service.status)
    if windows(session, service, now, now + _SECOND):
        return worst([recorded, ServiceStatus.MAINTENANCE])
    return recorded


def worst_per_day(
    segments: Iterable[Segment], days: Iterable[tuple[datetime, datetime]]
) -> list[ServiceStatus]:
    """The worst status of each ``[start, end)`` day among ``segments`` (for uptime bars)."""
    found = list(segments)
    return [
        worst(status for start, end, status in found if start < day_end and end > day_start)
        for day_start, day_end in days
    ]
