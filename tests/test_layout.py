"""Tables as a person reads them in a terminal of any width: one line per row, no line
wider than the terminal, no line ending in spaces (which a pipe, `grep` or `diff` sees).

Everything runs through the command line at a fixed moment (Friday 20 November 2026,
09:00 UTC), with ``COLUMNS`` set as a terminal sets it.
"""

from __future__ import annotations

import pytest

from inctrack.clock import FixedClock
from inctrack.storage import Database

from .helpers import START, Cli, ok

WIDTHS = (60, 80, 100, 200)
LONG_TITLE = "Payroll: the whole finance team is locked out after this morning's SSO rotation"
HOLD_NOTE = "waiting for the vendor to ship the replacement fuser unit for the big printer"


@pytest.fixture
def busy(db_url: str) -> Cli:
    """Five open incidents with long titles, a long group name, one on hold with a long
    reason, and three of them a recurring pattern (mail, email/outlook)."""
    Database.init(db_url)
    cli = Cli(db_url, clock=FixedClock(START))
    cli.services("mail")
    for n, at in enumerate(("2026-11-16 09:00", "2026-11-17 09:00", "2026-11-18 09:00")):
        ok(cli("log", f"Outlook asks for the password again and again on laptop {n}",
               "--service", "mail", "--category", "email/outlook", "--impact", "high",
               "--urgency", "high", "--at", at, "-q"))  # fmt: skip
    ok(cli("log", LONG_TITLE, "--impact", "medium", "--urgency", "high", "--at", "3h ago", "-q"))
    ok(cli("log", "Printer jams", "--category", "hardware/printer", "-q"))
    ok(cli("group", "add", "payroll-applications-second-line", "-q"))
    ok(cli("assign", "INC-4", "--group", "payroll-applications-second-line", "-q"))
    ok(cli("respond", "INC-1", "Looking at it", "-q"))
    ok(cli("hold", "INC-1", "--reason", "awaiting-vendor", "--note", HOLD_NOTE, "-q"))
    ok(cli("problem", "create", "Outlook password prompts", "--incidents", "INC-1", "-q"))
    return cli


def table_rows(output: str) -> list[str]:
    """The rows of a table: the lines after the header's rule, to the blank line."""
    lines = output.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(" ─")) + 1
    end = lines.index("", start)
    return lines[start:end]


def assert_fits(output: str, width: int) -> None:
    lines = output.splitlines()
    assert [line for line in lines if len(line) > width] == []
    assert [line for line in lines if line != line.rstrip()] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_queue_keeps_one_line_per_incident(
    busy: Cli, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    output = ok(busy("list"))
    assert_fits(output, width)
    rows = table_rows(output)
    assert [row.split()[0] for row in rows] == ["INC-5", "INC-1", "INC-2", "INC-3", "INC-4"]
    title = next(row for row in rows if row.startswith(" INC-4")).split("payroll")[0]
    assert (LONG_TITLE in title) == (width == 200)
    assert ("…" in title) == (width < 200)


def test_at_60_columns_the_queue_leaves_out_age_and_keeps_sla(
    busy: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    header = ok(busy("list")).splitlines()[1].split()
    assert header[:4] == ["ID", "Pri", "Status", "Title"]
    assert header[-1] == "SLA"
    assert "Age" not in header


def test_at_80_columns_the_queue_shows_every_column(
    busy: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    output = ok(busy("list"))
    header = output.splitlines()[1].split()
    assert header == ["ID", "Pri", "Status", "Title", "Assignee", "SLA", "Age"]
    # By hand: ID 5, Pri 9, Status 7, SLA 7, Age 3 wide, three spaces between and one
    # at each end: 80 - 20 - 31 = 29 for the title and the group, which gives way first,
    # to 10 (its last character the ellipsis); the title keeps 19.
    row = " INC-4   P2          new       Payroll: the whole…   payroll-a…   -2h 30m    3h"
    assert row in output.splitlines()


@pytest.mark.parametrize("width", WIDTHS)
def test_report_sla_keeps_one_line_per_incident(
    busy: Cli, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = busy("report", "sla")
    assert result.exit_code == 0, result.stderr
    assert_fits(result.stdout, width)
    assert [row.split()[0] for row in table_rows(result.stdout)] == [
        "INC-1",
        "INC-2",
        "INC-3",
        "INC-4",
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_sla_keeps_one_line_per_segment(
    busy: Cli, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    output = ok(busy("sla", "INC-1"))
    assert_fits(output, width)
    resolution = output.split("Resolution:")[1]
    running, paused = table_rows(resolution)
    assert "   running   " in running
    assert "   paused (a" in paused
    assert (HOLD_NOTE in paused) == (width == 200)


@pytest.mark.parametrize("width", WIDTHS)
def test_report_patterns_keeps_one_line_per_candidate(
    busy: Cli, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    output = ok(busy("report", "patterns"))
    assert_fits(output, width)
    [row] = table_rows(output)
    assert row.startswith(" #1   mail · email/outlook       3")
    # At 60 columns the dates and the links leave room for every incident; at 80 the
    # list is cut after a whole ID, never inside one.
    expected = "INC-1*, INC-2, …" if width == 80 else "INC-1*, INC-2, INC-3"
    assert row.endswith(f"   {expected}")
    # The command that records a candidate is whole, however it wraps.
    command = " ".join(output.split("Record #N as a problem:")[1].split())
    assert command.startswith("inctrack problem create TITLE --from-pattern N --since")


@pytest.mark.parametrize("width", WIDTHS)
def test_show_pads_no_line_with_spaces(
    busy: Cli, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    output = ok(busy("show", "INC-1"))
    assert_fits(output, width)
    assert "Reporter          tester\n" in output


def test_the_tutorials_queue_is_unchanged_at_100_columns(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/tutorial.md step 5, produced at 100 columns. Here every call is logged at
    the same moment, so the tutorial's 9s and 2s are 0s, and the untriaged printer jam,
    reported earlier, comes first."""
    monkeypatch.setenv("COLUMNS", "100")
    cli = Cli(db_url, clock=FixedClock(START))
    for args in (
        ("VPN drops every few minutes",),
        ("Printer on floor 3 jams", "--at", "7h ago"),
        ("Payroll app rejects logins", "--impact", "high", "--urgency", "high", "--at", "40m ago"),
        ("Payroll: finance team locked out", "--impact", "medium", "--urgency", "high"),
    ):
        ok(cli("log", *args, "-q"))
    assert ok(cli("list")).splitlines() == [
        "",
        " ID      Pri         Status   Title                              Assignee    SLA   Age",
        " " + "─" * 85,
        " INC-2   untriaged   new      Printer on floor 3 jams                               7h",
        " INC-1   untriaged   new      VPN drops every few minutes                           0s",
        " INC-3   P1          new      Payroll app rejects logins                    -25m   40m",
        " INC-4   P2          new      Payroll: finance team locked out               30m    0s",
        "",
    ]
