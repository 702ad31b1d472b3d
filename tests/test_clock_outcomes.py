"""Stored clock outcomes (migration 0015): equal to the ones computed from events, and
``report mttr`` the same read from them as worked out from events.

Random timelines through the library (respond, hold, resume, resolve, reopen, cancel,
re-prioritize, escalate to a group) on the London business calendar, on SQLite and,
with INCTRACK_TEST_PG_URL set, on PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from inctrack import reports
from inctrack.clock import FixedClock
from inctrack.errors import Rejected
from inctrack.sla.evaluate import history
from inctrack.sla.outcomes import OUTCOME_COLUMNS, backfill, outcomes
from inctrack.storage import migrate
from inctrack.storage.models import Incident

from .helpers import Cli, Desk

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
START = datetime(2026, 10, 19, tzinfo=UTC)  # across the end of summer time
MOVES = {
    "new": ("respond", "respond", "resolve", "cancel", "prioritize"),
    "in_progress": ("hold", "resolve", "resolve", "prioritize", "escalate", "cancel"),
    "on_hold": ("resume", "resolve"),
    "resolved": ("reopen", "reopen", "close"),
}
ARGUMENTS: dict[str, dict[str, Any]] = {
    "respond": {"message": "On it."},
    "hold": {"reason": "awaiting-vendor"},
    "resume": {},
    "resolve": {"code": "fixed", "note": "ok"},
    "reopen": {"reason": "again"},
    "cancel": {"reason": "logged in error"},
    "close": {"confirmed_by": "reporter"},
    "escalate": {"group": "network", "reason": "routing"},
}
GAPS = [0, 1, 60, 1800, 3600, 4 * 3600, 10 * 3600, 86400, 3 * 86400, 9 * 86400]
LEVELS = ("high", "medium", "low")


def random_desk(desk: Desk, clock: FixedClock, seed: int, count: int = 70) -> None:
    with desk.tracker() as tracker:
        tracker.settings.set_calendar(timezone="Europe/London")
    desk.groups("network")
    clock.set(NOW)
    rng = random.Random(seed)
    for _ in range(count):
        when = START + timedelta(minutes=rng.randrange(60 * 24 * 70))
        impact = rng.choice((*LEVELS, None))
        urgency = None if impact is None else rng.choice(LEVELS)
        with desk.tracker() as tracker:
            ref = tracker.log(
                "Something broke", impact=impact, urgency=urgency, at=when,
                category=rng.choice(("network", "email", None)),
            ).id  # fmt: skip
        status = "new"
        while status in MOVES and rng.random() < 0.85:
            when += timedelta(seconds=rng.choice(GAPS))
            if when > clock.now():
                break
            verb = rng.choice(MOVES[status])
            arguments = dict(ARGUMENTS.get(verb, {}))
            if verb == "prioritize":
                arguments = {"impact": rng.choice(LEVELS), "urgency": rng.choice(LEVELS)}
            try:
                with desk.tracker() as tracker:
                    status = getattr(tracker, verb)(ref, at=when, **arguments).status
            except Rejected:  # e.g. escalated to the group it is already with
                continue


def stored_and_computed(desk: Desk) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Every incident's stored outcome columns, and the same computed from its events."""
    with desk.tracker(write=False) as tracker:
        session = tracker.session
        rows = session.execute(
            select(Incident.id, Incident.reported_at, Incident.status,  # type: ignore[call-overload]
                   *(getattr(Incident, c) for c in OUTCOME_COLUMNS))
        ).all()  # fmt: skip
        steps = history(session, [r[0] for r in rows], NOW)
        business = tracker.policy().business()
        stored = {r[0]: dict(zip(OUTCOME_COLUMNS, r[3:], strict=True)) for r in rows}
        computed = {r[0]: outcomes(r[1], r[2], steps.get(r[0], []), business) for r in rows}
    return stored, computed


def every_mttr(desk: Desk, *, from_events: bool) -> list[list[dict[str, Any]]]:
    with desk.tracker(write=False) as tracker:
        mttr = reports.mttr
        return [
            mttr(tracker, by=by, since=START, business=business, from_events=from_events).rows
            for by in reports.MTTR_KEYS
            for business in (False, True)
        ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_outcomes_equal_those_computed_from_events(
    desk: Desk, clock: FixedClock, seed: int
) -> None:
    random_desk(desk, clock, seed)
    stored, computed = stored_and_computed(desk)
    assert stored == computed
    decided = [v for v in computed.values() if v["resolution_clock_seconds"] is not None]
    assert len(decided) > 10  # the comparison compared something


def test_a_backfill_writes_what_the_write_path_wrote(desk: Desk, clock: FixedClock) -> None:
    random_desk(desk, clock, 4)
    before, _ = stored_and_computed(desk)
    with desk.tracker() as tracker:
        backfill(tracker.session.connection())
    after, computed = stored_and_computed(desk)
    assert after == before == computed


@pytest.mark.parametrize("seed", [5, 6])
def test_mttr_from_stored_outcomes_is_mttr_from_events(
    desk: Desk, clock: FixedClock, seed: int
) -> None:
    random_desk(desk, clock, seed, count=90)
    stored = every_mttr(desk, from_events=False)
    assert stored == every_mttr(desk, from_events=True)
    assert sum(r["resolution_sla_met"] + r["resolution_sla_breached"] for r in stored[0]) > 20


def test_a_policy_change_of_targets_needs_no_recomputation(desk: Desk, clock: FixedClock) -> None:
    """Targets are bound when the report runs: tighter targets re-judge stored clocks."""
    random_desk(desk, clock, 7)
    with desk.tracker() as tracker:
        tracker.settings.set_target("P3", resolve="2h")
        tracker.settings.set_target("P1", respond="1m")
    assert every_mttr(desk, from_events=False) == every_mttr(desk, from_events=True)
    stored, computed = stored_and_computed(desk)
    assert stored == computed


def test_a_change_of_the_business_calendar_recomputes_the_outcomes(
    desk: Desk, clock: FixedClock
) -> None:
    """Business-time outcomes move with the hours and the holidays: stored again at once."""
    random_desk(desk, clock, 11)
    before, _ = stored_and_computed(desk)
    with desk.tracker() as tracker:
        tracker.settings.set_calendar(hours="Mon-Fri 08:00-18:00")
    after_hours, computed = stored_and_computed(desk)
    assert after_hours == computed != before
    busiest = max(after_hours, key=lambda n: after_hours[n]["resolution_business_seconds"] or 0)
    with desk.tracker() as tracker:
        tracker.settings.add_holiday(START.date() + timedelta(days=14), name="Closed")
        tracker.settings.add_holiday(START.date() + timedelta(days=15), name="Closed")
    after_holidays, computed = stored_and_computed(desk)
    assert after_holidays == computed
    assert after_holidays != after_hours or not after_hours[busiest]["resolution_business_seconds"]


def test_upgrading_to_0015_computes_the_outcomes_of_the_incidents_there(
    desk: Desk, clock: FixedClock
) -> None:
    """A database at revision 0014 with incidents: the upgrade fills their outcomes."""
    from alembic import command

    random_desk(desk, clock, 9, count=40)
    expected, _ = stored_and_computed(desk)
    config = migrate.alembic_config()
    with desk.database.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    migrate.upgrade(desk.database)
    after, computed = stored_and_computed(desk)
    assert after == expected == computed
    assert any(v["resolution_clock_business_seconds"] for v in after.values())


def test_db_check_names_a_wrong_outcome_and_repair_recomputes_it(
    desk: Desk, clock: FixedClock, db_url: str
) -> None:
    random_desk(desk, clock, 10, count=20)
    with desk.tracker() as tracker:
        tracker.session.execute(
            text("UPDATE incidents SET resolution_clock_seconds = resolution_clock_seconds + 1")
        )
    cli = Cli(db_url, clock=clock)
    found = cli("db", "check")
    assert found.exit_code == 4, found.stdout
    assert "resolution_clock_seconds" in found.stdout
    repaired = cli("db", "check", "--repair")
    assert repaired.exit_code == 0, repaired.stdout
    stored, computed = stored_and_computed(desk)
    assert stored == computed
