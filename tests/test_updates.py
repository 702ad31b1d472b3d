"""Stakeholder updates, their cadence (`report comms`), and the `service` and
`maintenance` commands, through the command line on both backends."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from inctrack.clock import FixedClock
from inctrack.errors import PermissionDenied
from inctrack.reports.comms import comms_report
from inctrack.storage import Database

from .helpers import START, Cli, Desk, fails, ok


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def desk_cli(db_url: str, clock: FixedClock) -> Cli:
    Database.init(db_url)
    cli = Cli(db_url, clock=clock)
    cli.services("email")
    return cli


def test_an_update_is_internal_by_default_and_on_the_timeline(desk_cli: Cli) -> None:
    cli = desk_cli
    ok(cli("log", "Mail down", "--service", "email", "--impact", "high", "--urgency", "high",
           "-q"))  # fmt: skip
    ok(cli("update", "1", "Looking into the relay", "--state", "investigating", "-q"))
    ok(cli("update", "INC-1", "Relay disk full", "--state", "Identified", "--public", "-q"))
    shown = cli.json("show", "1")
    assert [(u["state"], u["public"], u["message"]) for u in shown["updates"]] == [
        ("investigating", False, "Looking into the relay"),
        ("identified", True, "Relay disk full"),
    ]
    assert shown["updates"][1]["at"] == START.isoformat()
    assert [(e["kind"], e["field"], e["new"], e["message"]) for e in shown["events"][1:]] == [
        ("update", "state", "investigating", "Looking into the relay"),
        ("update", "state", "identified", "Relay disk full"),
    ]
    table = ok(cli("show", "1"))
    assert "Updates" in table
    assert "internal" in table
    assert "public" in table
    fails(cli("update", "1", "x", "--state", "fixed"), 4, "'fixed' is not a stakeholder update")
    assert cli("update", "1", "no state").exit_code == 2
    fails(cli("update", "1", "   ", "--state", "monitoring"), 4, "update is empty")
    fails(cli("update", "9", "x", "--state", "monitoring"), 3, "There is no incident INC-9")
    ok(cli("resolve", "1", "--code", "fixed", "--note", "cleared the disk", "-q"))
    ok(cli("update", "1", "All mail delivered", "--state", "resolved", "--public", "-q"))
    ok(cli("close", "1", "--unconfirmed", "--reason", "no answer", "-q"))
    fails(cli("update", "1", "late", "--state", "resolved"), 4,
          "Cannot post an update on INC-1: it is closed")  # fmt: skip


def test_public_updates_are_for_who_speaks_for_the_incident(desk: Desk) -> None:
    with desk.tracker("root") as tracker:
        tracker.users.add("root", roles=["admin"])
        tracker.users.add("sam", roles=["service-desk"])
        tracker.users.add("rita", roles=["responder"])
        tracker.users.add("ivy", roles=["incident-manager"])
        tracker.services.add("email")
    with desk.tracker("sam") as tracker:
        tracker.log("Mail down", service="email", impact="high", urgency="high")
    with desk.tracker("rita") as tracker:
        tracker.updates.post(1, "internal is fine", state="investigating")
    with desk.tracker("rita") as tracker, pytest.raises(PermissionDenied, match="rita is none"):
        tracker.updates.post(1, "public", state="investigating", public=True)
    with desk.tracker("ivy") as tracker:  # an incident manager may, roles or not
        tracker.updates.post(1, "We know", state="identified", public=True)
        tracker.escalate(1, major=True, reason="whole company")
        tracker.set_role(1, "comms", "rita")
    with desk.tracker("rita") as tracker:  # now she is its communications lead
        tracker.updates.post(1, "Fix under way", state="monitoring", public=True)
    with desk.tracker("root") as tracker:
        tracker.updates.post(1, "Admins may", state="monitoring", public=True)
        updates = tracker.updates.of(1, public_only=True)
    assert [(u.actor, u.message) for u in updates] == [
        ("ivy", "We know"), ("rita", "Fix under way"), ("root", "Admins may"),
    ]  # fmt: skip


def test_the_cli_refuses_a_public_update_with_exit_5(desk_cli: Cli) -> None:
    cli = desk_cli
    ok(cli("user", "add", "root", "--role", "admin", "-q", actor="root"))
    ok(cli("user", "add", "sam", "--role", "service-desk", "-q", actor="root"))
    ok(cli("log", "Mail down", "--service", "email", "-q", actor="sam"))
    fails(cli("update", "1", "Out", "--state", "investigating", "--public", actor="sam"), 5,
          "A public update on INC-1 is for its communications lead")  # fmt: skip
    assert cli.json("show", "1")["updates"] == []


def test_report_comms_lists_who_is_overdue(desk_cli: Cli, clock: FixedClock) -> None:
    cli = desk_cli
    ok(cli("log", "Mail down", "--service", "email", "--impact", "high", "--urgency", "high",
           "--at", "2026-11-20 08:00", "-q"))  # INC-1 P1, logged an hour ago  # fmt: skip
    ok(cli("log", "Slow VPN", "--impact", "high", "--urgency", "medium",
           "--at", "2026-11-20 08:20", "-q"))  # INC-2 P2, 40 minutes ago  # fmt: skip
    ok(cli("log", "Printer", "--impact", "low", "--urgency", "low", "--at", "2026-11-20 06:00",
           "-q"))  # INC-3 P4: no cadence  # fmt: skip
    ok(cli("log", "Payroll", "--impact", "medium", "--urgency", "medium",
           "--at", "2026-11-20 07:00", "-q"))  # INC-4 P3  # fmt: skip
    ok(cli("escalate", "4", "--major", "--keep-priority", "--reason", "everyone paid late",
           "--at", "2026-11-20 08:40", "-q"))  # a major P3 keeps P1's cadence  # fmt: skip
    rows = cli.json("report", "comms")
    assert [(r["id"], r["update_every"], r["since"], r["overdue_seconds"]) for r in rows] == [
        ("INC-1", "30m", "2026-11-20T08:00:00+00:00", 30 * 60),
    ]
    clock.advance(timedelta(minutes=30))  # 09:30
    rows = cli.json("report", "comms")
    assert [(r["id"], r["overdue_seconds"]) for r in rows] == [
        ("INC-1", 60 * 60), ("INC-4", 20 * 60), ("INC-2", 10 * 60),
    ]  # fmt: skip
    assert rows[1]["major"] is True
    ok(cli("update", "1", "On it", "--state", "investigating", "-q"))
    result = cli("report", "comms", "--fail-on-overdue", "-f", "csv")
    assert result.exit_code == 8
    lines = result.stdout.splitlines()
    assert lines[0] == ("id,title,priority,major,status,service,comms,last_update_at,"
                        "last_update_state,since,update_every,due_at,overdue_seconds")  # fmt: skip
    assert [line.split(",")[0] for line in lines[1:]] == ["INC-4", "INC-2"]
    # an hour earlier nothing was overdue yet but INC-1: --as-of rewinds, updates included
    early = cli.json("report", "comms", "--as-of", "2026-11-20 08:45")
    assert [r["id"] for r in early] == ["INC-1"]
    ok(cli("update", "2", "Checking", "--state", "investigating", "-q"))
    ok(cli("update", "4", "Checking", "--state", "investigating", "-q"))
    quiet = cli("report", "comms", "--quiet-if-none", "--fail-on-overdue")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert "No stakeholder update is overdue" in ok(cli("report", "comms"))


def test_the_cadence_is_policy(desk_cli: Cli, clock: FixedClock, db_url: str) -> None:
    cli = desk_cli
    targets = cli.json("policy", "show")["targets"]
    assert [(t["priority"], t["update_every"]) for t in targets] == [
        ("P1", "30m"), ("P2", "1h"), ("P3", None), ("P4", None), ("P5", None),
    ]  # fmt: skip
    ok(cli("log", "Payroll", "--impact", "medium", "--urgency", "medium", "--at", "2h ago", "-q"))
    assert cli.json("report", "comms") == []
    policy = cli.json("policy", "set", "P3", "--update-every", "90m")
    assert policy["targets"][2]["update_every"] == "90m"
    assert [r["update_every"] for r in cli.json("report", "comms")] == ["90m"]
    ok(cli("policy", "set", "P3", "--update-every", "none"))
    assert cli.json("report", "comms") == []
    fails(cli("policy", "set", "P3", "--update-every", "soon"), 4, "not a target duration")
    database = Database.open(db_url)
    with database.transaction(write=False) as session:
        from inctrack.incidents.tracker import Tracker

        report = comms_report(Tracker(session, clock=clock, actor="x"))
    database.dispose()
    assert report.records == []


def test_the_on_update_hook_gets_the_incident(
    desk_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    seen = tmp_path / "seen.json"
    hook = hooks / "on-update"
    hook.write_text(f'#!/bin/sh\ncat > "{seen}"\n', encoding="utf-8")
    hook.chmod(0o755)
    monkeypatch.setenv("INCTRACK_HOOKS_DIR", str(hooks))
    ok(desk_cli("log", "Mail down", "--service", "email", "-q"))
    assert not seen.exists()
    ok(desk_cli("update", "1", "We know", "--state", "identified", "--public", "-q"))
    record = json.loads(seen.read_text(encoding="utf-8"))
    assert (record["id"], record["service"]) == ("INC-1", "email")


# -- the service and maintenance commands ------------------------------------------------


def test_service_commands(desk_cli: Cli, clock: FixedClock) -> None:
    cli = desk_cli
    ok(cli("group", "add", "Messaging", "-q"))
    added = cli.json("service", "add", "vpn", "--title", "Remote access", "--group", "messaging",
                     "-d", "For home workers")  # fmt: skip
    assert {k: added[k] for k in ("name", "title", "group", "status")} == {
        "name": "vpn", "title": "Remote access", "group": "Messaging", "status": "operational",
    }  # fmt: skip
    fails(cli("service", "add", "VPN"), 4, "The service vpn already exists.")
    fails(cli("service", "add", "x", "--group", "nope"), 3, "There is no group nope")
    fails(
        cli("log", "Mail", "--service", "emial"),
        3,
        "There is no service emial; did you mean email?",
    )
    ok(cli("log", "Mail down", "--service", "EMAIL", "--impact", "high", "--urgency", "low", "-q"))
    listed = cli.json("service", "list")
    assert [(s["name"], s["status"]) for s in listed] == [
        ("email", "partial-outage"), ("vpn", "operational"),
    ]  # fmt: skip
    clock.advance(timedelta(minutes=10))
    fails(cli("service", "status", "email", "major-outage"), 4, "reason (--reason) is empty")
    fails(cli("service", "status", "email"), 2, "Give a STATUS")
    set_by_hand = cli.json("service", "status", "email", "major-outage", "--reason", "all down")
    assert (set_by_hand["status"], set_by_hand["status_set_by_hand"]) == ("major-outage", True)
    clock.advance(timedelta(minutes=10))
    assert cli.json("service", "status", "email", "--auto")["status"] == "partial-outage"
    shown = cli.json("service", "show", "Email")
    assert [(h["status"], h["cause"], h["incident"], h["at"]) for h in shown["history"]] == [
        ("operational", "registered", None, "2026-11-20T09:00:00+00:00"),
        ("partial-outage", "incident", "INC-1", "2026-11-20T09:00:00+00:00"),
        ("major-outage", "manual", None, "2026-11-20T09:10:00+00:00"),
        ("partial-outage", "auto", None, "2026-11-20T09:20:00+00:00"),
    ]
    assert "Status history" in ok(cli("service", "show", "email"))
    assert ok(cli("service", "list", "-f", "csv")).splitlines()[0] == (
        "name,title,group,description,status,status_set_by_hand,status_reason,retired,"
        "retired_at,created_at"
    )
    assert ok(cli("service", "retire", "vpn", "-q")) == "vpn\n"
    fails(cli("log", "VPN", "--service", "vpn"), 4, "The service vpn is retired")
    assert [s["name"] for s in cli.json("service", "list", "--all")] == ["email", "vpn"]
    fails(cli("service", "show", "nope"), 3, "There is no service nope")


def test_maintenance_commands(desk_cli: Cli, clock: FixedClock) -> None:
    cli = desk_cli
    window = cli.json("maintenance", "add", "Relay upgrade", "--service", "email",
                      "--from", "2026-11-20 10:00", "--until", "2026-11-20 11:00")  # fmt: skip
    assert (window["id"], window["service"], window["starts_at"], window["ends_at"]) == (
        "MNT-1", "email", "2026-11-20T10:00:00+00:00", "2026-11-20T11:00:00+00:00",
    )  # fmt: skip
    assert ok(cli("maintenance", "add", "Later", "--service", "email", "--from", "2026-11-21 10:00",
                  "--until", "2026-11-21 11:00", "-q")) == "MNT-2\n"  # fmt: skip
    fails(cli("maintenance", "add", "x", "--service", "email", "--from", "2026-11-20 10:00",
              "--until", "2026-11-20 09:00"), 4, "before it starts")  # fmt: skip
    fails(cli("maintenance", "add", "x", "--service", "mail", "--from", "2026-11-20 10:00",
              "--until", "2026-11-20 11:00"), 3, "did you mean email?")  # fmt: skip
    assert ok(cli("maintenance", "cancel", "mnt-2", "-q")) == "MNT-2\n"
    fails(cli("maintenance", "cancel", "MNT-2"), 4, "MNT-2 is already cancelled.")
    fails(cli("maintenance", "cancel", "MNT-7"), 3, "There is no maintenance window MNT-7")
    assert [m["id"] for m in cli.json("maintenance", "list")] == ["MNT-1"]
    assert [m["id"] for m in cli.json("maintenance", "list", "--all")] == ["MNT-1", "MNT-2"]
    assert "Relay upgrade" in ok(cli("maintenance", "list"))
    clock.advance(timedelta(hours=1, minutes=30))  # 10:30: under way
    assert cli.json("service", "list")[0]["status"] == "maintenance"
    clock.advance(timedelta(hours=1))  # 11:30: over
    assert cli.json("service", "list")[0]["status"] == "operational"
    assert cli.json("maintenance", "list") == []
    fails(cli("maintenance", "cancel", "1"), 4, "MNT-1 is over")
