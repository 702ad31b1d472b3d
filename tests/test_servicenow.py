"""import --from servicenow: one row per incident, or an event log of updates.

The files are written here, with the columns of a real ServiceNow incident
export; every expectation is worked out by hand from the rows.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from inctrack import transfer
from inctrack.clock import FixedClock
from inctrack.incidents.queries import IncidentQuery
from inctrack.storage import Database
from inctrack.transfer import servicenow
from inctrack.transfer.fields import DateReader

from .helpers import START, Cli, Desk

COLUMNS = [
    "number", "incident_state", "active", "opened_at", "caller_id", "opened_by", "category",
    "subcategory", "impact", "urgency", "priority", "assignment_group", "assigned_to",
    "reassignment_count", "reopen_count", "sys_updated_by", "sys_updated_at", "resolved_at",
    "closed_at", "closed_code", "close_notes", "contact_type", "u_symptom", "cmdb_ci",
    "short_description", "made_sla",
]  # fmt: skip


def row(number: str, state: str, updated: str, **values: str) -> dict[str, str]:
    base = {
        "number": number, "incident_state": state, "active": "true",
        "opened_at": "2026-03-02 09:00:00", "caller_id": "Ann Lee", "opened_by": "desk1",
        "category": "Network", "subcategory": "VPN", "impact": "2 - Medium",
        "urgency": "2 - Medium", "priority": "3 - Moderate", "assignment_group": "Network Team",
        "assigned_to": "", "reassignment_count": "0", "reopen_count": "0",
        "sys_updated_by": "agent", "sys_updated_at": updated, "resolved_at": "",
        "closed_at": "", "closed_code": "", "close_notes": "", "contact_type": "Phone",
        "u_symptom": "", "cmdb_ci": "vpn-gw-1", "short_description": "VPN drops",
        "made_sla": "true",
    }  # fmt: skip
    return base | values


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def imported(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    result = cli("import", str(path), "--from", "servicenow", *args, "--summary", "json")
    assert result.exit_code == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def timeline(record: dict[str, Any]) -> list[tuple[str, str, str, str | None, str | None]]:
    """(kind, at, actor, field: old -> new, message) of each event, times as HH:MM or dates."""
    return [
        (e["kind"], e["at"][:16], e["actor"],
         f"{e['field']}: {e['old']} -> {e['new']}" if e["field"] else None, e["message"])
        for e in record["events"]
    ]  # fmt: skip


ONE_ROW_EACH = [
    row(
        "INC0010001", "Closed", "2026-03-03 12:00:00", impact="1 - High", priority="2 - High",
        assigned_to="Bob", reassignment_count="1", resolved_at="2026-03-02 15:00:00",
        closed_at="2026-03-03 12:00:00", closed_code="Solved (Permanently)",
        close_notes="Replaced the token", sys_updated_by="carol",
    ),
    row(
        "INC0010002", "In Progress", "2026-03-02 10:30:00", opened_at="2026-03-02 10:00:00",
        caller_id="Cy", category="Facilities", subcategory="Badge Readers", impact="3 - Low",
        urgency="3 - Low", priority="4 - Low", assignment_group="Desk",
        contact_type="Self-service", short_description="", u_symptom="Printer jam",
        cmdb_ci="",
    ),
]  # fmt: skip


def test_one_row_per_incident(cli: Cli, tmp_path: Path) -> None:
    summary = imported(cli, write(tmp_path / "incidents.csv", ONE_ROW_EACH))
    assert (summary["from"], summary["rows"], summary["created"], summary["events"]) == (
        "servicenow", 2, 2, 5
    )  # fmt: skip
    assert summary["ignored_columns"] == ["active", "made_sla"]
    assert summary["categories_added"] == ["facilities", "facilities/badge-readers"]
    first = cli.json("show", "INC-1")
    assert {k: first[k] for k in (
        "external_id", "title", "reporter", "reported_at", "category", "subcategory", "impact",
        "urgency", "priority", "group", "assignee", "reassignment_count", "channel", "service",
        "status", "resolution_code", "resolution_note", "resolved_at", "closed_at", "closed_by",
        "responded_at", "updated_at", "logged_by",
    )} == {
        "external_id": "INC0010001", "title": "VPN drops", "reporter": "Ann Lee",
        "reported_at": "2026-03-02T09:00:00+00:00", "category": "network",
        "subcategory": "vpn", "impact": "high", "urgency": "medium", "priority": "P2",
        "group": "Network Team", "assignee": "Bob", "reassignment_count": 1,
        "channel": "phone", "service": "vpn-gw-1", "status": "closed",
        "resolution_code": "fixed", "resolution_note": "Replaced the token",
        "resolved_at": "2026-03-02T15:00:00+00:00", "closed_at": "2026-03-03T12:00:00+00:00",
        "closed_by": "carol", "responded_at": None, "updated_at": "2026-03-03T12:00:00+00:00",
        "logged_by": "tester",
    }  # fmt: skip
    assert timeline(first) == [
        ("logged", "2026-03-02T09:00", "desk1", None, "VPN drops"),
        ("resolved", "2026-03-02T15:00", "carol", "status: new -> resolved",
         "fixed: Replaced the token"),
        ("closed", "2026-03-03T12:00", "carol", "status: resolved -> closed", None),
    ]  # fmt: skip
    second = cli.json("show", "INC-2")
    assert (second["title"], second["channel"], second["category"], second["subcategory"]) == (
        "Printer jam", "portal", "facilities", "badge-readers"
    )  # fmt: skip
    assert (second["status"], second["priority"], second["service"]) == ("in_progress", "P4", None)
    assert timeline(second) == [
        ("logged", "2026-03-02T10:00", "desk1", None, "Printer jam"),
        ("responded", "2026-03-02T10:30", "agent", "status: new -> in_progress", None),
    ]
    assert second["responded_at"] == "2026-03-02T10:30:00+00:00"


EVENT_LOG = [
    row("INC0020001", "New", "2026-03-02 09:00:00", sys_updated_by="desk1"),
    row("INC0020001", "Active", "2026-03-02 09:20:00", assigned_to="Bob", sys_updated_by="bob"),
    row("INC0020001", "Awaiting User Info", "2026-03-02 10:00:00", assigned_to="Bob",
        sys_updated_by="bob"),
    row("INC0020001", "Active", "2026-03-02 11:00:00", assigned_to="Bob", sys_updated_by="bob"),
    row("INC0020001", "Resolved", "2026-03-02 12:00:00", assigned_to="Bob",
        resolved_at="2026-03-02 12:00:00", closed_code="Solved (Work Around)",
        close_notes="Restarted", sys_updated_by="bob", reassignment_count="0"),
    row("INC0020001", "Closed", "2026-03-05 12:00:00", assigned_to="Bob",
        resolved_at="2026-03-02 12:00:00", closed_at="2026-03-05 12:00:00",
        closed_code="Solved (Work Around)", close_notes="Restarted", sys_updated_by="system"),
    row("INC0020002", "New", "2026-03-02 09:30:00", opened_at="2026-03-02 09:30:00",
        caller_id="Di", short_description="Mail bounces", category="Email", subcategory=""),
    row("INC0020002", "Active", "2026-03-02 09:45:00", opened_at="2026-03-02 09:30:00",
        caller_id="Di", short_description="Mail bounces", category="Email", subcategory="",
        urgency="1 - High", priority="2 - High"),
]  # fmt: skip


def test_an_event_log_out_of_order_folds_into_one_timeline(cli: Cli, tmp_path: Path) -> None:
    shuffled = [EVENT_LOG[i] for i in (5, 7, 2, 0, 4, 6, 3, 1)]
    summary = imported(cli, write(tmp_path / "log.csv", shuffled))
    assert (summary["rows"], summary["incidents"], summary["created"]) == (8, 2, 2)
    first = cli.json("show", "INC-1")  # the first number in the file is INC0020001
    assert first["external_id"] == "INC0020001"
    assert timeline(first) == [
        ("logged", "2026-03-02T09:00", "desk1", None, "VPN drops"),
        ("assigned", "2026-03-02T09:20", "bob", "assignee: None -> Bob", None),
        ("responded", "2026-03-02T09:20", "bob", "status: new -> in_progress", None),
        ("held", "2026-03-02T10:00", "bob", "status: in_progress -> on_hold",
         "awaiting-reporter"),
        ("resumed", "2026-03-02T11:00", "bob", "status: on_hold -> in_progress",
         "after awaiting-reporter"),
        ("resolved", "2026-03-02T12:00", "bob", "status: in_progress -> resolved",
         "workaround: Restarted"),
        ("closed", "2026-03-05T12:00", "system", "status: resolved -> closed", None),
    ]  # fmt: skip
    assert (first["status"], first["responded_at"], first["resolved_at"]) == (
        "closed", "2026-03-02T09:20:00+00:00", "2026-03-02T12:00:00+00:00"
    )  # fmt: skip
    assert (first["resolution_code"], first["closed_by"], first["hold_reason"]) == (
        "workaround", "system", None
    )  # fmt: skip
    second = cli.json("show", "INC-2")
    assert timeline(second) == [
        ("logged", "2026-03-02T09:30", "desk1", None, "Mail bounces"),
        ("prioritized", "2026-03-02T09:45", "agent", "urgency: medium -> high", None),
        ("prioritized", "2026-03-02T09:45", "agent", "priority: P3 -> P2", None),
        ("responded", "2026-03-02T09:45", "agent", "status: new -> in_progress", None),
    ]
    assert second["sla"]["resolution"]["target"] == "8h"  # P2's, from the priority event


def test_the_order_of_the_rows_does_not_matter(tmp_path: Path) -> None:
    """Eighty incidents of five updates each, shuffled or sorted: the same desk."""
    rng = random.Random(7)
    rows = []
    for n in range(80):
        number = f"INC{n:07d}"
        path = ["New", "Active", "Awaiting Vendor", "Active", "Resolved"]
        for step, state in enumerate(path):
            resolved = "2026-03-03 09:00:00" if state == "Resolved" else ""
            rows.append(row(number, state, f"2026-03-02 {10 + step}:{n % 60:02d}:00",
                            resolved_at=resolved, assigned_to=f"r{step % 2}"))  # fmt: skip
    exports = []
    for name, order in (("sorted", rows), ("shuffled", rng.sample(rows, len(rows)))):
        database = Database.open(str(tmp_path / f"{name}.db"))
        desk = Desk(database, FixedClock(START))
        with desk.tracker() as tracker:
            summary = transfer.Summary(name, "csv")
            stream = io.StringIO()
            writer = csv.DictWriter(stream, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(order)
            stream.seek(0)
            with servicenow.prepare(stream, summary, dates=DateReader(UTC)) as prepared:
                prepared.load(tracker)
            records = list(transfer.export_records(tracker, IncidentQuery(include_closed=True)))
        database.dispose()
        assert (summary.created, summary.problems) == (80, [])
        for record in records:  # numbered and chained in the order written: not compared
            record["events"] = [
                {k: v for k, v in e.items() if k not in ("prev_hash", "hash")}
                for e in record["events"]
            ]
        exports.append(sorted((r["external_id"], json.dumps(r | {"id": None})) for r in records))
    assert exports[0] == exports[1]


def test_duplicate_numbers_fold_into_one_incident(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row("INC0030001", "Active", "2026-03-02 09:30:00", assigned_to="Bob"),
        row("INC0030002", "New", "2026-03-02 09:40:00", short_description="Other"),
        row("INC0030001", "On Hold", "2026-03-02 10:00:00", assigned_to="Bob",
            short_description="VPN drops for everyone"),
    ]  # fmt: skip
    summary = imported(cli, write(tmp_path / "dupes.csv", rows))
    assert (summary["rows"], summary["incidents"], summary["created"]) == (3, 2, 2)
    first = cli.json("show", "INC-1")
    assert (first["title"], first["status"], first["hold_reason"]) == (
        "VPN drops for everyone", "on_hold", "awaiting-third-party"
    )  # fmt: skip
    assert [e["kind"] for e in first["events"]] == ["logged", "responded", "held"]


def test_unknown_states_and_values_are_counted_not_fatal(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row("INC0040001", "New", "2026-03-02 09:00:00"),
        row("INC0040001", "-100", "2026-03-02 09:10:00", impact="4 - Minor"),
        row("INC0040001", "Active", "2026-03-02 09:20:00", contact_type="Carrier pigeon",
            closed_code="code 5"),
        row("INC0040002", "-100", "2026-03-02 09:30:00"),
    ]  # fmt: skip
    summary = imported(cli, write(tmp_path / "odd.csv", rows))
    assert summary["created"] == 2
    assert summary["unknown_values"] == [
        {"column": "closed_code", "value": "code 5", "count": 1},
        {"column": "contact_type", "value": "Carrier pigeon", "count": 1},
        {"column": "impact", "value": "4 - Minor", "count": 1},
        {"column": "incident_state", "value": "-100", "count": 2},
    ]
    first = cli.json("show", "INC-1")
    assert (first["status"], first["channel"], first["impact"]) == ("in_progress", None, "medium")
    kinds = [(e["kind"], e["field"], e["old"], e["new"]) for e in first["events"]]
    assert kinds == [
        ("logged", None, None, None),
        ("prioritized", "impact", "medium", None),  # "4 - Minor" is no level: no value
        ("prioritized", "impact", None, "medium"),
        ("responded", "status", "new", "in_progress"),  # the row with -100 kept "new"
    ]
    assert cli.json("show", "INC-2")["status"] == "new"  # an unknown first state: new
    table = cli("import", str(tmp_path / "odd.csv"), "--from", "servicenow")
    assert "incident_state: -100" in table.stdout


def test_placeholders_for_missing_values(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row("INC0050001", "New", "2026-03-02 09:00:00", caller_id="?", assigned_to="NULL",
            cmdb_ci="?", resolved_at="?", closed_at="NULL"),
    ]  # fmt: skip
    path = write(tmp_path / "nulls.csv", rows)
    result = cli("import", str(path), "--from", "servicenow")
    assert result.exit_code == 4
    assert "line 2: resolved_at '?' is not a date" in result.stderr
    assert "--null TEXT if it stands for no value" in result.stderr
    summary = imported(cli, path, "--null", "?", "--null", "NULL")
    assert summary["unknown_values"] == [
        {"column": "caller_id", "value": "(empty: reporter set to 'unknown')", "count": 1}
    ]
    shown = cli.json("show", "INC-1")
    assert (shown["reporter"], shown["assignee"], shown["service"]) == ("unknown", None, None)


def test_day_first_dates_in_the_configured_time_zone(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCTRACK_TIMEZONE", "Europe/Paris")
    rows = [
        row("INC0060001", "New", "29/2/2016 01:23", opened_at="29/2/2016 01:16"),
        row("INC0060001", "Resolved", "1/3/2016 09:05", opened_at="29/2/2016 01:16",
            resolved_at="1/3/2016 09:05"),
    ]  # fmt: skip
    path = write(tmp_path / "dayfirst.csv", rows)
    result = cli("import", str(path), "--from", "servicenow")
    assert result.exit_code == 4
    assert result.stderr.startswith(
        f"Error: {path} has 2 problems, so nothing was imported: line 2: opened_at "
        "'29/2/2016 01:16' is not a date; try with --dayfirst or --date-format FMT"
    )
    assert cli.json("list", "--all") == []
    imported(cli, path, "--dayfirst")
    shown = cli.json("show", "INC-1")
    assert shown["reported_at"] == "2016-02-29T00:16:00+00:00"  # 01:16 in Paris (CET, +1)
    assert shown["resolved_at"] == "2016-03-01T08:05:00+00:00"


def test_a_date_format(cli: Cli, tmp_path: Path) -> None:
    rows = [row("INC0070001", "New", "02-03-2026 09:10:11", opened_at="02-03-2026 09:00:00")]
    imported(cli, write(tmp_path / "fmt.csv", rows), "--date-format", "%d-%m-%Y %H:%M:%S")
    assert cli.json("show", "INC-1")["reported_at"] == "2026-03-02T09:00:00+00:00"


@pytest.mark.parametrize(
    ("impact", "urgency", "priority", "expected"),
    [
        ("1 - High", "1 - High", "1 - Critical", ("high", "high", "P1")),
        ("2 - Medium", "3 - Low", "4 - Low", ("medium", "low", "P4")),
        ("3 - Low", "2 - Medium", "5 - Planning", ("low", "medium", "P5")),
        ("High", "medium", "3 - Moderate", ("high", "medium", "P3")),
    ],
)
def test_impact_urgency_and_priority_labels(
    cli: Cli, tmp_path: Path, impact: str, urgency: str, priority: str,
    expected: tuple[str, str, str],
) -> None:  # fmt: skip
    rows = [row("INC0080001", "New", "2026-03-02 09:00:00", impact=impact, urgency=urgency,
                priority=priority)]  # fmt: skip
    imported(cli, write(tmp_path / "levels.csv", rows))
    shown = cli.json("show", "INC-1")
    assert (shown["impact"], shown["urgency"], shown["priority"]) == expected


def test_without_a_priority_column_the_matrix_decides(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "no-priority.csv"
    path.write_text(
        "number,incident_state,opened_at,caller_id,impact,urgency\n"
        "INC0090001,New,2026-03-02 09:00:00,Ann,1 - High,2 - Medium\n",
        encoding="utf-8",
    )
    summary = imported(cli, path)
    shown = cli.json("show", "INC-1")
    assert (shown["priority"], shown["title"], shown["status"]) == ("P2", "INC0090001", "new")
    assert summary["ignored_columns"] == []


def test_the_original_number_is_searchable(cli: Cli, tmp_path: Path) -> None:
    imported(cli, write(tmp_path / "incidents.csv", ONE_ROW_EACH))
    found = cli.json("list", "--all", "--search", "INC0010001")
    assert [r["id"] for r in found] == ["INC-1"]
    both = cli.json("list", "--all", "--search", "inc00100")  # any part, any case
    assert [r["id"] for r in both] == ["INC-1", "INC-2"]


def test_reimport_skips_or_updates_by_number(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "incidents.csv", ONE_ROW_EACH)
    imported(cli, path)
    before = cli("export").stdout
    again = imported(cli, path)
    assert (again["created"], again["skipped"], again["events"]) == (0, 2, 0)
    update = imported(cli, path, "--on-conflict", "update")
    assert (update["updated"], update["unchanged"]) == (0, 2)
    assert cli("export").stdout == before
    later_update = {"incident_state": "Resolved", "sys_updated_at": "2026-03-02 11:00:00",
                    "resolved_at": "2026-03-02 11:00:00"}  # fmt: skip
    grown = ONE_ROW_EACH[1] | later_update
    path = write(tmp_path / "later.csv", [ONE_ROW_EACH[0], ONE_ROW_EACH[1], grown])
    later = imported(cli, path, "--on-conflict", "update")
    assert (later["updated"], later["unchanged"], later["events"]) == (1, 1, 1)
    second = cli.json("show", "INC-2")
    assert second["status"] == "resolved"
    assert [e["kind"] for e in second["events"]] == ["logged", "responded", "resolved"]
    fail = cli("import", str(path), "--from", "servicenow", "--on-conflict", "fail")
    assert fail.exit_code == 6
    assert fail.stderr.startswith(
        "Error: INC0010001 (INC-1) from line 2 is already in the database"
    )


def test_rows_without_a_number_or_dates(cli: Cli, tmp_path: Path) -> None:
    rows = [
        row("", "New", "2026-03-02 09:00:00"),
        row("INC0100001", "New", "", opened_at=""),
    ]
    result = cli("import", str(write(tmp_path / "bad.csv", rows)), "--from", "servicenow",
                 "--dry-run", "--summary", "json")  # fmt: skip
    assert result.exit_code == 4
    assert json.loads(result.stdout)["problems"] == [
        {"line": 2, "message": "has no number"},
        {"line": 3, "message": "INC0100001 has neither opened_at nor sys_updated_at"},
    ]


def test_not_a_servicenow_export(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("title,reporter\nOne,Ann\n", encoding="utf-8")
    result = cli("import", str(path), "--from", "servicenow")
    assert result.exit_code == 4
    assert result.stderr == (
        f"Error: {path} has no number column, so it is not a ServiceNow incident export (its "
        "columns are title, reporter).\n"
    )


def test_no_progress_bar_when_not_on_a_terminal(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "incidents.csv", ONE_ROW_EACH)
    result = cli("import", str(path), "--from", "servicenow", "--summary", "json")
    assert result.exit_code == 0
    assert result.stderr == ""
