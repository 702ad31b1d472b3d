"""Stored clock outcomes (``incidents.next_due_at``) always equal the clocks the events give.

Random timelines of status and priority changes (responses, holds, resumes,
resolutions, reopenings, cancellations, re-prioritisations across 24x7 and
business-hours priorities, a holiday, a policy change) are driven through the
library; after every step each incident's stored ``next_due_at`` must be the
``Clocks.next_due`` its events give at that moment, to the microsecond, on SQLite
and PostgreSQL. Then: the queue `list` prints is the order computed from events,
`db check` names stored values that disagree and `--repair` mends them, and an
upgrade from revision 0013 fills the column for the incidents already there.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlmodel import col

from inctrack.clock import FixedClock
from inctrack.domain import OPEN_STATUSES, Status, format_incident_id
from inctrack.errors import Rejected
from inctrack.incidents.queries import IncidentQuery
from inctrack.storage import Database, migrate
from inctrack.storage.models import Incident

from .helpers import START, Cli, Desk, ok

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "respond",
                "hold",
                "resume",
                "resolve",
                "reopen",
                "cancel",
                "prioritize",
                "prioritize",
                "wait",
                "wait",
                "log",
                "policy",
                "holiday",
            ]
        ),
        st.integers(min_value=0, max_value=7),
        st.sampled_from([0, 7, 45, 240, 900, 2880, 7000]),
    ),
    min_size=1,
    max_size=14,
)
"""(what, which incident or priority, minutes to wait first)."""
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
LEVELS = (("high", "high"), ("medium", "medium"), ("low", "low"), (None, None))


def stored_and_computed(desk: Desk) -> tuple[dict[int, Any], dict[int, Any]]:
    """Each incident's stored ``next_due_at`` and the ``next_due`` its events give now."""
    with desk.tracker(write=False) as tracker:
        incidents = list(tracker.session.scalars(select(Incident).order_by(col(Incident.id))))
        clocks = tracker.clocks(incidents)
        stored = {i.id: i.next_due_at for i in incidents}
        computed = {i.id: clocks[i.id].next_due if clocks[i.id].is_open else None
                    for i in incidents}  # fmt: skip
    return stored, computed


def act(desk: Desk, what: str, which: int, numbers: list[int]) -> None:
    """One step of a timeline; a move the lifecycle refuses changes nothing."""
    number = numbers[which % len(numbers)] if numbers else None
    with desk.tracker("alice") as tracker:
        try:
            if what == "log" or number is None:
                impact, urgency = LEVELS[which % len(LEVELS)]
                numbers.append(tracker.log(f"Timeline {which}", impact=impact,
                                           urgency=urgency).id)  # fmt: skip
            elif what == "respond":
                tracker.respond(number, "looking")
            elif what == "hold":
                tracker.hold(number, "awaiting-vendor")
            elif what == "resume":
                tracker.resume(number)
            elif what == "resolve":
                tracker.resolve(number, code="fixed", note="restarted")
            elif what == "reopen":
                tracker.reopen(number, reason="back again")
            elif what == "cancel":
                tracker.cancel(number, reason="a duplicate")
            elif what == "prioritize":
                tracker.prioritize(number, priority=PRIORITIES[which % 5], reason="re-judged")
            elif what == "policy":
                tracker.settings.set_target(PRIORITIES[which % 5], resolve=f"{which + 1}h")
            elif what == "holiday":
                day = (tracker.work.now() + timedelta(days=which % 4)).date()
                tracker.settings.add_holiday(day, name="closed")
        except Rejected:
            pass


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS)
def test_stored_next_due_is_what_the_events_give_after_every_step(
    database: Database, actions: list[tuple[str, int, int]]
) -> None:
    clock = FixedClock(START)
    desk = Desk(database, clock)
    with desk.tracker(write=False) as tracker:  # the examples share the database: go on later
        last = tracker.session.scalar(select(func.max(Incident.updated_at)))
    clock.set(max(START, (last or START) + timedelta(days=1)))
    numbers: list[int] = []
    with desk.tracker("alice") as tracker:  # business hours on Mondays to Fridays, a holiday
        tracker.settings.set_calendar(timezone="Europe/London", hours="Mon-Fri 09:00-17:30")
        tracker.settings.add_holiday(date(2026, 11, 23), name="closed")
    for what, which, minutes in actions:
        clock.advance(timedelta(minutes=minutes))
        act(desk, what, which, numbers)
        stored, computed = stored_and_computed(desk)
        assert stored == computed, (what, which)
    # and later, with nothing written meanwhile, the stored value still holds
    clock.advance(timedelta(days=3, minutes=17))
    stored, computed = stored_and_computed(desk)
    assert stored == computed


def test_closed_incidents_hold_nothing_and_open_ones_their_due(desk: Desk) -> None:
    with desk.tracker() as tracker:
        urgent = tracker.log("Mail down", impact="high", urgency="high").id
        done = tracker.log("Printer", impact="low", urgency="low").id
        untriaged = tracker.log("Something").id
        tracker.resolve(done, code="fixed", note="paper")
    stored, _ = stored_and_computed(desk)
    assert stored[urgent] == START + timedelta(minutes=15)  # P1 responds in 15 minutes
    assert stored[done] is None
    assert stored[untriaged] is None  # no priority, no target


# -- the queue -----------------------------------------------------------------------------


def queue_from_events(desk: Desk, *, reverse: bool = False) -> list[str]:
    """Open incidents ranked as `list` promises, from clocks computed from the events:
    untriaged first, then priority, the nearest due (none due last), oldest, number."""
    far = datetime.max.replace(tzinfo=UTC)
    with desk.tracker(write=False) as tracker:
        statement = select(Incident).where(
            col(Incident.status).in_([s.value for s in OPEN_STATUSES])
        )
        clocks = tracker.clocks(list(tracker.session.scalars(statement)))
    ranked = sorted(
        clocks.values(),
        key=lambda c: (
            c.priority is not None,
            c.priority or "",
            c.next_due or far,
            c.incident.reported_at,
            c.incident.id,
        ),
        reverse=reverse,
    )
    return [format_incident_id(c.incident.id) for c in ranked]


def busy_desk(cli: Cli, clock: FixedClock) -> None:
    """A queue with every kind of tie: same priority and different dues, paused clocks,
    untriaged incidents, responded ones (resolution due) and closed ones left out."""
    levels = ["high/high", "low/low", "-", "medium/medium", "high/medium", "low/low",
              "medium/medium", "-", "high/high", "medium/low"]  # fmt: skip
    for n, level in enumerate(levels, start=1):
        args = ["log", f"Case {n}", "-q"]
        if level != "-":
            impact, urgency = level.split("/")
            args += ["--impact", impact, "--urgency", urgency]
        ok(cli(*args))
        clock.advance(timedelta(minutes=13 * n))
    for ref in ("INC-1", "INC-2", "INC-4", "INC-7"):
        ok(cli("respond", ref, "on it"))
    ok(cli("hold", "INC-4", "--reason", "awaiting-vendor"))
    ok(cli("resolve", "INC-6", "--code", "fixed", "--note", "done"))
    ok(cli("prioritize", "INC-5", "--priority", "P4", "--reason", "not that bad"))
    clock.advance(timedelta(hours=30))


def test_list_is_the_queue_the_events_give(tmp_path: Path) -> None:
    clock = FixedClock(START)
    cli = Cli(str(tmp_path / "queue.db"), clock=clock)
    busy_desk(cli, clock)
    database = Database.open(str(tmp_path / "queue.db"))
    desk = Desk(database, clock)
    shown = [r["id"] for r in cli.json("list", "--limit", "0")]
    assert shown == queue_from_events(desk)
    assert [r["id"] for r in cli.json("list", "--reverse", "--limit", "0")] == queue_from_events(
        desk, reverse=True
    )
    assert [r["id"] for r in cli.json("list", "--limit", "3")] == queue_from_events(desk)[:3]
    p4 = [r["id"] for r in cli.json("list", "--priority", "P4")]
    assert p4 == [ref for ref in queue_from_events(desk) if ref in {"INC-2", "INC-5", "INC-10"}]
    database.dispose()


# -- db check and the upgrade ---------------------------------------------------------------


def test_db_check_names_a_stored_clock_that_disagrees_and_repair_mends_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "check.db"
    cli = Cli(str(path), clock=FixedClock(START))
    ok(cli("log", "Mail down", "--impact", "high", "--urgency", "high", "-q"))
    database = Database.open(str(path))
    with database.connect(write=True) as connection, connection.begin():
        connection.execute(text("UPDATE incidents SET next_due_at = NULL WHERE id = 1"))
    database.dispose()
    result = cli("db", "check", "-f", "json")
    assert result.exit_code == 4
    (finding,) = [f for f in json.loads(result.stdout) if f["check"] == "stored clocks"]
    assert finding == {
        "check": "stored clocks", "ok": False,
        "detail": "1 incident disagrees with the events (INC-1 next_due_at); "
        "`inctrack db check --repair` recomputes them",
    }  # fmt: skip
    records = cli.json("db", "check", "--repair")
    assert {"check": "stored clocks", "ok": True,
            "detail": "repaired 1 incident (INC-1 next_due_at)"} in records  # fmt: skip
    assert "agree with the events" in ok(cli("db", "check"))


def test_an_upgrade_from_0013_fills_the_open_incidents_due(database: Database) -> None:
    from alembic import command

    desk = Desk(database, FixedClock(START))
    with desk.tracker() as tracker:
        urgent = tracker.log("Mail down", impact="high", urgency="high").id
        tracker.respond(urgent, "on it")
    _, computed = stored_and_computed(desk)
    config = migrate.alembic_config()
    with database.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    migrate.upgrade(database)
    stored, _ = stored_and_computed(desk)
    assert stored == computed
    assert stored[urgent] == START + timedelta(hours=4)  # P1 resolves in 4 hours
    with desk.tracker(write=False) as tracker:
        assert [i.id for i in tracker.find(IncidentQuery())] == [urgent]
    assert Status.IN_PROGRESS in OPEN_STATUSES


def test_an_import_and_a_batch_log_store_the_due_of_what_they_write(tmp_path: Path) -> None:
    clock = FixedClock(START)
    cli = Cli(str(tmp_path / "from.db"), clock=clock)
    busy_desk(cli, clock)
    batch = (
        '{"title": "Mail down", "impact": "high", "urgency": "high"}\n'
        '{"title": "Printer", "impact": "low", "urgency": "low"}\n'
    )
    ok(cli("log", "--batch", "-", "-q", input=batch))
    export = tmp_path / "desk.jsonl"
    export.write_text(ok(cli("export")), encoding="utf-8")
    other = Cli(str(tmp_path / "to.db"), clock=clock)
    result = other("import", str(export), "--summary", "json")
    assert result.exit_code == 0, result.stderr
    for path in ("from.db", "to.db"):
        database = Database.open(str(tmp_path / path))
        stored, computed = stored_and_computed(Desk(database, clock))
        database.dispose()
        assert stored == computed
        assert sum(value is not None for value in stored.values()) >= 8
    assert [r["id"] for r in other.json("list")] == [r["id"] for r in cli.json("list")]
