"""Reading SLA clocks out of the database, many incidents at a time.

One query fetches the status and priority events of a batch of incidents;
closed incidents outside the batch are never touched. ``as_of`` replays what
the timeline up to that moment, by the times the events say (``--at``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlmodel import Session, col

from inctrack.domain import OPEN_STATUSES, Status
from inctrack.sla.compute import CLOCKS, NOTHING_DUE, Change, SlaClock, compute
from inctrack.sla.policy import Policy
from inctrack.storage.models import Event, Incident

_BATCH = 2000
_FIELDS = ("status", "priority")


@dataclass(frozen=True)
class Clocks:
    """Both clocks of one incident, and what it looked like at ``as_of``."""

    incident: Incident
    status: Status
    priority: str | None
    response: SlaClock
    resolution: SlaClock
    responded_at: datetime | None = None
    resolved_at: datetime | None = None

    def record(self) -> dict[str, dict[str, object]]:
        return {"response": self.response.record(), "resolution": self.resolution.record()}

    def then(self) -> dict[str, object]:
        """The fields that the history rewinds to ``as_of`` (for past reports), besides
        the clocks themselves."""
        from inctrack.records import timestamp

        return {
            "status": self.status.value,
            "priority": self.priority,
            "responded_at": timestamp(self.responded_at),
            "resolved_at": timestamp(self.resolved_at),
        }

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def worst(self) -> str:
        states = {self.response.state, self.resolution.state}
        for state in ("breached", "at_risk"):
            if state in states:
                return state
        return "ok"

    @property
    def next_due(self) -> datetime | None:
        """The due time that matters now: the response's until answered, then resolution's."""
        clock = self.current
        return None if clock.state in NOTHING_DUE else clock.due_at

    @property
    def current(self) -> SlaClock:
        """The clock that matters now: response until answered, then resolution."""
        if self.response.phases and self.response.phases[-1].state != "stopped":
            return self.response
        return self.resolution


class Step(NamedTuple):
    """The parts of a status or priority event that the clocks read."""

    incident_id: int
    at: datetime
    actor: str
    kind: str
    field: str | None
    old: str | None
    new: str | None
    message: str | None


def history(
    session: Session, incident_ids: Iterable[int], as_of: datetime
) -> dict[int, list[Step]]:
    """Status and priority events per incident, oldest first (all of them: the
    priority before a later change is that change's ``old`` value)."""
    found: dict[int, list[Step]] = defaultdict(list)
    ids = list(incident_ids)
    columns = [col(getattr(Event, name)) for name in Step._fields]
    for start in range(0, len(ids), _BATCH):
        statement = (
            select(*columns)  # plain rows, not ORM objects: a report reads thousands
            .where(col(Event.incident_id).in_(ids[start : start + _BATCH]))
            .where(col(Event.field).in_(_FIELDS))
            .order_by(col(Event.incident_id), col(Event.id))
        )
        for row in session.execute(statement):
            step = Step(*row)
            found[step.incident_id].append(step)
    return found


def clocks_for(
    session: Session, incidents: Sequence[Incident], policy: Policy, as_of: datetime
) -> dict[int, Clocks]:
    events = history(session, (i.id for i in incidents), as_of)
    return {i.id: evaluate(i, events.get(i.id, []), policy, as_of) for i in incidents}


def evaluate(incident: Incident, events: Sequence[Step], policy: Policy, as_of: datetime) -> Clocks:
    changes = [
        Change(e.at, Status(e.new or ""), e.kind, e.actor, e.message)
        for e in events
        if e.field == "status" and e.at <= as_of
    ]
    priority = priority_at(incident, events, as_of)
    status = changes[-1].status if changes else Status.NEW
    clocks: list[SlaClock] = [
        compute(
            name,
            reported_at=incident.reported_at,
            changes=changes,
            target=policy.target(priority, name),
            as_of=as_of,
            at_risk=policy.at_risk,
            origin=Change(incident.reported_at, Status.NEW, "logged", incident.logged_by),
        )
        for name in CLOCKS
    ]
    responded = [c.at for c in changes if c.kind == "responded"]
    resolved = changes[-1].at if status is Status.RESOLVED else None
    return Clocks(
        incident, status, priority, clocks[0], clocks[1],
        responded_at=responded[0] if responded else None, resolved_at=resolved,
    )  # fmt: skip


def priority_at(incident: Incident, events: Sequence[Step], as_of: datetime) -> str | None:
    """The priority as of ``as_of``: the log-time priority has no event of its own."""
    changes = [e for e in events if e.field == "priority"]
    before = [e for e in changes if e.at <= as_of]
    if before:
        return before[-1].new
    if changes:
        return changes[0].old
    return incident.priority
