"""One unit of work: what every service of inctrack works inside.

A :class:`UnitOfWork` is one transaction seen from the domain: the session,
the injected clock, the acting person and what they may do, the moment of the
change (``now``, and ``--at`` checked against it), the ID counters, and the
events written so far, which the command line turns into hook runs once the
transaction has committed. Services (the tracker, problems, intake, the
importer, the admin services) take one and never commit: the caller owns the
transaction, so a change and its events land together or not at all.

:class:`Change` is one command applied to one locked record, each changed
field with its event; :class:`IncidentChange` adds the incident lifecycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import select, update
from sqlmodel import Session, col

from inctrack.access import People
from inctrack.clock import Clock
from inctrack.domain import Status, format_incident_id, parse_incident_ref
from inctrack.domain import os_login as current_os_login
from inctrack.errors import Conflict, NotFound, Rejected
from inctrack.lifecycle import Verb, next_status
from inctrack.services import watch as services_watch
from inctrack.sla import policy as policy_store
from inctrack.sla import stored
from inctrack.sla.policy import Policy
from inctrack.storage.chain import Chain
from inctrack.storage.models import Counter, Event, Incident

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the clock an ``--at`` may be (clock skew between machines)."""


class Numbers:
    """The ID counters (``INC-n``, ``PRB-n``): the one allocator every writer uses.

    Taking a number updates the counter's row, which takes its lock
    (PostgreSQL) inside the writer's transaction (``BEGIN IMMEDIATE`` on
    SQLite), so no two writers get the same number and a rolled-back
    transaction gives its numbers back.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, series: str, count: int = 1) -> int:
        """The first of ``count`` new consecutive numbers of ``series``."""
        statement = (
            update(Counter)
            .where(col(Counter.name) == series)
            .values(value=col(Counter.value) + count)
            .returning(col(Counter.value))
        )
        return int(self.session.execute(statement).scalar_one()) - count + 1

    def hold(self, series: str, *, lock: bool = True) -> int:
        """The last number handed out, with the counter locked until the transaction ends:
        concurrent writers of the series wait (a dedup check, a bulk import)."""
        statement = select(col(Counter.value)).where(col(Counter.name) == series)
        if lock:
            statement = statement.with_for_update()
        return int(self.session.execute(statement).scalar_one())

    def raise_to(self, series: str, value: int) -> None:
        """Move the counter on to ``value`` when records came with their own numbers."""
        statement = (
            update(Counter)
            .where(col(Counter.name) == series)
            .where(col(Counter.value) < value)
            .values(value=value)
        )
        self.session.execute(statement)


class UnitOfWork:
    """One transaction, one actor, one clock: the plumbing every service shares."""

    def __init__(
        self, session: Session, *, clock: Clock, actor: str, os_login: str | None = None
    ) -> None:
        if not actor.strip():
            raise Rejected("An empty name cannot act; set --as NAME or INCTRACK_USER.")
        self.session = session
        self.clock = clock
        self.actor = actor.strip()
        self.os_login = current_os_login() if os_login is None else os_login
        """The OS login running the command, recorded on every event beside the actor."""
        self.people = People(session)
        self.numbers = Numbers(session)
        self.chain = Chain(session)
        """The hash chain every incident event joins (``storage.chain``)."""
        self._policy: Policy | None = None
        services_watch.watch(session, actor=self.actor, now=self.now())
        stored.watch(session, self.policy)
        self.written: list[tuple[int, str]] = []
        """(incident number, event kind) of each event written in this unit, in order:
        what the command line runs hooks for once the transaction commits."""

    def authorize(self, action: str) -> None:
        """PermissionDenied unless the actor's roles allow ``action`` (``people.PERMISSIONS``)."""
        self.people.authorize(self.actor, action)

    def now(self) -> datetime:
        """The clock's moment, to the second (what inctrack stores)."""
        return self.clock.now().replace(microsecond=0)

    def when(self, at: datetime | None, now: datetime | None = None) -> datetime:
        """When a change happened: ``at`` (``--at``), checked against now, or now."""
        now = self.now() if now is None else now
        if at is None:
            return now
        if at.tzinfo is None:
            raise Rejected("A time without a time zone reached the tracker; pass an aware time.")
        at = at.replace(microsecond=0)
        if at > now + FUTURE_TOLERANCE:
            raise Rejected(
                f"{at.isoformat()} is in the future; --at says when something already happened."
            )
        return min(at, now)  # a little ahead is clock skew between machines: it means now

    def policy(self) -> Policy:
        """The team's SLA policy, read once per unit of work (until it changes)."""
        if self._policy is None:
            self._policy = policy_store.load(self.session)
        return self._policy

    def policy_changed(self, moved: stored.PolicyPart | None = None) -> None:
        """Forget the policy read so far: the next :meth:`policy` reads it again. When it
        moved what stored clock columns read (``moved``: the targets or the business
        calendar), those are recomputed with it, in this transaction (``sla.stored``)."""
        self._policy = None
        if moved is not None:
            stored.refresh_policy(self.session, self.policy(), moved)

    def begin(
        self,
        ref: str | int,
        verb: Verb,
        at: datetime | None,
        *,
        expected_version: int | None = None,
    ) -> IncidentChange:
        """Authorize ``verb``, lock the incident, check its version (when the caller says
        which one it saw), the lifecycle and the time."""
        self.authorize(verb.value)
        incident = self.lock(ref, expected_version=expected_version)
        target = next_status(
            Status(incident.status), verb, incident_id=format_incident_id(incident.id)
        )
        now = self.now()
        change = IncidentChange(self, incident, target=target, at=self.when(at, now), now=now)
        change.check_order()
        return change

    def lock(self, ref: str | int, *, expected_version: int | None = None) -> Incident:
        """The incident, locked for this transaction (after the chain head: writers
        never wait in a circle), at ``expected_version`` when the caller says so."""
        number = parse_incident_ref(ref)
        self.chain.head()
        statement = select(Incident).where(col(Incident.id) == number).with_for_update()
        incident = self.session.scalars(statement).first()
        if incident is None:
            raise no_such_incident(number)
        if expected_version is not None and incident.version != expected_version:
            raise self.stale(incident, expected_version)
        return incident

    def remark(
        self, incident: Incident, kind: str, *, field: str | None = None, new: object = None,
        message: str | None = None,
    ) -> Event:  # fmt: skip
        """An event on a locked incident (:meth:`lock`) that changes none of its fields
        and that its status does not restrict (feedback on a closed incident): counted
        as a version and chained like any other."""
        now = self.now()
        incident.version += 1
        incident.updated_at = max(incident.updated_at, now)
        return self.event(
            incident.id, kind, at=now, recorded_at=now, field=field, new=new, message=message
        )

    def stale(self, incident: Incident, seen: int) -> Conflict:
        """The incident changed since version ``seen``: say how, by whom, and what now."""
        incident_id = format_incident_id(incident.id)
        since = ""
        if 0 <= seen < incident.version:
            statement = (
                select(Event).where(col(Event.incident_id) == incident.id)
                .order_by(col(Event.id)).offset(seen)
            )  # fmt: skip
            since = f" ({changes_said(list(self.session.scalars(statement)))})"
        return Conflict(
            f"{incident_id} is at version {incident.version}, not {seen}: it changed since "
            f"you looked{since}; nothing was written, check `inctrack show {incident_id}` "
            "and try again."
        )

    def event(
        self,
        incident_id: int,
        kind: str,
        *,
        at: datetime,
        recorded_at: datetime,
        field: str | None = None,
        old: object = None,
        new: object = None,
        message: str | None = None,
    ) -> Event:
        """Append one event to an incident's timeline and the chain (and note it for the
        hooks)."""
        row = event_row(
            incident_id, kind, at=at, recorded_at=recorded_at, actor=self.actor,
            os_login=self.os_login, field=field, old=old, new=new, message=message,
        )  # fmt: skip
        self.chain.extend([row])
        event = Event(**row)
        self.session.add(event)
        self.wrote(incident_id, kind)
        return event

    def wrote(self, incident_id: int, kind: str) -> None:
        """Note an event written in bulk (not through :meth:`event`) for the hooks."""
        self.written.append((incident_id, kind))


def no_such_incident(number: int) -> NotFound:
    return NotFound(
        f"There is no incident {format_incident_id(number)}; "
        "`inctrack list --all` shows the ones that exist."
    )


def changes_said(events: list[Event], *, limit: int = 4) -> str:
    """A few events in words, by whom: "kim set priority to P1, lee added a note"."""
    said = []
    for event in events[:limit]:
        what = f"set {event.field} to {event.new}" if event.field else event.kind.replace("_", " ")
        said.append(f"{event.actor} {what}" if event.field else f"{event.actor}: {what}")
    more = len(events) - limit
    return ", ".join(said) + (f" and {more} more" if more > 0 else "")


def event_row(
    incident_id: int,
    kind: str,
    *,
    at: datetime,
    recorded_at: datetime,
    actor: str,
    os_login: str | None,
    field: str | None = None,
    old: object = None,
    new: object = None,
    message: str | None = None,
) -> dict[str, Any]:
    """The columns of one incident event, for the ORM or a bulk INSERT."""
    return {"incident_id": incident_id, "at": at, "recorded_at": recorded_at, "actor": actor,
            "kind": kind, "field": field, "old": event_value(old), "new": event_value(new),
            "message": message, "os_login": os_login}  # fmt: skip


def event_value(value: object) -> str | None:
    """How an old or new value is stored on an event: text, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Change:
    """One command applied to one locked record: field changes, each with its event.

    ``subject`` is the record (an incident, a problem); ``write_event`` appends
    one event to its timeline. A command's message (its reason, its note) is
    said on its first event only.
    """

    ATTRIBUTES: ClassVar[Mapping[str, str]] = {}
    """Field names (as events and records say them) -> the subject's attribute."""

    def __init__(
        self,
        subject: Any,
        *,
        id: str,
        at: datetime,
        now: datetime,
        write_event: Callable[..., Any],
    ) -> None:
        self.subject = subject
        self.id = id
        self.at = at
        self.now = now
        self.events: list[Any] = []
        self._write_event = write_event
        self._said: set[str] = set()

    def check_order(self) -> None:
        """Refuse a change dated before the record's last one: a timeline moves forward."""
        last = self.subject.updated_at
        if self.at < last:
            raise Rejected(
                f"{self.at.isoformat()} is before the last change to {self.id} "
                f"({last.isoformat()}); a timeline only moves forward."
            )

    def event(
        self,
        kind: str,
        *,
        field: str | None = None,
        old: object = None,
        new: object = None,
        message: str | None = None,
    ) -> None:
        if message is not None and message in self._said:
            message = None  # one command, one reason: say it on its first event only
        elif message is not None:
            self._said.add(message)
        # The record's time first: writing the event may flush it (the chain reads its
        # head), and what a flush sees (a service's status history) must carry this time.
        self.subject.updated_at = self.at
        self.events.append(self._write_event(kind, field=field, old=old, new=new, message=message))

    def set(
        self,
        field: str,
        value: object,
        *,
        kind: str,
        message: str | None = None,
        shown: tuple[object, object] | None = None,
    ) -> bool:
        """Change one field if it differs, with one event; True when it changed."""
        name = self.ATTRIBUTES.get(field, field)
        old = getattr(self.subject, name)
        if old == value:
            return False
        setattr(self.subject, name, value)
        old_shown, new_shown = shown if shown is not None else (old, value)
        self.event(kind, field=field, old=old_shown, new=new_shown, message=message)
        return True


class IncidentChange(Change):
    """One verb applied to one locked incident, with the status the lifecycle allows."""

    ATTRIBUTES: ClassVar[Mapping[str, str]] = {"group": "assignment_group"}

    def __init__(
        self, work: UnitOfWork, incident: Incident, *, target: Status, at: datetime, now: datetime
    ) -> None:
        def write(kind: str, **values: Any) -> Event:
            incident.version += 1  # one event, one version (``--if-version``)
            return work.event(incident.id, kind, at=at, recorded_at=now, **values)

        super().__init__(
            incident, id=format_incident_id(incident.id), at=at, now=now, write_event=write
        )
        self.incident = incident
        self.target = target

    def reassign(
        self,
        *,
        assignee: str | None,
        group: str | None,
        kind: str = "assigned",
        message: str | None = None,
    ) -> None:
        """New hands: counts as a reassignment when someone already had it."""
        incident = self.incident
        had_it = incident.assignee is not None or incident.assignment_group is not None
        changed = False
        if group is not None:
            changed |= self.set("group", group, kind=kind, message=message)
        if assignee is not None or changed:  # a new group starts without an assignee
            changed |= self.set("assignee", assignee, kind=kind, message=message)
        if changed and had_it:
            incident.reassignment_count += 1

    def move(self, kind: str, *, message: str | None = None, to: Status | None = None) -> None:
        """Apply the lifecycle's next status (or ``to``, a step on the way), with its event."""
        old, target = self.incident.status, self.target if to is None else to
        self.incident.status = target.value
        if target is not Status.ON_HOLD:
            self.incident.hold_reason = None  # only an incident on hold waits for something
        self.event(kind, field="status", old=old, new=target.value, message=message)
