"""export and import: every field and event out, and back in byte for byte.

Round trips run on every pair of the configured databases (SQLite to SQLite,
and with INCTRACK_TEST_PG_URL also SQLite to PostgreSQL, PostgreSQL to SQLite
and PostgreSQL to PostgreSQL). Files with problems are written by the tests.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest

from inctrack import transfer
from inctrack.clock import FixedClock
from inctrack.incidents.queries import IncidentQuery
from inctrack.storage import Database
from inctrack.transfer.fields import DateReader

from .helpers import BACKENDS, PG_URL, START, Cli, Desk, fails, ok

EXPORT_KEYS = [
    "id", "title", "description", "reporter", "reporter_contact", "reported_at", "logged_at",
    "logged_by", "channel", "service", "category", "subcategory", "impact", "urgency",
    "priority", "status", "hold_reason", "tier", "group", "assignee", "owner", "major", "roles",
    "resolution_code", "resolution_note", "responded_at", "resolved_at", "closed_at",
    "closed_by", "confirmed_by", "reopen_count", "reassignment_count", "dedup_key",
    "occurrences", "problem", "duplicate_of", "external_id", "updated_at", "version", "events",
    "updates",
]  # fmt: skip
"""An export line's keys, in order (written out here: the contract, not the code)."""


def unchained(lines: str) -> list[dict[str, object]]:
    """Export lines without the events' hashes: what two databases' exports share (each
    database chains the events it holds, so the hashes differ)."""
    records = [json.loads(line) for line in lines.splitlines()]
    for record in records:
        for event in record["events"]:
            del event["prev_hash"], event["hash"]
    return records


EVENT_KEYS = ["at", "recorded_at", "actor", "kind", "field", "old", "new", "message",
              "os_login", "prev_hash", "hash"]  # fmt: skip


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages name files as given: the tests give them by name, from here."""
    monkeypatch.chdir(tmp_path)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def fill(desk: Desk) -> None:
    """Four incidents that use every field a command can set, with awkward text."""
    clock = desk.clock
    desk.services("vpn")
    desk(
        "log", 'VPN drops, every "few" minutes', reporter="Ann Lee",
        reporter_contact="ann@example.com", description="Line one\nline two, with a comma",
        channel="phone", service="vpn", category="network/vpn", impact="high",
        urgency="medium", at=START - minutes(30),
    )  # fmt: skip
    clock.advance(minutes(5))
    desk("respond", 1, "Looking — café ☕")
    desk("hold", 1, "awaiting-vendor", note="ticket 42")
    clock.advance(minutes(60))
    desk("resume", 1)
    desk("resolve", 1, code="fixed", note="Replaced the router")
    clock.advance(minutes(10))
    desk("close", 1, confirmed_by="Ann Lee")
    desk("log", "Printer jams", reporter="Bob")  # INC-2
    desk("prioritize", 2, priority="P1", reason="CEO's printer")
    desk.groups("hardware", "field")
    desk("assign", 2, group="hardware")
    desk("escalate", 2, tier=2, group="field", major=True, reason="Whole floor")
    desk("set_role", 2, "commander", "Zed")
    desk("link", 2, duplicate_of=1)
    desk("log", "Logged twice", reporter="Cy")  # INC-3
    desk("cancel", 3, reason="duplicate call")
    clock.advance(minutes(1))
    desk("log", "Mail bounces", reporter="Di", category="email")  # INC-4
    desk("respond", 4, "On it")
    desk("resolve", 4, code="workaround", note="Use webmail")
    clock.advance(minutes(1))
    desk("reopen", 4, reason="Still bounces")
    desk("note", 4, "Told the reporter", public=True)


@pytest.fixture
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Fresh, empty databases on demand: a SQLite file or a new PostgreSQL schema."""
    schemas: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return str(tmp_path / f"fresh-{uuid.uuid4().hex[:8]}.db")
        from sqlalchemy import text

        schema = f"t_{uuid.uuid4().hex[:12]}"
        with request.getfixturevalue("pg_server").connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        separator = "&" if "?" in str(PG_URL) else "?"
        return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"

    yield make
    if schemas:
        from sqlalchemy import text

        with request.getfixturevalue("pg_server").connect() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def exported(cli: Cli, *args: str) -> str:
    result = cli("export", *args)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def imported(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    result = cli("import", str(path), *args, "--summary", "json")
    assert result.exit_code == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def incident_count(cli: Cli) -> int:
    return len(cli.json("list", "--all"))


# -- export ---------------------------------------------------------------------------


def test_export_has_every_field_and_event_of_every_incident(desk: Desk, cli: Cli) -> None:
    fill(desk)
    lines = exported(cli).splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["INC-1", "INC-2", "INC-3", "INC-4"]  # closed too
    assert all(list(r) == EXPORT_KEYS for r in records)  # no computed `sla`
    first = records[0]
    assert first["title"] == 'VPN drops, every "few" minutes'
    assert first["description"] == "Line one\nline two, with a comma"
    assert first["reported_at"] == "2026-11-20T08:30:00+00:00"
    assert first["logged_at"] == "2026-11-20T09:00:00+00:00"
    assert (first["logged_by"], first["status"], first["confirmed_by"]) == (
        "alice", "closed", "Ann Lee"
    )  # fmt: skip
    assert first["updated_at"] == "2026-11-20T10:15:00+00:00"
    kinds = [e["kind"] for e in first["events"]]
    assert kinds == ["logged", "responded", "held", "resumed", "resolved", "closed"]
    assert all(list(e) == EVENT_KEYS for e in first["events"])
    held = dict(first["events"][2])
    assert held.pop("prev_hash") == first["events"][1]["hash"]  # chained, in order
    assert re.fullmatch("[0-9a-f]{64}", held.pop("hash"))
    assert held == {
        "at": "2026-11-20T09:05:00+00:00", "recorded_at": "2026-11-20T09:05:00+00:00",
        "actor": "alice", "kind": "held", "field": "status", "old": "in_progress",
        "new": "on_hold", "message": "awaiting-vendor: ticket 42",
        "os_login": "tester-login",
    }  # fmt: skip
    second = records[1]
    assert (second["priority"], second["tier"], second["group"], second["major"]) == (
        "P1", 2, "field", True
    )  # fmt: skip
    assert second["roles"] == {"commander": "Zed", "manager": None, "comms": None}
    assert second["duplicate_of"] == "INC-1"
    assert records[3]["reopen_count"] == 1


def test_export_filters_like_list(desk: Desk, cli: Cli) -> None:
    fill(desk)

    def ids(*args: str) -> list[str]:
        return [json.loads(line)["id"] for line in exported(cli, *args).splitlines()]

    assert ids("--status", "closed", "--status", "cancelled") == ["INC-1", "INC-3"]
    assert ids("--priority", "P1") == ["INC-2"]
    assert ids("--category", "network") == ["INC-1"]
    assert ids("--group", "field") == ["INC-2"]
    assert ids("--since", "2026-11-20 09:00") == ["INC-2", "INC-3", "INC-4"]
    assert ids("--search", "bounces") == ["INC-4"]
    assert exported(cli, "--status", "on_hold") == ""


def test_the_three_formats_carry_the_same_records(desk: Desk, cli: Cli) -> None:
    fill(desk)
    lines = [json.loads(line) for line in exported(cli).splitlines()]
    assert json.loads(exported(cli, "-f", "json")) == lines
    rows = list(csv.DictReader(io.StringIO(exported(cli, "-f", "csv"))))
    assert [row["id"] for row in rows] == ["INC-1", "INC-2", "INC-3", "INC-4"]
    assert [json.loads(row["events"]) for row in rows] == [r["events"] for r in lines]
    assert rows[1]["roles_commander"] == "Zed"
    assert rows[1]["major"] == "true"
    assert rows[0]["description"] == "Line one\nline two, with a comma"
    assert rows[0]["hold_reason"] == ""  # null
    assert exported(cli, "-f", "json", "--status", "on_hold") == "[]\n"
    assert exported(cli, "-f", "csv", "--status", "on_hold").count("\n") == 1  # the header


def test_export_to_a_file(desk: Desk, cli: Cli, tmp_path: Path) -> None:
    fill(desk)
    target = tmp_path / "desk.jsonl"
    result = cli("export", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == f"Exported 4 incidents with 21 events to {target}."
    assert target.read_text(encoding="utf-8") == exported(cli)
    assert not (tmp_path / "desk.jsonl.partial").exists()


def test_export_through_the_library(desk: Desk) -> None:
    fill(desk)
    with desk.tracker(write=False) as tracker:
        records = list(transfer.export_records(tracker, IncidentQuery(include_closed=True)))
        out = io.StringIO()
        counts = transfer.write_export(iter(records), transfer.ExportFormat.JSONL, out)
    assert counts == (4, 21)
    assert [r["id"] for r in records] == ["INC-1", "INC-2", "INC-3", "INC-4"]
    assert out.getvalue().count("\n") == 4


# -- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize(
    ("source", "target"), list(itertools.product(BACKENDS, BACKENDS)), ids="-to-".join
)
def test_export_import_export_is_byte_identical(
    fmt: str, source: str, target: str, new_db: Callable[[str], str], tmp_path: Path
) -> None:
    database = Database.open(new_db(source))
    try:
        fill(Desk(database, FixedClock(START)))
    finally:
        database.dispose()
    first_cli = Cli(str(database.url.render_as_string(hide_password=False)))
    first = exported(first_cli, "-f", fmt)
    path = tmp_path / f"desk.{fmt}"
    path.write_text(first, encoding="utf-8", newline="")
    second_cli = Cli(new_db(target))
    summary = imported(second_cli, path)
    assert (summary["created"], summary["events"], summary["problems"]) == (4, 21, [])
    assert exported(second_cli, "-f", fmt) == first
    assert exported(second_cli) == exported(first_cli)  # and in the other formats too


def posted(cli: Cli) -> None:
    """INC-1, a P1 on email, with an internal update then a public one, both at START."""
    cli.services("email")
    ok(cli("log", "Mail down", "--service", "email", "--impact", "high", "--urgency", "high",
           "-q"))  # fmt: skip
    ok(cli("update", "1", "Looking into the relay", "--state", "investigating", "-q"))
    ok(cli("update", "1", "Relay disk full", "--state", "identified", "--public", "-q"))


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_stakeholder_updates_survive_export_and_import(
    fmt: str, backend: str, new_db: Callable[[str], str], tmp_path: Path
) -> None:
    clock = FixedClock(START)
    clis = []
    for _ in range(2):
        url = new_db(backend)
        Database.init(url)
        clis.append(Cli(url, clock=clock))
    first, second = clis
    posted(first)
    path = tmp_path / f"desk.{fmt}"
    path.write_text(exported(first, "-f", fmt), encoding="utf-8", newline="")
    summary = imported(second, path)
    assert (summary["created"], summary["problems"]) == (1, [])
    updates = second.json("show", "1")["updates"]
    assert updates == first.json("show", "1")["updates"]
    assert [(u["state"], u["public"], u["message"]) for u in updates] == [
        ("investigating", False, "Looking into the relay"),
        ("identified", True, "Relay disk full"),
    ]
    page = second.json("statuspage", "show")
    assert page == first.json("statuspage", "show")
    bodies = [u["body"] for i in page["incidents"] for u in i["incident_updates"]]
    assert bodies == ["Relay disk full"]  # the public one only
    clock.advance(timedelta(minutes=45))  # a P1 is due an update every 30 minutes
    comms = second.json("report", "comms")
    assert comms == first.json("report", "comms")
    assert [(r["id"], r["last_update_at"], r["last_update_state"]) for r in comms] == [
        ("INC-1", START.isoformat(), "identified"),
    ]
    ok(second("db", "verify"))
    assert exported(second, "-f", fmt).count("Relay disk full") == exported(first, "-f", fmt).count(
        "Relay disk full"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_export_without_updates_imports_them_internal(
    backend: str, new_db: Callable[[str], str], tmp_path: Path
) -> None:
    clock = FixedClock(START)
    first, second = (Cli(new_db(backend), clock=clock) for _ in range(2))
    for cli in (first, second):
        Database.init(cli.db)
    posted(first)
    records = [json.loads(line) for line in exported(first).splitlines()]
    for record in records:
        del record["updates"]  # as exports made before updates were exported
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert imported(second, path)["problems"] == []
    updates = second.json("show", "1")["updates"]
    assert [(u["state"], u["public"], u["message"]) for u in updates] == [
        ("investigating", False, "Looking into the relay"),
        ("identified", False, "Relay disk full"),
    ]
    assert second.json("statuspage", "show")["incidents"] == []  # no public update to show
    ok(second("db", "verify"))


def test_a_bad_updates_array_is_a_problem_on_its_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"title": "Printer jams", "reporter": "Ann"}
    bad = {**good, "updates": [{"at": "yesterday", "actor": "a", "state": "identified",
                                "public": True, "message": "m"}]}  # fmt: skip
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    fails(cli("import", str(path)), 4, "line 2", "has an update (1) whose time is not a date")
    assert incident_count(cli) == 0


def test_import_keeps_ids_and_new_incidents_follow(desk: Desk, cli: Cli, tmp_path: Path) -> None:
    fill(desk)
    records = [json.loads(line) for line in exported(cli).splitlines()]
    records[3]["id"] = "INC-40"  # a gap, as after a filtered export
    path = tmp_path / "gappy.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    other = Cli(str(tmp_path / "other.db"))
    imported(other, path)
    assert {r["id"] for r in other.json("list", "--all")} == {"INC-1", "INC-2", "INC-3", "INC-40"}
    assert other("log", "After the import", "-q").stdout == "INC-41\n"


# -- conflicts ------------------------------------------------------------------------


def test_reimport_skips_by_default(desk: Desk, cli: Cli, tmp_path: Path) -> None:
    fill(desk)
    path = tmp_path / "desk.jsonl"
    path.write_text(exported(cli), encoding="utf-8")
    before = exported(cli)
    summary = imported(cli, path)
    assert (summary["created"], summary["skipped"], summary["events"]) == (0, 4, 0)
    assert exported(cli) == before


def test_reimport_with_update_replaces_fields_and_appends_only_new_events(
    desk: Desk, cli: Cli, tmp_path: Path
) -> None:
    fill(desk)
    old = tmp_path / "old.jsonl"
    old.write_text(exported(cli), encoding="utf-8")
    other = Cli(str(tmp_path / "other.db"))
    imported(other, old)
    desk.clock.advance(minutes(30))
    desk("note", 4, "Second note")
    desk("assign", 4, to="eve")
    new = tmp_path / "new.jsonl"
    new.write_text(exported(cli), encoding="utf-8")
    summary = imported(other, new, "--on-conflict", "update")
    assert (summary["updated"], summary["unchanged"], summary["events"]) == (1, 3, 2)
    assert exported(other) == exported(cli)
    again = imported(other, new, "--on-conflict", "update")
    assert (again["updated"], again["unchanged"], again["events"]) == (0, 4, 0)


def test_update_never_changes_or_removes_existing_events(desk: Desk, tmp_path: Path) -> None:
    fill(desk)
    with desk.tracker(write=False) as tracker:
        records = list(transfer.export_records(tracker, IncidentQuery(include_closed=True)))
    record = records[2]  # INC-3, cancelled: logged + cancelled
    record["events"] = record["events"][:1]  # a file that lacks an event the database has
    record["title"] = "Logged twice (renamed)"
    text = json.dumps(record)
    with desk.tracker() as tracker:
        summary = transfer.import_file(
            tracker, io.StringIO(text), transfer.Summary("edit.jsonl", "jsonl"),
            fmt=transfer.InputFormat.JSONL, dates=DateReader(UTC, lenient=False),
            on_conflict=transfer.ConflictPolicy.UPDATE,
        )  # fmt: skip
    assert (summary.updated, summary.events) == (1, 0)
    shown = desk("get_or_raise", 3)
    assert shown["title"] == "Logged twice (renamed)"
    assert [e["kind"] for e in shown["events"]] == ["logged", "cancelled"]


def test_on_conflict_fail_names_the_first_clash_and_writes_nothing(
    desk: Desk, cli: Cli, tmp_path: Path
) -> None:
    fill(desk)
    records = exported(cli).splitlines()
    brand_new = json.loads(records[0]) | {"id": "INC-9", "title": "Not here yet"}
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(brand_new) + "\n" + records[2] + "\n", encoding="utf-8")
    result = cli("import", str(path), "--on-conflict", "fail")
    assert result.exit_code == 6
    assert result.stderr.startswith("Error: INC-3 from line 2 is already in the database")
    assert "INC-9" not in {r["id"] for r in cli.json("list", "--all")}
    dry = cli("import", str(path), "--on-conflict", "fail", "--dry-run", "--summary", "json")
    assert dry.exit_code == 6
    assert json.loads(dry.stdout)["conflicts"] == ["INC-3"]
    assert incident_count(cli) == 4


def test_dry_run_says_what_would_happen_and_writes_nothing(
    desk: Desk, cli: Cli, tmp_path: Path
) -> None:
    fill(desk)
    path = tmp_path / "desk.jsonl"
    path.write_text(exported(cli), encoding="utf-8")
    missing = Cli(str(tmp_path / "missing.db"))
    fails(missing("import", str(path), "--dry-run"), 3, "There is no database", "db init")
    assert not (tmp_path / "missing.db").exists()  # a dry run creates nothing
    empty = Cli(str(tmp_path / "empty.db"))
    ok(empty("db", "init"))
    summary = imported(empty, path, "--dry-run")
    assert summary["dry_run"] is True
    assert (summary["created"], summary["events"], summary["skipped"]) == (4, 21, 0)
    assert incident_count(empty) == 0
    assert empty("log", "First", "-q").stdout == "INC-1\n"  # the counter did not move
    table = empty("import", str(path), "--dry-run")
    assert table.exit_code == 0
    assert "would be created" in table.stdout


# -- bad files ------------------------------------------------------------------------


def valid_line(title: str = "Printer jams", **extra: Any) -> str:
    return json.dumps({"title": title, "reporter": "Ann", **extra})


def test_a_bad_json_line_rejects_the_whole_file(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(valid_line() + "\n{not json\n" + valid_line("Also fine") + "\n", "utf-8")
    result = cli("import", path.name)
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: bad.jsonl has 1 problem, so nothing was imported: line 2: is not JSON "
        "(Expecting property name enclosed in double quotes at column 2); fix the file "
        "(--dry-run lists every problem).\n"
    )
    assert incident_count(cli) == 0


def test_every_problem_is_reported_with_its_line(cli: Cli, tmp_path: Path) -> None:
    lines = [
        valid_line(),
        valid_line(impact="huge"),
        json.dumps({"reporter": "Bob"}),
        valid_line(reported_at="yesterday-ish"),
        "[1, 2]",
        valid_line(id="INC-1"),
        valid_line(id="INC-1"),
        valid_line(duplicate_of="INC-77"),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("import", path.name, "--dry-run", "--summary", "json")
    assert result.exit_code == 4
    problems = json.loads(result.stdout)["problems"]
    assert problems == [
        {"line": 2, "message": "impact 'huge' is not a level: use high, medium or low "
                               "(or 1, 2, 3)"},
        {"line": 3, "message": "title is missing"},
        {"line": 4, "message": "reported_at 'yesterday-ish' is not an ISO 8601 date; write "
                               "ISO 8601, like 2026-11-20T09:30:00+00:00"},
        {"line": 5, "message": "is not a JSON object"},
        {"line": 7, "message": "INC-1 is also on line 6"},
        {"line": 8, "message": "duplicate_of INC-77 is neither in the file nor in the database"},
    ]  # fmt: skip
    assert result.stderr.startswith("Error: bad.jsonl has 6 problems, so nothing was imported:")
    assert incident_count(cli) == 0


def test_a_file_in_another_encoding(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("title,reporter\nCaf\xe9 printer,Ren\xe9e\n".encode("latin-1"))
    result = cli("import", path.name)
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: latin.csv is not utf-8 text at line 2 (byte 0xe9); save it as UTF-8 or name "
        "its encoding, like --encoding latin-1; nothing was imported.\n"
    )
    assert incident_count(cli) == 0
    imported(cli, path, "--encoding", "latin-1")
    assert [(r["title"], r["reporter"]) for r in cli.json("list")] == [("Café printer", "Renée")]


def test_a_byte_order_mark_is_skipped(cli: Cli, tmp_path: Path) -> None:
    jsonl, csv_file = tmp_path / "bom.jsonl", tmp_path / "bom.csv"
    jsonl.write_bytes(b"\xef\xbb\xbf" + valid_line("From JSON Lines").encode() + b"\n")
    csv_file.write_bytes(b"\xef\xbb\xbftitle,reporter\r\nFrom CSV,Bob\r\n")
    assert imported(cli, jsonl)["created"] == 1
    assert imported(cli, csv_file)["created"] == 1
    assert {r["title"] for r in cli.json("list")} == {"From JSON Lines", "From CSV"}


def test_missing_columns_name_the_one_to_map(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("Summary,Caller\nPrinter jams,Ann\n", encoding="utf-8")
    result = cli("import", path.name)
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: calls.csv has no title column; map one with --map COLUMN=title (its columns "
        "are Summary, Caller).\n"
    )
    result = cli("import", path.name, "--map", "Summary=title")
    assert result.exit_code == 4
    assert "has no reporter column; map one with --map COLUMN=reporter" in result.stderr
    result = cli("import", path.name, "--map", "Nope=title")
    assert result.exit_code == 4
    assert "calls.csv has no column 'Nope' to map" in result.stderr
    result = cli("import", path.name, "--map", "Summary=headline")
    assert result.exit_code == 2
    assert "names no field of an incident" in result.stderr


def test_a_row_with_too_few_fields(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("title,reporter,channel\nOne,Ann,phone\nTwo,Bob\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 4
    assert "line 3: has 2 fields where the header has 3" in result.stderr


def test_dates_that_do_not_parse(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    path.write_text(
        "title,reporter,reported_at\nOne,Ann,03/02/2026 09:15\nTwo,Bob,29/02/2016 10:00\n"
        "Three,Cy,next Tuesday-ish\n",
        encoding="utf-8",
    )
    result = cli("import", str(path), "--dry-run", "--summary", "json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["problems"] == [
        {"line": 3, "message": "reported_at '29/02/2016 10:00' is not a date; try with "
                               "--dayfirst or --date-format FMT, or --null TEXT if it stands "
                               "for no value"},
        {"line": 4, "message": "reported_at 'next Tuesday-ish' is not a date; try with "
                               "--dayfirst or --date-format FMT, or --null TEXT if it stands "
                               "for no value"},
    ]  # fmt: skip
    path.write_text(path.read_text().replace("next Tuesday-ish", "?"), encoding="utf-8")
    imported(cli, path, "--dayfirst", "--null", "?")
    times = {r["title"]: r["reported_at"] for r in cli.json("list")}
    assert times["One"] == "2026-02-03T09:15:00+00:00"
    assert times["Two"] == "2016-02-29T10:00:00+00:00"
    assert isinstance(times["Three"], str)  # '?' is no value: reported when imported


def test_a_date_format_and_the_time_zone(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCTRACK_TIMEZONE", "Europe/Paris")
    path = tmp_path / "dates.csv"
    path.write_text("title,reporter,reported_at\nOne,Ann,2026.07.01-14h30\n", encoding="utf-8")
    imported(cli, path, "--date-format", "%Y.%m.%d-%Hh%M")
    assert cli.json("list")[0]["reported_at"] == "2026-07-01T12:30:00+00:00"  # CEST is +2


# -- any CSV --------------------------------------------------------------------------

JIRA = """\
Issue key,Summary,Reporter,Created,Resolved,Status,Priority,Component,Votes
HELP-1,Mail bounces,Ann Lee,2026-02-03 09:15,2026-02-04 10:00,Resolved,2,email,3
HELP-2,VPN slow,Bob,2026-02-05 14:00,,In Progress,,network/vpn,0
HELP-3,New laptop,Cy,2026-02-06 08:00,,,,hardware/dock,1
"""
JIRA_MAP = (
    "--map", "Issue key=external_id", "--map", "Summary=title", "--map", "Reporter=reporter",
    "--map", "Created=reported_at", "--map", "Resolved=resolved_at", "--map", "Status=status",
    "--map", "Priority=priority", "--map", "Component=category",
)  # fmt: skip


def test_any_csv_with_a_column_map(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "jira.csv"
    path.write_text(JIRA, encoding="utf-8")
    summary = imported(cli, path, *JIRA_MAP)
    assert (summary["created"], summary["events"]) == (3, 5)
    assert summary["ignored_columns"] == ["Votes"]
    assert summary["categories_added"] == ["hardware/dock"]
    shown = cli.json("show", "1")
    assert (shown["external_id"], shown["status"], shown["priority"]) == (
        "HELP-1",
        "resolved",
        "P2",
    )
    assert (shown["reported_at"], shown["resolved_at"]) == (
        "2026-02-03T09:15:00+00:00", "2026-02-04T10:00:00+00:00"
    )  # fmt: skip
    assert [(e["kind"], e["at"], e["actor"]) for e in shown["events"]] == [
        ("logged", "2026-02-03T09:15:00+00:00", "import"),
        ("resolved", "2026-02-04T10:00:00+00:00", "import"),
    ]
    assert shown["logged_by"] == "tester"
    second = cli.json("show", "2")
    assert (second["category"], second["subcategory"], second["status"]) == (
        "network", "vpn", "in_progress"
    )  # fmt: skip
    assert [e["kind"] for e in second["events"]] == ["logged", "responded"]
    third = cli.json("show", "3")
    assert third["status"] == "new"  # the default
    assert [e["kind"] for e in third["events"]] == ["logged"]
    assert "hardware/dock" in {c["path"] for c in cli.json("category", "list")}
    again = imported(cli, path, *JIRA_MAP)  # the external IDs recognize them
    assert (again["created"], again["skipped"]) == (0, 3)


def test_unknown_values_are_reported_with_row_numbers(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "Summary,Caller,Impact,Channel\nPrinter,Ann,Huge,phone\nVPN,Bob,high,pigeon\n",
        encoding="utf-8",
    )
    result = cli(
        "import", path.name, "--map", "Summary=title", "--map", "Caller=reporter",
        "--map", "Impact=impact", "--map", "Channel=channel",
    )  # fmt: skip
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: calls.csv has 2 problems, so nothing was imported: line 2: impact 'Huge' is "
        "not a level: use high, medium or low (or 1, 2, 3); line 3: channel 'pigeon' is not "
        "a channel: use phone, email, chat, portal, monitoring, walk-in, other; fix the file "
        "(--dry-run lists every problem).\n"
    )
    assert incident_count(cli) == 0


def test_import_from_stdin(cli: Cli) -> None:
    result = cli(
        "import", "-", "--input-format", "jsonl", "--summary", "json",
        input=valid_line("From a pipe") + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 1
    unknown = cli("import", "-", input="")
    assert unknown.exit_code == 2
    assert "Cannot tell the format of standard input; say --input-format" in unknown.stderr


def test_a_missing_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("import", "nope.jsonl")
    assert (result.exit_code, result.stderr) == (3, "Error: There is no file nope.jsonl.\n")


def test_import_needs_an_admin_once_users_exist(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(valid_line() + "\n", encoding="utf-8")
    assert cli("user", "add", "root", "--role", "admin", actor="root").exit_code == 0
    assert cli("user", "add", "sam", "--role", "service-desk", actor="root").exit_code == 0
    result = cli("import", str(path), actor="sam")
    assert result.exit_code == 5
    assert result.stderr == (
        "Error: Importing incidents needs the admin role; sam has service-desk.\n"
    )
    assert cli("import", str(path), actor="root").exit_code == 0


def test_a_record_without_events_gets_a_timeline(desk: Desk) -> None:
    record = {
        "title": "Disk full", "reporter": "Ops", "reported_at": "2026-11-19T08:00:00+00:00",
        "responded_at": "2026-11-19T08:10:00+00:00", "status": "closed",
        "resolved_at": "2026-11-19T09:00:00+00:00", "closed_at": "2026-11-19T10:00:00+00:00",
        "resolution_code": "fixed", "resolution_note": "Cleaned up", "logged_by": "ops-bot",
        "impact": "medium", "urgency": "medium",
    }  # fmt: skip
    with desk.tracker() as tracker:
        transfer.import_file(
            tracker, io.StringIO(json.dumps(record)), transfer.Summary("-", "jsonl"),
            fmt=transfer.InputFormat.JSONL, dates=DateReader(UTC, lenient=False),
        )  # fmt: skip
    shown = desk("get_or_raise", 1)
    assert shown["priority"] == "P3"  # from the matrix
    assert [(e["kind"], e["at"][11:16], e["actor"], e["old"], e["new"], e["message"])
            for e in shown["events"]] == [
        ("logged", "08:00", "ops-bot", None, None, "Disk full"),
        ("responded", "08:10", "ops-bot", "new", "in_progress", None),
        ("resolved", "09:00", "ops-bot", "in_progress", "resolved", "fixed: Cleaned up"),
        ("closed", "10:00", "ops-bot", "resolved", "closed", None),
    ]  # fmt: skip
    assert (shown["responded_at"], shown["updated_at"]) == (
        "2026-11-19T08:10:00+00:00", "2026-11-19T10:00:00+00:00"
    )  # fmt: skip
    assert shown["sla"]["response"]["state"] == "met"
    assert shown["logged_at"] == START.isoformat()


def test_times_that_go_backwards_are_moved_forward(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "title,reporter,reported_at,status,resolved_at\n"
        "Odd,Ann,2026-03-02 10:00,resolved,2026-03-01 10:00\n",
        encoding="utf-8",
    )
    summary = imported(cli, path)
    assert summary["warnings"] == [
        "1 event time(s) earlier than the event before them were moved forward to it: a "
        "timeline only moves forward"
    ]
    shown = cli.json("show", "1")
    assert [e["at"] for e in shown["events"]] == ["2026-03-02T10:00:00+00:00"] * 2


def test_identical_events_are_counted_not_merged(desk: Desk, tmp_path: Path) -> None:
    event = {"at": "2026-11-19T08:00:00+00:00", "recorded_at": "2026-11-19T08:00:00+00:00",
             "actor": "ann", "kind": "note", "field": None, "old": None, "new": None,
             "message": "ping"}  # fmt: skip
    logged = event | {"kind": "logged", "message": "Twice"}
    record = {"id": "INC-5", "title": "Twice", "reporter": "Ann",
              "reported_at": "2026-11-19T08:00:00+00:00"}  # fmt: skip

    def run(events: list[dict[str, Any]]) -> transfer.Summary:
        text = json.dumps(record | {"events": events})
        with desk.tracker() as tracker:
            return transfer.import_file(
                tracker, io.StringIO(text), transfer.Summary("-", "jsonl"),
                fmt=transfer.InputFormat.JSONL, dates=DateReader(UTC, lenient=False),
                on_conflict=transfer.ConflictPolicy.UPDATE,
            )  # fmt: skip

    assert run([logged, event]).created == 1
    assert run([logged, event, event]).events == 1  # the second "ping" is a second event
    assert run([logged, event, event]).events == 0
    assert [e["kind"] for e in desk("get_or_raise", 5)["events"]] == ["logged", "note", "note"]


def test_options_that_do_not_fit_the_file(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(valid_line() + "\n", encoding="utf-8")
    result = cli("import", path.name, "--dayfirst")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --map, --dayfirst and --date-format are for CSV files; JSON files have "
        "field names and ISO 8601 dates.\n"
    )
    result = cli("import", path.name, "--from", "servicenow", "--map", "a=title")
    assert result.exit_code == 2
    assert "--map and --value are for other CSV files" in result.stderr
    assert incident_count(cli) == 0


def test_fields_no_command_sets_yet_survive_the_round_trip(cli: Cli, tmp_path: Path) -> None:
    """problem, dedup_key, occurrences, external_id and microseconds come back as written."""
    record = {
        "id": "INC-7", "title": "Disk alert", "description": None, "reporter": "nagios",
        "reporter_contact": None, "reported_at": "2026-11-19T08:00:00.250000+00:00",
        "logged_at": "2026-11-19T08:00:01+00:00", "logged_by": "bot", "channel": "monitoring",
        "service": "db1", "category": "database", "subcategory": "performance",
        "impact": "low", "urgency": "low", "priority": "P5", "status": "on_hold",
        "hold_reason": "scheduled", "tier": 3, "group": "dba", "assignee": "eve",
        "owner": "sam", "major": True,
        "roles": {"commander": "Zed", "manager": "Yan", "comms": "Xi"},
        "resolution_code": None, "resolution_note": None,
        "responded_at": "2026-11-19T08:05:00+00:00", "resolved_at": None, "closed_at": None,
        "closed_by": None, "confirmed_by": None, "reopen_count": 2, "reassignment_count": 5,
        "dedup_key": "disk:db1:/var", "occurrences": 12, "problem": "PRB-3",
        "duplicate_of": None, "external_id": "ZBX-991",
        "updated_at": "2026-11-19T09:00:00+00:00",
        "events": [
            {"at": "2026-11-19T08:00:00.250000+00:00", "recorded_at": "2026-11-19T08:00:01+00:00",
             "actor": "bot", "kind": "logged", "field": None, "old": None, "new": None,
             "message": "Disk alert", "os_login": "svc-monitor"},
            {"at": "2026-11-19T09:00:00+00:00", "recorded_at": "2026-11-19T09:00:00+00:00",
             "actor": "future-tool", "kind": "some_new_kind", "field": "x", "old": "1",
             "new": "2", "message": "kinds we do not know are kept", "os_login": None},
        ],
        "updates": [],
    }  # fmt: skip
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    path = tmp_path / "one.jsonl"
    path.write_text(line, encoding="utf-8")
    summary = imported(cli, path)
    assert (summary["created"], summary["categories_added"]) == (1, [])
    back = json.loads(exported(cli))
    assert back.pop("version") == 2  # counted here: one version per event
    assert [e.pop("prev_hash") for e in back["events"]] == ["0" * 64, back["events"][0]["hash"]]
    assert [len(e.pop("hash")) for e in back["events"]] == [64, 64]  # chained here
    assert json.dumps(back, ensure_ascii=False, separators=(",", ":")) + "\n" == line
    assert cli("log", "Next", "-q").stdout == "INC-8\n"


def test_show_output_imports_with_its_timeline(desk: Desk, cli: Cli, tmp_path: Path) -> None:
    fill(desk)
    path = tmp_path / "one.json"
    path.write_text(cli("show", "INC-4", "-f", "json").stdout, encoding="utf-8")
    other = Cli(str(tmp_path / "other.db"))
    summary = imported(other, path)
    assert (summary["created"], summary["events"], summary["ignored_columns"]) == (
        1,
        5,
        ["sla", "problem_detail", "duplicates"],  # computed by `show`, not stored; updates are read
    )
    assert unchained(exported(other)) == unchained(exported(cli, "--search", "Mail bounces"))


def test_an_import_into_an_empty_database_leaves_every_index_in_place(
    desk: Desk, cli: Cli, db_url: str, tmp_path: Path
) -> None:
    from sqlalchemy import inspect

    fill(desk)
    path = tmp_path / "desk.jsonl"
    path.write_text(exported(cli), encoding="utf-8")
    target = Database.open(db_url)
    with target.engine.connect() as connection:
        before = {i["name"] for i in inspect(connection).get_indexes("incidents")}
    target.dispose()
    other = Cli(str(tmp_path / "other.db"))
    assert imported(other, path)["created"] == incident_count(cli)
    loaded = Database.open(str(tmp_path / "other.db"))
    with loaded.engine.connect() as connection:
        after = {i["name"] for i in inspect(connection).get_indexes("incidents")}
    loaded.dispose()
    assert after >= transfer.REPORT_INDEXES
    assert after == before
