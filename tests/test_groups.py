"""Resolver groups are a registry: what assign, escalate and users may name, and how
names already in use came into it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.storage import Database, migrate

from .helpers import Cli, Desk, fails, ok

GROUP_KEYS = {"name", "description", "retired", "retired_at", "created_at", "members",
              "open_incidents"}  # fmt: skip


def test_add_list_rename_retire_round_trip(cli: Cli) -> None:
    added = cli.json("group", "add", "Network", "--description", "LAN, WAN and VPN")
    assert set(added) == GROUP_KEYS
    assert (added["name"], added["description"], added["retired"]) == (
        "Network", "LAN, WAN and VPN", False,
    )  # fmt: skip
    assert ok(cli("group", "add", "dba", "-q")) == "dba\n"
    assert [g["name"] for g in cli.json("group", "list")] == ["dba", "Network"]
    assert ok(cli("group", "rename", "network", "net-ops", "-q")) == "net-ops\n"
    retired = cli.json("group", "retire", "DBA")
    assert (retired["name"], retired["retired"]) == ("dba", True)
    assert retired["retired_at"] is not None
    assert [g["name"] for g in cli.json("group", "list")] == ["net-ops"]
    assert [g["name"] for g in cli.json("group", "list", "--all")] == ["dba", "net-ops"]
    table = ok(cli("group", "list", "--all"))
    assert "dba (retired)" in table
    assert "LAN, WAN and VPN" in table
    assert ok(cli("group", "list", "-f", "csv")).splitlines() == [
        "name,description,retired,retired_at,created_at,members,open_incidents",
        f'net-ops,"LAN, WAN and VPN",false,,{added["created_at"]},,0',
    ]


def test_names_are_unique_whatever_their_case(cli: Cli) -> None:
    ok(cli("group", "add", "network", "-q"))
    fails(cli("group", "add", "NETWORK"), 4, "The group network already exists.")
    ok(cli("group", "add", "dba", "-q"))
    fails(cli("group", "rename", "dba", "Network"), 4, "The group network already exists")
    fails(cli("group", "rename", "dba", "dba"), 4, "already called dba")
    assert ok(cli("group", "rename", "network", "Network", "-q")) == "Network\n"
    fails(cli("group", "add", "   "), 4, "The group name is empty")
    fails(cli("group", "add", "x" * 101), 4, "more than 100")
    fails(cli("group", "rename", "nope", "other"), 3, "There is no group nope")


def test_an_empty_registry_says_how_to_start_one(cli: Cli) -> None:
    assert "No groups registered" in ok(cli("group", "list"))
    assert cli.json("group", "list") == []
    ok(cli("log", "VPN drops", "-q"))
    fails(
        cli("assign", "1", "--group", "network"), 3,
        "There is no group network; no group is registered yet: an admin adds one with "
        "`inctrack group add network`.",
    )  # fmt: skip


def test_assign_and_escalate_take_registered_groups_in_any_case(cli: Cli) -> None:
    for name in ("Network", "Service Desk"):
        ok(cli("group", "add", name, "-q"))
    ok(cli("log", "VPN drops", "-q"))
    assert cli.json("assign", "1", "--group", "service desk")["group"] == "Service Desk"
    escalated = cli.json("escalate", "1", "--group", "NETWORK", "--reason", "not the client")
    assert escalated["group"] == "Network"
    events = cli.json("show", "1")["events"]
    assert [(e["kind"], e["old"], e["new"]) for e in events if e["field"] == "group"] == [
        ("assigned", None, "Service Desk"),
        ("escalated", "Service Desk", "Network"),
    ]
    before = cli.json("show", "1")
    fails(
        cli("assign", "1", "--group", "netwrok"),
        3,
        "There is no group netwrok; did you mean Network?",
    )
    fails(cli("escalate", "1", "--group", "desk", "--reason", "x"), 3, "did you mean Service Desk?")
    assert cli.json("show", "1") == before


def test_a_retired_group_keeps_its_incidents_and_takes_no_new_work(cli: Cli) -> None:
    ok(cli("group", "add", "legacy", "-q"))
    ok(cli("group", "add", "network", "-q"))
    ok(cli("log", "Old app down", "-q"))
    ok(cli("log", "New app down", "-q"))
    ok(cli("assign", "1", "--group", "legacy", "-q"))
    retired = cli.json("group", "retire", "legacy")
    assert retired["open_incidents"] == 1
    assert cli.json("show", "1")["group"] == "legacy"
    assert [r["id"] for r in cli.json("list", "--group", "legacy")] == ["INC-1"]
    fails(cli("assign", "2", "--group", "legacy"), 4, "The group legacy is retired")
    fails(cli("escalate", "2", "--group", "Legacy", "--reason", "x"), 4, "retired")
    fails(cli("group", "retire", "legacy"), 4, "already retired")
    assert ok(cli("escalate", "1", "--group", "network", "--reason", "moved", "-q"))
    assert cli.json("group", "add", "legacy")["retired"] is False  # brought back
    assert ok(cli("assign", "2", "--group", "legacy", "-q")) == "INC-2\n"


def test_users_belong_to_registered_groups(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "--role", "service-desk", "-q", actor="ada"))
    fails(
        cli("user", "add", "rex", "--role", "responder", "--group", "network", actor="ada"), 3,
        "There is no group network",
    )  # fmt: skip
    ok(cli("group", "add", "Network", "-q", actor="ada"))
    rex = cli.json("user", "add", "rex", "--role", "responder", "--group", "network", actor="ada")
    assert rex["group"] == "Network"
    fails(
        cli("user", "update", "rex", "--group", "netwrk", actor="ada"), 3, "did you mean Network?"
    )
    [group] = cli.json("group", "list")
    assert (group["members"], group["open_incidents"]) == (["rex"], 0)
    # assigning a person brings their group along, as the registry spells it
    ok(cli("log", "VPN drops", "-q", actor="ada"))
    assert cli.json("assign", "1", "--to", "rex", actor="ada")["group"] == "Network"
    assert cli.json("user", "update", "rex", "--group", "", actor="ada")["group"] is None


def test_a_person_whose_group_retired_is_assigned_with_an_explicit_group(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "--role", "service-desk", "-q", actor="ada"))
    for name in ("legacy", "apps"):
        ok(cli("group", "add", name, "-q", actor="ada"))
    ok(cli("user", "add", "rex", "--role", "responder", "--group", "legacy", "-q", actor="ada"))
    ok(cli("group", "retire", "legacy", "-q", actor="ada"))
    ok(cli("log", "App down", "-q", actor="ada"))
    fails(
        cli("assign", "1", "--to", "rex", actor="ada"), 4,
        "rex belongs to the group legacy, which is retired and takes no new work; give "
        "--group GROUP, or ask an admin to run `inctrack user update rex --group GROUP`.",
    )  # fmt: skip
    record = cli.json("assign", "1", "--to", "rex", "--group", "apps", actor="ada")
    assert (record["assignee"], record["group"]) == ("rex", "apps")


def test_changing_the_registry_is_for_admins(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "-q", actor="ada"))
    ok(cli("user", "add", "sam", "--role", "service-desk", "-q", actor="ada"))
    for args in (("add", "network"), ("rename", "x", "y"), ("retire", "x")):
        fails(
            cli("group", *args, actor="sam"), 5,
            "Changing the resolver groups needs the admin role; sam has service-desk.",
        )  # fmt: skip
    assert cli.json("group", "list", actor="sam") == []


def test_a_rename_relabels_incidents_and_users_without_new_events(desk: Desk) -> None:
    desk.groups("network", "apps")
    with desk.tracker("ada") as tracker:
        tracker.users.add("ada", roles=["admin", "service-desk"])
        tracker.users.add("rex", roles=["responder"], group="network")
    desk("log", "VPN drops", actor="ada")
    desk("log", "App slow", actor="ada")
    desk("assign", "INC-1", group="network", actor="ada")
    desk("assign", "INC-2", group="apps", actor="ada")
    before = desk("get_or_raise", "INC-1", actor="ada")
    with desk.tracker("ada") as tracker:
        renamed = tracker.groups.rename("NETWORK", "Net-Ops")
        assert (renamed.name, tracker.groups.members(renamed)) == ("Net-Ops", ["rex"])
        assert tracker.users.all()[1].assignment_group == "Net-Ops"
    after = desk("get_or_raise", "INC-1", actor="ada")
    assert after["group"] == "Net-Ops"
    assert (after["events"], after["updated_at"]) == (before["events"], before["updated_at"])
    assert desk("get_or_raise", "INC-2", actor="ada")["group"] == "apps"


def test_the_library_raises_what_the_command_line_reports(desk: Desk) -> None:
    desk("log", "VPN drops")
    with pytest.raises(NotFound, match="no group is registered yet"):
        desk("assign", "INC-1", group="network")
    desk.groups("network")
    with desk.tracker() as tracker:
        assert tracker.groups.resolve(" NetWork ") == "network"
        tracker.groups.retire("network")
        with pytest.raises(Rejected, match="retired"):
            tracker.groups.resolve("network")
        tracker.users.add("ada", roles=["admin"])
    with desk.tracker("nobody") as tracker, pytest.raises(PermissionDenied):
        tracker.groups.add("apps")


# -- import ----------------------------------------------------------------------------


def test_import_registers_the_groups_it_meets(cli: Cli, tmp_path: Path) -> None:
    ok(cli("group", "add", "Network", "-q"))
    lines = [
        {"title": "VPN drops", "reporter": "Ann", "group": "network"},
        {"title": "DB slow", "reporter": "Bob", "group": "DBA"},
        {"title": "DB down", "reporter": "Cy", "group": "dba"},
        {"title": "No group", "reporter": "Di"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    dry = cli("import", str(path), "--dry-run", "--summary", "json")
    assert json.loads(ok(dry))["groups_added"] == ["DBA"]
    assert [g["name"] for g in cli.json("group", "list")] == ["Network"]
    assert re.search(r"groups added +1 +DBA", ok(cli("import", str(path), "--dry-run")))
    summary = json.loads(ok(cli("import", str(path), "--summary", "json")))
    assert (summary["created"], summary["groups_added"]) == (4, ["DBA"])
    groups = {g["name"]: g["open_incidents"] for g in cli.json("group", "list")}
    assert groups == {"DBA": 2, "Network": 1}
    assert [cli.json("show", str(n))["group"] for n in range(1, 5)] == [
        "Network", "DBA", "DBA", None,
    ]  # fmt: skip


# -- the registry as a migration found it ------------------------------------------------------


def test_migration_0006_registers_the_groups_in_use(tmp_path: Path) -> None:
    """A database from before the registry: every group named is registered, once."""
    from alembic import command

    path = tmp_path / "old.db"
    old = Database.open(str(path), upgrade=False)
    config = migrate.alembic_config()
    with old.connect(write=True) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        for number, group in enumerate(("network", "Network", "network", "dba", None), 1):
            connection.execute(
                text(
                    "INSERT INTO incidents (id, title, reporter, reported_at, logged_at, "
                    "logged_by, status, tier, assignment_group, major, roles, reopen_count, "
                    "reassignment_count, occurrences, updated_at) VALUES (:id, 'Old', 'bob', "
                    "'2025-03-01 10:00:00', '2025-03-01 10:00:00', 'al', 'new', 1, :group, 0, "
                    "'{}', 0, 0, 1, '2025-03-01 10:00:00')"
                ),
                {"id": number, "group": group},
            )
        connection.execute(
            text(
                "INSERT INTO users (name, roles, assignment_group, active, created_at) VALUES "
                "('rex', 'responder', 'NETWORK', 1, '2025-03-01 10:00:00'), "
                "('kim', 'responder', 'Field Ops', 1, '2025-03-01 10:00:00')"
            )
        )
    old.dispose()

    Database.open(str(path)).dispose()
    cli = Cli(str(path))
    groups = {g["name"]: (g["members"], g["open_incidents"]) for g in cli.json("group", "list")}
    assert groups == {"dba": ([], 1), "Field Ops": (["kim"], 0), "network": (["rex"], 3)}
    assert [cli.json("show", str(n))["group"] for n in range(1, 6)] == [
        "network", "network", "network", "dba", None,
    ]  # fmt: skip
    assert ok(cli("assign", "5", "--to", "kim", "-q", actor="rex")) == "INC-5\n"
    assert cli.json("show", "5")["group"] == "Field Ops"
