"""Scheduled maintenance ``MNT-n``: a window of time in which a service is under
maintenance. Windows start and end by the clock, so they are not status changes:
:mod:`inctrack.services.status` lays them over a service's recorded history when
it is read. Scheduling and cancelling is for incident managers and admins
(``manage-maintenance``); a cancelled window is kept, marked cancelled.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from inctrack.domain import format_maintenance_id, parse_maintenance_ref, required_text
from inctrack.errors import NotFound, Rejected
from inctrack.services.registry import Services
from inctrack.storage.models import MaintenanceWindow, Service
from inctrack.work import UnitOfWork

MAX_MESSAGE = 2000


class Maintenance:
    """Maintenance windows inside one unit of work."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session = work.session
        self.services = Services(work)

    def add(
        self, service: str, *, starts_at: datetime, ends_at: datetime, message: str
    ) -> MaintenanceWindow:
        """Schedule maintenance of ``service`` from ``starts_at`` until ``ends_at``."""
        self.work.authorize("manage-maintenance")
        found = self.services.get_or_raise(service)
        self.services.resolve(found.name)  # a retired service has no maintenance to plan
        if starts_at.tzinfo is None or ends_at.tzinfo is None:
            raise Rejected("A time without a time zone reached the tracker; pass an aware time.")
        if ends_at <= starts_at:
            raise Rejected(
                f"The maintenance would end ({ends_at.isoformat()}) before it starts "
                f"({starts_at.isoformat()}); --until comes after --from."
            )
        text = required_text(message, "maintenance message", limit=MAX_MESSAGE)
        assert found.id is not None
        window = MaintenanceWindow(
            id=self.work.numbers.take("maintenance"), service_id=found.id,
            starts_at=starts_at.replace(microsecond=0), ends_at=ends_at.replace(microsecond=0),
            message=text, created_at=self.work.now(), created_by=self.work.actor,
        )  # fmt: skip
        self.session.add(window)
        self.session.flush()
        return window

    def get_or_raise(self, ref: str | int) -> MaintenanceWindow:
        number = parse_maintenance_ref(ref)
        window = self.session.get(MaintenanceWindow, number)
        if window is None:
            raise NotFound(
                f"There is no maintenance window {format_maintenance_id(number)}; "
                "`inctrack maintenance list --all` shows them."
            )
        return window

    def service_of(self, window: MaintenanceWindow) -> Service:
        service = self.session.get(Service, window.service_id)
        assert service is not None  # a foreign key
        return service

    def cancel(self, ref: str | int) -> MaintenanceWindow:
        """Cancel a window that has not ended yet."""
        self.work.authorize("manage-maintenance")
        window = self.get_or_raise(ref)
        name = format_maintenance_id(window.id)
        if window.cancelled_at is not None:
            raise Rejected(f"{name} is already cancelled.")
        now = self.work.now()
        if window.ends_at <= now:
            raise Rejected(f"{name} is over; a past maintenance window stays in the history.")
        window.cancelled_at, window.cancelled_by = now, self.work.actor
        self.session.flush()
        return window

    def list(
        self, *, service: str | None = None, include_past: bool = False
    ) -> list[tuple[MaintenanceWindow, Service]]:
        """Windows with their service, soonest first: by default the ones not cancelled
        and not over; ``include_past`` adds the rest."""
        statement = (
            select(MaintenanceWindow, Service)
            .join(Service, col(Service.id) == col(MaintenanceWindow.service_id))
            .order_by(col(MaintenanceWindow.starts_at), col(MaintenanceWindow.id))
        )
        if service is not None:
            found = self.services.get_or_raise(service)
            statement = statement.where(col(MaintenanceWindow.service_id) == found.id)
        if not include_past:
            statement = statement.where(col(MaintenanceWindow.cancelled_at).is_(None)).where(
                col(MaintenanceWindow.ends_at) > self.work.now()
            )
        return [(row[0], row[1]) for row in self.session.execute(statement)]
