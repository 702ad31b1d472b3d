"""The service registry and its status: derived from open incidents, set by hand,
recorded as it changes, and read back over any stretch of time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from inctrack.clock import FixedClock
from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.services.status import ServiceStatus
from inctrack.storage import Database, migrate

from .helpers import START, Desk

OP, MAINT = ServiceStatus.OPERATIONAL, ServiceStatus.MAINTENANCE
DEGRADED, PARTIAL, MAJOR = (
    ServiceStatus.DEGRADED, ServiceStatus.PARTIAL_OUTAGE, ServiceStatus.MAJOR_OUTAGE,
)  # fmt: skip
H = timedelta(hours=1)


def status(desk: Desk, name: str) -> ServiceStatus:
    with desk.tracker() as tracker:
        return tracker.services.status(tracker.services.get_or_raise(name))


def test_status_follows_the_open_incidents(desk: Desk, clock: FixedClock) -> None:
    desk.services("email")
    assert status(desk, "email") is OP
    low = desk("log", "Slow mail", service="Email", impact="low", urgency="low")
    assert low["service"] == "email"  # the registry's spelling
    assert status(desk, "email") is DEGRADED
    clock.advance(H)
    high = desk("log", "No mail for sales", service="email", impact="high", urgency="low")
    assert status(desk, "email") is PARTIAL
    clock.advance(H)
    desk("escalate", high["id"], major=True, reason="whole floor down")
    assert status(desk, "email") is MAJOR
    clock.advance(H)
    desk("resolve", high["id"], code="fixed", note="restarted the relay")
    assert status(desk, "email") is DEGRADED
    clock.advance(H)
    desk("cancel", low["id"], reason="logged in error")
    assert status(desk, "email") is OP
    with desk.tracker() as tracker:
        history = tracker.services.history(tracker.services.get_or_raise("email"))
        assert [(c.status, c.cause, c.at - START) for c in history] == [
            ("operational", "registered", timedelta(0)),
            ("degraded", "incident", timedelta(0)),
            ("partial-outage", "incident", H),
            ("major-outage", "incident", 2 * H),
            ("degraded", "incident", 3 * H),
            ("operational", "incident", 4 * H),
        ]
        assert [c.incident_id for c in history[1:]] == [1, 2, 2, 2, 1]
        timeline = tracker.services.timeline("email", START - H, START + 5 * H)
    assert timeline == [
        (START - H, START, OP),
        (START, START + H, DEGRADED),
        (START + H, START + 2 * H, PARTIAL),
        (START + 2 * H, START + 3 * H, MAJOR),
        (START + 3 * H, START + 4 * H, DEGRADED),
        (START + 4 * H, START + 5 * H, OP),
    ]


def test_the_history_is_written_with_the_change_alone(
    database: Database, clock: FixedClock
) -> None:
    """A script that changes an incident and reads nothing back still records the
    service's status change, in the same transaction."""
    desk = Desk(database, clock)
    desk.services("email")
    with database.transaction() as session:
        Tracker(session, clock=clock, actor="al").log("Down", service="email", impact="high",
                                                      urgency="high")  # fmt: skip
    clock.advance(H)
    with database.transaction() as session:
        Tracker(session, clock=clock, actor="al").escalate(1, major=True, reason="all of it")
    clock.advance(H)
    with database.transaction() as session:
        Tracker(session, clock=clock, actor="al").resolve(1, code="fixed", note="ok")
    with desk.tracker() as tracker:
        email = tracker.services.get_or_raise("email")
        assert [(c.status, c.at - START) for c in tracker.services.history(email)] == [
            ("operational", timedelta(0)), ("partial-outage", timedelta(0)),
            ("major-outage", H), ("operational", 2 * H),
        ]  # fmt: skip
        assert email.status == "operational"


def test_moving_an_incident_to_another_service_moves_its_effect(
    desk: Desk, clock: FixedClock
) -> None:
    desk.services("email", "vpn")
    logged = desk("log", "Outage", service="email", impact="high", urgency="high")
    clock.advance(H)
    desk("edit", logged["id"], service="VPN")
    assert (status(desk, "email"), status(desk, "vpn")) == (OP, PARTIAL)
    clock.advance(H)
    desk("prioritize", logged["id"], impact="medium", urgency="high")
    assert status(desk, "vpn") is DEGRADED


def test_a_status_set_by_hand_wins_until_auto(desk: Desk, clock: FixedClock) -> None:
    desk.services("email")
    desk("log", "Slow", service="email", impact="low", urgency="low")
    with desk.tracker() as tracker:
        tracker.services.set_status("email", "major-outage", reason="provider says so")
    clock.advance(H)
    desk("log", "Also slow", service="email", impact="high", urgency="low")
    assert status(desk, "email") is MAJOR
    with desk.tracker() as tracker:
        with pytest.raises(Rejected, match="reason"):
            tracker.services.set_status("email", "degraded")
        with pytest.raises(Rejected, match="maintenance window"):
            tracker.services.set_status("email", "maintenance", reason="x")
        with pytest.raises(Rejected, match="not a service status"):
            tracker.services.set_status("email", "down", reason="x")
    clock.advance(H)
    with desk.tracker() as tracker:
        tracker.services.set_status("email", None)
    assert status(desk, "email") is PARTIAL
    with desk.tracker() as tracker:
        with pytest.raises(Rejected, match="not set by hand"):
            tracker.services.set_status("email", None)
        causes = [c.cause for c in tracker.services.history(tracker.services.get("email"))]
    assert causes == ["registered", "incident", "manual", "auto"]


def test_maintenance_windows_lie_over_the_history(desk: Desk, clock: FixedClock) -> None:
    desk.services("email")
    with desk.tracker() as tracker:
        window = tracker.maintenance.add(
            "email", starts_at=START + H, ends_at=START + 3 * H, message="Mail server upgrade"
        )
        assert window.id == 1
        tracker.maintenance.add(
            "email", starts_at=START + 5 * H, ends_at=START + 6 * H, message="cancelled one"
        )
        tracker.maintenance.cancel("MNT-2")
    assert status(desk, "email") is OP
    clock.advance(2 * H)
    assert status(desk, "email") is MAINT
    desk("log", "Broken after upgrade", service="email", impact="high", urgency="high")
    assert status(desk, "email") is PARTIAL  # worse than maintenance
    with desk.tracker() as tracker:
        timeline = tracker.services.timeline("email", START, START + 7 * H)
        at = tracker.services.status(tracker.services.get_or_raise("email"), at=START + H)
    assert at is MAINT
    assert timeline == [
        (START, START + H, OP),
        (START + H, START + 2 * H, MAINT),
        (START + 2 * H, START + 7 * H, PARTIAL),
    ]


def test_the_registry_refuses_what_it_does_not_know(desk: Desk) -> None:
    with desk.tracker() as tracker, pytest.raises(NotFound, match="no service is registered yet"):
        tracker.log("VPN drops", service="vpn")
    desk.services("Email", "VPN")
    with desk.tracker() as tracker:
        with pytest.raises(NotFound, match="did you mean Email"):
            tracker.log("Mail", service="emial")
        with pytest.raises(Rejected, match="already exists"):
            tracker.services.add("email")
        tracker.services.retire("vpn")
    with desk.tracker() as tracker:
        with pytest.raises(Rejected, match="retired"):
            tracker.log("VPN drops", service="vpn")
        with pytest.raises(Rejected, match=r"end .* before it starts"):
            tracker.maintenance.add("email", starts_at=START, ends_at=START, message="x")


def test_only_admins_change_the_registry(desk: Desk) -> None:
    with desk.tracker("root") as tracker:
        tracker.users.add("root", roles=["admin"])
        tracker.users.add("sam", roles=["service-desk"])
    refused = "Changing the service registry needs the admin role"
    with desk.tracker("sam") as tracker, pytest.raises(PermissionDenied, match=refused):
        tracker.services.add("email")
    desk.services("email", actor="root")
    with desk.tracker("sam") as tracker:
        tracker.services.set_status("email", "degraded", reason="users call about it")
        with pytest.raises(PermissionDenied, match="Scheduling maintenance needs"):
            tracker.maintenance.add("email", starts_at=START, ends_at=START + H, message="patching")


def test_migration_0011_registers_the_services_in_use(tmp_path: Path) -> None:
    """A database from before the registry: every service named is registered once, with
    the status its open incidents give it, and incidents spell it as the registry does."""
    from alembic import command

    path = tmp_path / "old.db"
    old = Database.open(str(path), upgrade=False)
    config = migrate.alembic_config()
    rows = [("Email", "new", 0, "low"), ("email", "in_progress", 1, None),
            ("email", "closed", 0, "high"), ("VPN", "on_hold", 0, "high"),
            ("Printing", "resolved", 1, "high"), (None, "new", 0, None)]  # fmt: skip
    with old.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        for number, (service, state, major, impact) in enumerate(rows, 1):
            connection.execute(
                text(
                    "INSERT INTO incidents (id, title, reporter, reported_at, logged_at, "
                    "logged_by, status, tier, service, impact, major, roles, reopen_count, "
                    "reassignment_count, occurrences, updated_at) VALUES (:id, 'Old', 'bob', "
                    "'2025-03-01 10:00:00', '2025-03-01 10:00:00', 'al', :status, 1, :service, "
                    ":impact, :major, '{}', 0, 0, 1, '2025-03-01 10:00:00')"
                ),
                {"id": number, "service": service, "status": state, "major": major}
                | {"impact": impact},
            )
    old.dispose()

    database = Database.open(str(path))
    desk = Desk(database, FixedClock(START))
    with desk.tracker() as tracker:
        found = {s.name: (s.title, s.status) for s in tracker.services.all()}
        spelled = [tracker.get(n).service for n in range(1, 7)]
        maintenance = tracker.maintenance.add(
            "vpn", starts_at=START + H, ends_at=START + 2 * H, message="first window"
        )
    database.dispose()
    assert found == {
        "email": ("email", "major-outage"),
        "Printing": ("Printing", "operational"),
        "VPN": ("VPN", "partial-outage"),
    }
    assert spelled == ["email", "email", "email", "VPN", "Printing", None]
    assert maintenance.id == 1
