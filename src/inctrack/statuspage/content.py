"""Everything the status page shows, read once from the database into plain data.

An incident is public once it has at least one public update; it is active while
it is open and its latest public update is not "resolved". The day bars cover the
last ``days`` calendar days in UTC, today included up to now; a service's uptime
is the share of that time it was in neither a partial nor a major outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from inctrack.domain import (
    OPEN_STATUSES,
    format_incident_id,
    format_maintenance_id,
    required_text,
)
from inctrack.errors import Rejected
from inctrack.services import status as statuses
from inctrack.services.status import ServiceStatus
from inctrack.storage.models import Incident, MaintenanceWindow, Service, Update

DEFAULT_DAYS = 90
MAX_DAYS = 366
MAX_TITLE = 200
DOWN = frozenset({ServiceStatus.PARTIAL_OUTAGE, ServiceStatus.MAJOR_OUTAGE})
"""The statuses uptime counts as down time."""


@dataclass(frozen=True)
class Day:
    date: str
    status: ServiceStatus


@dataclass(frozen=True)
class ServiceView:
    name: str
    title: str
    group: str | None
    description: str | None
    status: ServiceStatus
    created_at: datetime
    days: list[Day]
    uptime: float
    """Percent of the covered time the service was up."""


@dataclass(frozen=True)
class UpdateView:
    number: int
    at: datetime
    state: str
    message: str


@dataclass(frozen=True)
class IncidentView:
    id: str
    title: str
    service: str | None
    impact: str
    """Statuspage's words: critical (major incident), major (high impact) or minor."""
    started_at: datetime
    resolved_at: datetime | None
    active: bool
    updates: list[UpdateView]
    """Public updates, newest first."""

    @property
    def state(self) -> str:
        return self.updates[0].state

    @property
    def updated_at(self) -> datetime:
        return self.updates[0].at


@dataclass(frozen=True)
class MaintenanceView:
    id: str
    service: str
    starts_at: datetime
    ends_at: datetime
    message: str
    created_at: datetime


@dataclass(frozen=True)
class Page:
    title: str
    base_url: str
    now: datetime
    days: int
    services: list[ServiceView]
    incidents: list[IncidentView]
    """Every public incident, most recently updated first."""
    maintenance: list[MaintenanceView]

    @property
    def status(self) -> ServiceStatus:
        return statuses.worst(service.status for service in self.services)

    def title_of(self, service: str | None) -> str:
        """The title a visitor knows a service by (its name when it is not listed)."""
        titles = {view.name: view.title for view in self.services}
        return "" if service is None else titles.get(service, service)

    @property
    def active(self) -> list[IncidentView]:
        return [incident for incident in self.incidents if incident.active]

    @property
    def past(self) -> list[IncidentView]:
        return [incident for incident in self.incidents if not incident.active]


def day_spans(now: datetime, days: int) -> list[tuple[datetime, datetime]]:
    """The ``days`` calendar days (UTC) ending today, today cut at ``now``."""
    today = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
    starts = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    return [(start, min(start + timedelta(days=1), now)) for start in starts]


def gather(session: Session, *, now: datetime, title: str, base_url: str, days: int) -> Page:
    """Read the public facts of the status page as of ``now``."""
    if not 1 <= days <= MAX_DAYS:
        raise Rejected(f"--days takes 1 to {MAX_DAYS} days; {days} is not in that range.")
    name = required_text(title, "status page title", limit=MAX_TITLE)
    base_url = base_url.strip().rstrip("/")
    if base_url and not base_url.startswith(("https://", "http://")):
        raise Rejected(
            f"--base-url {base_url!r} is not a web address; give where the site is published, "
            "e.g. https://status.example.com."
        )
    return Page(
        title=name, base_url=base_url, now=now, days=days,
        services=_services(session, now, days), incidents=_incidents(session),
        maintenance=_maintenance(session, now),
    )  # fmt: skip


def _services(session: Session, now: datetime, days: int) -> list[ServiceView]:
    spans = day_spans(now, days)
    since, until = spans[0][0], now
    found = session.scalars(
        select(Service).where(col(Service.retired_at).is_(None)).order_by(col(Service.folded))
    )
    views = []
    for service in found:
        segments = statuses.status_timeline(session, service, since, until)
        per_day = statuses.worst_per_day(segments, spans)
        down = sum(((end - start) for start, end, s in segments if s in DOWN), timedelta())
        total = until - since
        views.append(
            ServiceView(
                name=service.name,
                title=service.title,
                group=service.group_name,
                description=service.description,
                status=statuses.current(session, service, now),
                created_at=service.created_at,
                days=[
                    Day(start.date().isoformat(), s)
                    for (start, _), s in zip(spans, per_day, strict=True)
                ],
                uptime=100.0 * (1 - down / total) if total else 100.0,
            )
        )
    return views


def _incidents(session: Session) -> list[IncidentView]:
    public = select(col(Update.incident_id)).where(col(Update.public).is_(True)).distinct()
    incidents = {
        incident.id: incident
        for incident in session.scalars(select(Incident).where(col(Incident.id).in_(public)))
    }
    updates: dict[int, list[UpdateView]] = {number: [] for number in incidents}
    statement = (
        select(Update)
        .where(col(Update.public).is_(True))
        .order_by(col(Update.at).desc(), col(Update.id).desc())
    )
    for update in session.scalars(statement):
        assert update.id is not None
        updates[update.incident_id].append(
            UpdateView(update.id, update.at, update.state, update.message)
        )
    views = [_incident_view(incidents[number], told) for number, told in updates.items()]
    return sorted(views, key=lambda view: (view.updated_at, view.id), reverse=True)


def _incident_view(incident: Incident, updates: list[UpdateView]) -> IncidentView:
    latest = updates[0]
    is_open = incident.status in {status.value for status in OPEN_STATUSES}
    told_resolved = next((u.at for u in updates if u.state == "resolved"), None)
    active = is_open and latest.state != "resolved"
    resolved_at = None if active else (told_resolved or incident.resolved_at or latest.at)
    impact = "critical" if incident.major else "major" if incident.impact == "high" else "minor"
    return IncidentView(
        id=format_incident_id(incident.id), title=incident.title, service=incident.service,
        impact=impact, started_at=min(incident.reported_at, updates[-1].at),
        resolved_at=resolved_at, active=active, updates=updates,
    )  # fmt: skip


def _maintenance(session: Session, now: datetime) -> list[MaintenanceView]:
    statement = (
        select(MaintenanceWindow, Service)
        .join(Service, col(Service.id) == col(MaintenanceWindow.service_id))
        .where(col(MaintenanceWindow.cancelled_at).is_(None))
        .where(col(MaintenanceWindow.ends_at) > now)
        .order_by(col(MaintenanceWindow.starts_at), col(MaintenanceWindow.id))
    )
    return [
        MaintenanceView(
            id=format_maintenance_id(window.id),
            service=service.name,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            message=window.message,
            created_at=window.created_at,
        )
        for window, service in session.execute(statement)
    ]
