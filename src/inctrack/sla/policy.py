"""The team's SLA policy: targets per priority, calendars, at-risk threshold, matrix.

Team data lives in the database (``settings`` and ``holidays`` tables) so that
everyone who shares it shares the policy; anything not set falls back to the
defaults of PRODUCT.md, written out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlmodel import Session, col

from inctrack.domain import DEFAULT_MATRIX, Level, Priority, priority_for
from inctrack.errors import Rejected
from inctrack.sla.calendar import TWENTY_FOUR_SEVEN, Calendar
from inctrack.sla.compute import CLOCKS, ClockName, Target
from inctrack.sla.hours import parse_hours
from inctrack.storage.models import Holiday, Setting

CalendarName = Literal["24x7", "business"]


@dataclass(frozen=True)
class TargetSpec:
    respond: str
    resolve: str
    calendar: CalendarName

    def spec(self, clock: ClockName) -> str:
        return self.respond if clock == "response" else self.resolve


DEFAULT_TARGETS: dict[Priority, TargetSpec] = {
    Priority.P1: TargetSpec("15m", "4h", "24x7"),
    Priority.P2: TargetSpec("30m", "8h", "24x7"),
    Priority.P3: TargetSpec("4h", "3d", "business"),
    Priority.P4: TargetSpec("1d", "5d", "business"),
    Priority.P5: TargetSpec("2d", "10d", "business"),
}
DEFAULT_UPDATE_EVERY: dict[Priority, str] = {Priority.P1: "30m", Priority.P2: "1h"}
"""How often stakeholders hear of an open incident, per priority (wall-clock time);
a priority not named here has no cadence. Major incidents follow P1 at least."""
DEFAULT_AT_RISK = 0.75
DEFAULT_TIMEZONE = "UTC"
DEFAULT_HOURS = "Mon-Fri 09:00-17:00"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600}
_UNIT_DAYS = {"m": 1 / 1440, "h": 1 / 24, "d": 1, "w": 7}
MAX_TARGET_DAYS = 366
"""The longest SLA target, in (working) days."""


def check_duration(spec: str) -> str:
    """A target duration: a number and m, h, d or w (``15m``, ``4h``, ``3d``)."""
    match = _DURATION.match(spec)
    if match is None or float(match.group(1)) <= 0:
        raise Rejected(
            f"{spec!r} is not a target duration; use a positive number and m, h, d or w, "
            "like 15m, 4h or 3d."
        )
    days = float(match.group(1)) * _UNIT_DAYS[match.group(2).lower()]
    if days > MAX_TARGET_DAYS:  # a due time past any calendar breaks every clock
        raise Rejected(f"{spec!r} is longer than a target can be; use at most 366d (or 52w).")
    return f"{match.group(1)}{match.group(2).lower()}"


def duration_seconds(spec: str, calendar: Calendar) -> float:
    """Seconds of working time. On a business calendar a day is one working day
    (``calendar.working_day_seconds()``) and a week is a week's working time;
    on 24x7 they are 24 and 168 hours."""
    match = _DURATION.match(spec)
    if match is None:
        raise Rejected(f"{spec!r} is not a target duration.")
    amount, unit = float(match.group(1)), match.group(2).lower()
    if unit in _UNIT_SECONDS:
        return amount * _UNIT_SECONDS[unit]
    day = 86400.0 if calendar.is_24x7 else calendar.working_day_seconds()
    week = 7 * 86400.0 if calendar.is_24x7 else calendar.working_week_seconds()
    return amount * (day if unit == "d" else week)


@dataclass(frozen=True)
class Policy:
    targets: dict[Priority, TargetSpec] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    at_risk: float = DEFAULT_AT_RISK
    matrix: dict[tuple[Level, Level], Priority] = field(
        default_factory=lambda: dict(DEFAULT_MATRIX)
    )
    timezone: str = DEFAULT_TIMEZONE
    hours: str = DEFAULT_HOURS
    holidays: dict[date, str | None] = field(default_factory=dict)
    update_every: dict[Priority, str] = field(default_factory=lambda: dict(DEFAULT_UPDATE_EVERY))

    def update_interval(self, priority: str | None, *, major: bool = False) -> float | None:
        """Seconds between stakeholder updates for an incident of ``priority`` (a major
        incident takes P1's when that is shorter); None when it has no cadence."""
        found = [self.update_every.get(Priority(priority))] if priority is not None else []
        if major:
            found.append(self.update_every.get(Priority.P1))
        seconds = [duration_seconds(spec, TWENTY_FOUR_SEVEN) for spec in found if spec]
        return min(seconds) if seconds else None

    @cached_property
    def _business(self) -> Calendar:
        # one Calendar per policy: it caches the weeks it has converted to UTC
        return Calendar(
            name="business",
            tz=ZoneInfo(self.timezone),
            hours=parse_hours(self.hours),
            holidays=frozenset(self.holidays),
        )

    def business(self) -> Calendar:
        return self._business

    def calendar(self, name: CalendarName) -> Calendar:
        return TWENTY_FOUR_SEVEN if name == "24x7" else self.business()

    def target(self, priority: str | None, clock: ClockName) -> Target | None:
        if priority is None:
            return None
        return self._targets[(Priority(priority), clock)]

    @cached_property
    def _targets(self) -> dict[tuple[Priority, ClockName], Target]:
        # worked out once per policy: a report asks for them thousands of times
        found: dict[tuple[Priority, ClockName], Target] = {}
        for priority, spec in self.targets.items():
            calendar = self.calendar(spec.calendar)
            for clock in CLOCKS:
                text = spec.spec(clock)
                found[(priority, clock)] = Target(text, duration_seconds(text, calendar), calendar)
        return found

    def priority_for(self, impact: Level | None, urgency: Level | None) -> Priority | None:
        return priority_for(impact, urgency, self.matrix)

    def record(self) -> dict[str, Any]:
        business = self.business()
        return {
            "targets": [
                {
                    "priority": p.value,
                    "respond": t.respond,
                    "resolve": t.resolve,
                    "calendar": t.calendar,
                    "update_every": self.update_every.get(p),
                }
                for p, t in sorted(self.targets.items())
            ],
            "at_risk": self.at_risk,
            "matrix": [
                {"impact": i.value, "urgency": u.value, "priority": p.value}
                for (i, u), p in self.matrix.items()
            ],
            "calendar": {
                "timezone": self.timezone,
                "hours": self.hours,
                "working_day_seconds": round(business.working_day_seconds()),
                "holidays": [
                    {"date": day.isoformat(), "name": name}
                    for day, name in sorted(self.holidays.items())
                ],
            },
        }


# -- storage -------------------------------------------------------------------


def load(session: Session) -> Policy:
    values = {s.key: s.value for s in session.scalars(select(Setting))}
    holidays = {h.day: h.name for h in session.scalars(select(Holiday).order_by(col(Holiday.day)))}
    policy = Policy(holidays=holidays)
    if "targets" in values:
        targets = dict(policy.targets)
        for name, spec in values["targets"].items():
            targets[Priority(name)] = TargetSpec(spec["respond"], spec["resolve"], spec["calendar"])
        policy = replace(policy, targets=targets)
    if "update_every" in values:
        every = {Priority(name): spec for name, spec in values["update_every"].items() if spec}
        policy = replace(policy, update_every=every)
    if "at_risk" in values:
        policy = replace(policy, at_risk=float(values["at_risk"]))
    if "matrix" in values:
        matrix = dict(policy.matrix)
        for key, priority in values["matrix"].items():
            impact, urgency = key.split("/")
            matrix[(Level(impact), Level(urgency))] = Priority(priority)
        policy = replace(policy, matrix=matrix)
    if "calendar" in values:
        policy = replace(
            policy,
            timezone=values["calendar"].get("timezone", DEFAULT_TIMEZONE),
            hours=values["calendar"].get("hours", DEFAULT_HOURS),
        )
    return policy


def save(session: Session, key: str, value: Any) -> None:
    setting = session.get(Setting, key)
    if setting is None:
        session.add(Setting(key=key, value=value))
    else:
        setting.value = value
    session.flush()


def set_target(
    session: Session,
    priority: Priority,
    *,
    respond: str | None,
    resolve: str | None,
    calendar: CalendarName | None,
) -> Policy:
    current = load(session)
    spec = current.targets[priority]
    updated = TargetSpec(
        check_duration(respond) if respond else spec.respond,
        check_duration(resolve) if resolve else spec.resolve,
        calendar or spec.calendar,
    )
    stored = {p.value: vars(t) for p, t in {**current.targets, priority: updated}.items()}
    save(session, "targets", stored)
    return load(session)


def set_update_every(session: Session, priority: Priority, every: str) -> Policy:
    """Set how often stakeholders hear of an open incident of ``priority``; ``none``
    takes the cadence away."""
    current = dict(load(session).update_every)
    if every.strip().lower() == "none":
        current.pop(priority, None)
    else:
        current[priority] = check_duration(every)
    save(session, "update_every", {p.value: spec for p, spec in sorted(current.items())})
    return load(session)


def parse_percent(text: str) -> float:
    """``75%``, ``75`` or ``0.75`` -> 0.75, strictly between 0 and 1."""
    raw = text.strip().rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value > 1 or text.strip().endswith("%"):
        value /= 100
    if not 0 < value < 1:
        raise Rejected(f"{text!r} is not an at-risk threshold; use a percentage like 75%.")
    return value


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Rejected(
            f"{name!r} is not a time zone; use an IANA name such as Europe/London."
        ) from None
    return name
