"""Stored clock outcomes: how long each stopped clock took, on both calendars.

``report mttr`` over the whole history reads these columns instead of working
every clock out from events (migration 0015). Each is a pure function of the
incident's ``reported_at``, ``status``, its status events and the business
calendar, never of the targets or of the moment they are read, so a change of
SLA targets needs no recomputation (the report judges met or breached against
the targets it binds), but a change of business hours, time zone or holidays
does (the policy refresh of :mod:`inctrack.sla.stored`).

For an incident that is not cancelled, in whole seconds (instants rounded to
the second, as the report's SQL rounds them):

- ``response_seconds`` / ``response_business_seconds``: from the report to the
  first response, calendar time / working time on the business calendar; NULL
  until it has been answered;
- ``resolution_seconds`` / ``resolution_business_seconds``: from the report to
  the resolution, the same two ways; NULL unless resolved (or closed after it);
- ``resolution_clock_seconds`` / ``resolution_clock_business_seconds``: the
  resolution clock's elapsed time at the resolution: the resolution seconds
  less its pauses (each status change into ``on_hold`` or ``resolved`` before
  the resolution, up to the next status change).

The response clock's elapsed time is its duration (it has no pauses in the
report). A cancelled incident holds NULL everywhere: reports leave it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from inctrack.sla.calendar import Calendar
from inctrack.sla.stored import Derived, Timeline, register

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from inctrack.sla.policy import Policy

OUTCOME_COLUMNS = (
    "response_seconds",
    "response_business_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
    "resolution_clock_seconds",
    "resolution_clock_business_seconds",
)
_PAUSING = frozenset({"on_hold", "resolved"})
_KEEPS_RESOLUTION = frozenset({"resolved", "closed", "cancelled"})


class StatusStep(Protocol):
    """What is read of a status event (:class:`inctrack.sla.evaluate.Step` is one)."""

    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def field(self) -> str | None: ...
    @property
    def new(self) -> str | None: ...


def _second(moment: datetime) -> datetime:
    """The instant rounded to the whole second (as the report's ``epoch`` does)."""
    return datetime.fromtimestamp(round(moment.timestamp()), UTC)


def outcomes(
    reported_at: datetime, status: str, steps: Sequence[StatusStep], business: Calendar
) -> dict[str, Any]:
    """The six outcome columns of one incident (see the module's docstring)."""
    found: dict[str, Any] = dict.fromkeys(OUTCOME_COLUMNS)
    if status == "cancelled":
        return found
    changes = [s for s in steps if s.field == "status"]
    responded = next((s.at for s in changes if s.kind == "responded"), None)
    resolved: datetime | None = None
    for step in changes:
        if step.new == "resolved":
            resolved = step.at
        elif step.new not in _KEEPS_RESOLUTION:
            resolved = None
    start = _second(reported_at)

    def both(end: datetime) -> tuple[int, int]:
        return _seconds(start, end), _worked(business, start, end)

    if responded is not None:
        found["response_seconds"], found["response_business_seconds"] = both(_second(responded))
    if resolved is not None:
        end = _second(resolved)
        wall, worked = both(end)
        paused_wall = paused_worked = 0
        for n, step in enumerate(changes):
            if step.new in _PAUSING and step.at < resolved:
                until = changes[n + 1].at if n + 1 < len(changes) else resolved
                a, b = _second(step.at), _second(until)
                paused_wall += _seconds(a, b)
                paused_worked += _worked(business, a, b)
        found.update(
            resolution_seconds=wall,
            resolution_business_seconds=worked,
            resolution_clock_seconds=wall - paused_wall,
            resolution_clock_business_seconds=worked - paused_worked,
        )
    return found


def _seconds(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds())


def _worked(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Working seconds from ``start`` to ``end``, negative if ``end`` comes first (the
    report's ``F(end) - F(start)``)."""
    if end >= start:
        return round(calendar.working_seconds(start, end))
    return -round(calendar.working_seconds(end, start))


BACKFILL_BATCH = 5000


def backfill(connection: Connection, business: Calendar | None = None) -> int:
    """Compute and write the outcome columns of every incident that has any (the
    others keep NULL), in batches of plain rows; returns how many were written.
    For migration 0015 and for a change of the business calendar."""
    from sqlalchemy import bindparam, text
    from sqlmodel import Session

    from inctrack.sla.policy import load

    if business is None:
        with Session(bind=connection) as session:
            business = load(session).business()
    clear = ", ".join(f"{name} = NULL" for name in OUTCOME_COLUMNS)
    held = " OR ".join(f"{name} IS NOT NULL" for name in OUTCOME_COLUMNS[::2])
    connection.execute(text(f"UPDATE incidents SET {clear} WHERE {held}"))
    write = text(
        f"UPDATE incidents SET {', '.join(f'{n} = :{n}' for n in OUTCOME_COLUMNS)} WHERE id = :_id"
    ).bindparams(*(bindparam(n) for n in ("_id", *OUTCOME_COLUMNS)))
    events = text(
        "SELECT incident_id, at, kind, field, new FROM events WHERE incident_id >= :low "
        "AND incident_id < :high AND field = 'status' ORDER BY incident_id, id"
    )
    rows = text(
        "SELECT id, reported_at, status FROM incidents WHERE id >= :low AND id < :high "
        "AND status <> 'cancelled' ORDER BY id"
    )
    written = 0
    top = connection.execute(text("SELECT MAX(id) FROM incidents")).scalar() or 0
    for low in range(1, top + 1, BACKFILL_BATCH):
        bounds = {"low": low, "high": low + BACKFILL_BATCH}
        steps: dict[int, list[Any]] = {}
        for step in connection.execute(events, bounds):
            steps.setdefault(step[0], []).append(_Step(_aware(step[1]), *step[2:]))
        found = []
        for number, reported, status in connection.execute(rows, bounds):
            values = outcomes(_aware(reported), status, steps.get(number, []), business)
            if any(value is not None for value in values.values()):
                found.append({"_id": number, **values})
        if found:
            connection.execute(write, found)
            written += len(found)
    return written


class _Step(NamedTuple):
    at: datetime
    kind: str
    field: str | None
    new: str | None


def _aware(moment: datetime | str) -> datetime:
    """A timestamp as the driver returns it (SQLite: naive UTC text) made aware UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def compute(timeline: Timeline, policy: Policy) -> dict[str, Any]:
    """The outcome columns of one incident, for :func:`inctrack.sla.stored.refresh`."""
    return outcomes(timeline.reported_at, timeline.status, timeline.steps, policy.business())


OUTCOMES = register(
    Derived("outcomes", OUTCOME_COLUMNS, compute, scope="all", reads=frozenset({"calendar"}))
)
"""Closed incidents hold values too (``scope="all"``): a policy change recomputes every
incident, and ``db check`` compares every one."""


def upgraded(connection: Connection, revision: str) -> None:
    """After ``storage.migrate.upgrade`` took a database from ``revision`` to HEAD: fill
    the outcome columns (migration 0015) of the incidents already there."""
    if revision < "0015":
        backfill(connection)
