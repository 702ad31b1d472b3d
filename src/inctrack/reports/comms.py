"""What `report comms` says: open incidents whose stakeholders are overdue an update.

The policy gives each priority an update interval (``policy set P1 --update-every
30m``; by default P1 every 30 minutes, P2 every hour, the others none); a major
incident keeps P1's cadence whatever its priority. An incident is overdue when
its last stakeholder update (public or internal) — or, before the first, its
major declaration, else its report — is older than its interval. Evaluated at
``as_of`` (default now) over the incidents open now, counting only what had
happened by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import col

from inctrack.domain import OPEN_STATUSES, format_incident_id
from inctrack.errors import ExitCode
from inctrack.records import Record, timestamp
from inctrack.storage.models import Event, Incident, Update

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker

COMMS_CSV_COLUMNS = ("id", "title", "priority", "major", "status", "service", "comms",
                     "last_update_at", "last_update_state", "since", "update_every", "due_at",
                     "overdue_seconds")  # fmt: skip


@dataclass(frozen=True)
class CommsReport:
    """The overdue incidents, most overdue first, and how ``--fail-on-overdue`` ends."""

    records: list[Record]
    verdict: ExitCode


def comms_report(tracker: Tracker, *, as_of: datetime | None = None) -> CommsReport:
    session, policy = tracker.session, tracker.policy()
    moment = tracker.work.now() if as_of is None else as_of
    statement = (
        select(Incident)
        .where(col(Incident.status).in_([status.value for status in OPEN_STATUSES]))
        .where(col(Incident.reported_at) <= moment)
        .order_by(col(Incident.id))
    )
    candidates = [
        (incident, interval)
        for incident in session.scalars(statement)
        if (interval := policy.update_interval(incident.priority, major=incident.major))
    ]
    numbers = [incident.id for incident, _ in candidates]
    last = _last_updates(tracker, numbers, moment)
    declared = _declared(tracker, numbers, moment)
    rows: list[tuple[float, Record]] = []
    for incident, interval in candidates:
        update = last.get(incident.id)
        since = update.at if update is not None else declared.get(incident.id)
        since = since or incident.reported_at
        due = since + timedelta(seconds=interval)
        if due >= moment:
            continue
        overdue = (moment - due).total_seconds()
        rows.append((overdue, _record(incident, update, since, due, interval, overdue)))
    rows.sort(key=lambda row: -row[0])
    records = [record for _, record in rows]
    return CommsReport(records, ExitCode.BREACHED if records else ExitCode.OK)


def _record(
    incident: Incident,
    update: Update | None,
    since: datetime,
    due: datetime,
    interval: float,
    overdue: float,
) -> Record:
    minutes = round(interval / 60)
    every = f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
    return {
        "id": format_incident_id(incident.id),
        "title": incident.title,
        "priority": incident.priority,
        "major": incident.major,
        "status": incident.status,
        "service": incident.service,
        "comms": (incident.roles or {}).get("comms"),
        "last_update_at": timestamp(update.at) if update is not None else None,
        "last_update_state": update.state if update is not None else None,
        "since": timestamp(since),
        "update_every": every,
        "due_at": timestamp(due),
        "overdue_seconds": round(overdue),
    }


def _last_updates(tracker: Tracker, numbers: list[int], moment: datetime) -> dict[int, Update]:
    """Each incident's latest update made by ``moment``."""
    if not numbers:
        return {}
    statement = (
        select(Update)
        .where(col(Update.incident_id).in_(numbers))
        .where(col(Update.at) <= moment)
        .order_by(col(Update.at), col(Update.id))
    )
    return {update.incident_id: update for update in tracker.session.scalars(statement)}


def _declared(tracker: Tracker, numbers: list[int], moment: datetime) -> dict[int, datetime]:
    """When each incident was (last) declared major, by ``moment``."""
    if not numbers:
        return {}
    statement = (
        select(col(Event.incident_id), func.max(col(Event.at)))
        .where(col(Event.incident_id).in_(numbers))
        .where(col(Event.kind) == "major_declared")
        .where(col(Event.at) <= moment)
        .group_by(col(Event.incident_id))
    )
    return {int(number): at for number, at in tracker.session.execute(statement)}
