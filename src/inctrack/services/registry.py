"""The service registry: the services incidents affect and the status page shows.

Every service an incident names is registered here (migration 0011 registered
the ones in use before the registry existed). Names match case-insensitively
and are stored as the registry spells them. Services are retired, never
deleted: incidents keep them, new incidents cannot name them. Changing the
registry is for admins (``manage-services``); setting a status by hand is for
the service desk, incident managers and admins (``service-status``);
resolving a name (:meth:`Services.resolve`) is for every command that names a
service.

>>> services = tracker.services
>>> services.add("email", title="Email", group="Messaging")
>>> services.set_status("email", "degraded", reason="slow delivery")
>>> services.timeline("email", since, until)   # [(start, end, ServiceStatus), ...]
"""

from __future__ import annotations

import difflib
import shlex
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from inctrack.domain import optional_text, required_text
from inctrack.errors import NotFound, Rejected
from inctrack.records import Record
from inctrack.services import status as statuses
from inctrack.services.records import service_record, status_change_record
from inctrack.services.status import Segment, ServiceStatus, parse_status
from inctrack.storage.models import Service, ServiceStatusChange
from inctrack.work import UnitOfWork

MAX_SERVICE_NAME = 100
"""The longest service name, in characters."""


def service_name(text: str) -> str:
    """A service name as typed, checked: not blank, one line, not too long."""
    name = required_text(text, "service name", limit=MAX_SERVICE_NAME)
    if any(not char.isprintable() for char in name):
        raise Rejected("A service name is one line of printable text.")
    return name


class Services:
    """The registry inside one unit of work: look-ups for everyone, changes for admins."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session = work.session

    # -- reading -----------------------------------------------------------------

    def all(self, *, include_retired: bool = False) -> list[Service]:
        statement = select(Service).order_by(col(Service.folded))
        if not include_retired:
            statement = statement.where(col(Service.retired_at).is_(None))
        return list(self.session.scalars(statement))

    def get(self, name: str) -> Service | None:
        """The service called ``name``, in any case; None when there is none."""
        folded = name.strip().casefold()
        return self.session.scalars(select(Service).where(col(Service.folded) == folded)).first()

    def get_or_raise(self, name: str) -> Service:
        service = self.get(name)
        if service is None:
            raise NotFound(f"There is no service {name.strip()}{self._suggest(name)}")
        return service

    def resolve(self, name: str) -> str:
        """The registry's spelling of ``name``, which a new or edited incident may name:
        NotFound (with a suggestion) when unknown, Rejected when retired."""
        service = self.get_or_raise(name)
        if service.retired_at is not None:
            raise Rejected(
                f"The service {service.name} is retired; choose a current one "
                "(`inctrack service list`)."
            )
        return service.name

    def status(self, service: Service, *, at: datetime | None = None) -> ServiceStatus:
        """The service's status now (or at ``at``), maintenance windows included."""
        if at is None:
            return statuses.current(self.session, service, self.work.now())
        return statuses.status_at(self.session, service, at)

    def record(self, service: Service, *, with_history: bool = False) -> Record:
        """The service's public record with its status now; ``service show`` adds its
        ``history`` (every status change, oldest first)."""
        record = service_record(service, status=self.status(service))
        if with_history:
            record["history"] = [status_change_record(c) for c in self.history(service)]
        return record

    def history(self, service: Service) -> list[ServiceStatusChange]:
        """Every recorded change of the service's status, oldest first."""
        statement = (
            select(ServiceStatusChange)
            .where(col(ServiceStatusChange.service_id) == service.id)
            .order_by(col(ServiceStatusChange.at), col(ServiceStatusChange.id))
        )
        return list(self.session.scalars(statement))

    def timeline(self, name: str | Service, since: datetime, until: datetime) -> list[Segment]:
        """The service's status over ``[since, until)``: ``(start, end, status)`` segments."""
        service = name if isinstance(name, Service) else self.get_or_raise(name)
        return statuses.status_timeline(self.session, service, since, until)

    # -- changing ------------------------------------------------------------------

    def add(
        self,
        name: str,
        *,
        title: str | None = None,
        group: str | None = None,
        description: str | None = None,
        at: datetime | None = None,
    ) -> Service:
        """Register a service (its status derived from the incidents already naming it);
        adding a retired one brings it back."""
        self.work.authorize("manage-services")
        wanted = service_name(name)
        service = self.get(wanted)
        if service is not None and service.retired_at is None:
            raise Rejected(f"The service {service.name} already exists.")
        now = self.work.now()
        if service is None:
            service = Service(name=wanted, folded=wanted.casefold(), title=wanted,
                              status="", created_at=now)  # fmt: skip
            self.session.add(service)
        service.retired_at = None
        if title is not None:
            service.title = required_text(title, "service title", limit=200)
        if group is not None:
            service.group_name = self._group(group)
        if description is not None:
            service.description = optional_text(description)
        self.session.flush()
        statuses.record(self.session, service, at=self.work.when(at, now), recorded_at=now,
                        actor=self.work.actor, cause="registered")  # fmt: skip
        self.session.flush()
        return service

    def register_all(self, names: set[str], *, at: datetime) -> None:
        """Register, without asking, every one of ``names`` the registry lacks (an
        import from another tool must not fail on a service it never heard of)."""
        now = self.work.now()
        for name in sorted(names, key=str.casefold):
            if self.get(name) is None:
                wanted = service_name(name)
                service = Service(name=wanted, folded=wanted.casefold(), title=wanted,
                                  status="", created_at=now)  # fmt: skip
                self.session.add(service)
                self.session.flush()
                statuses.record(self.session, service, at=at, recorded_at=now,
                                actor=self.work.actor, cause="registered")  # fmt: skip
        self.session.flush()

    def retire(self, name: str) -> Service:
        """Retire a service: kept on incidents, refused for new ones."""
        self.work.authorize("manage-services")
        service = self.get_or_raise(name)
        if service.retired_at is not None:
            raise Rejected(f"The service {service.name} is already retired.")
        service.retired_at = self.work.now()
        self.session.flush()
        return service

    def set_status(
        self,
        name: str,
        status: ServiceStatus | str | None,
        *,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> Service:
        """Set the service's status by hand (``reason`` required), or with None go back
        to the status its incidents give it. The change, if any, is recorded."""
        self.work.authorize("service-status")
        service = self.get_or_raise(name)
        now = self.work.now()
        when = self.work.when(at, now)
        if status is None:
            if service.manual_status is None:
                raise Rejected(
                    f"The status of {service.name} is not set by hand; it already follows "
                    "its incidents."
                )
            service.manual_status = service.manual_reason = None
            cause = "auto"
            reason = optional_text(reason) or "status follows the incidents again"
        else:
            chosen = parse_status(str(status))
            if chosen is ServiceStatus.MAINTENANCE:
                raise Rejected(
                    "Maintenance comes from a maintenance window; schedule one with "
                    f"`inctrack maintenance add --service {service.name} --from … --until …`."
                )
            reason = required_text(reason or "", "reason (--reason)")
            service.manual_status, service.manual_reason = chosen.value, reason
            cause = "manual"
        statuses.record(self.session, service, at=when, recorded_at=now, actor=self.work.actor,
                        cause=cause, reason=reason)  # fmt: skip
        self.session.flush()
        return service

    # -- helpers -------------------------------------------------------------------

    def _group(self, name: str) -> str:
        from inctrack.admin.groups import Groups

        return Groups(self.work).resolve(name)

    def _suggest(self, name: str) -> str:
        known = {service.folded: service.name for service in self.all()}
        typed = name.strip().casefold()
        close = difflib.get_close_matches(typed, list(known), n=3, cutoff=0.6)
        if not close:
            close = [folded for folded in known if typed and typed in folded][:3]
        if close:
            return "; did you mean " + " or ".join(known[match] for match in close) + "?"
        if not known:
            return (
                "; no service is registered yet: an admin adds one with "
                f"`inctrack service add {shlex.quote(name.strip())} --title …`."
            )
        return "; `inctrack service list` shows the services, `inctrack service add` registers one."
