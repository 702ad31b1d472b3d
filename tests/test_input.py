"""What people type: IDs too large for a database, choices with a typo in them, dates
that could be read two ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inctrack.clock import FixedClock
from inctrack.domain import MAX_ID
from inctrack.errors import Rejected
from inctrack.storage import Database

from .helpers import START, Cli, Desk, fails, ok

TOO_LARGE = ["99999999999999999999", f"INC-{MAX_ID + 1}"]

TAKING_AN_ID = [
    ("show", "{}"), ("sla", "{}"), ("note", "{}", "hello"), ("resume", "{}"),
    ("respond", "{}", "on it"), ("categorize", "{}", "network"), ("take", "{}"),
    ("hold", "{}", "--reason", "scheduled"), ("resolve", "{}", "--code", "fixed", "--note", "x"),
    ("close", "{}", "--confirmed-by", "ann"), ("reopen", "{}", "--reason", "x"),
    ("cancel", "{}", "--reason", "x"), ("link", "1", "--duplicate-of", "{}"),
    ("problem", "show", "PRB-{}"), ("link", "1", "--problem", "PRB-{}"),
]  # fmt: skip


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("args", TAKING_AN_ID, ids=lambda args: " ".join(args[:2]))
def test_an_id_too_large_for_the_database_is_rejected(
    cli: Cli, args: tuple[str, ...], number: str
) -> None:
    cli("log", "Printer jams", "-q")
    digits = number.removeprefix("INC-")
    typed = [arg.format(digits) for arg in args]
    fails(cli(*typed), 4, "is not", f"its number must be from 1 to {MAX_ID}")


def test_the_largest_id_is_simply_not_found(cli: Cli) -> None:
    fails(cli("show", f"INC-{MAX_ID}"), 3, f"There is no incident INC-{MAX_ID}")


def test_the_library_refuses_a_large_id_before_the_database_sees_it(desk: Desk) -> None:
    with desk.tracker() as tracker, pytest.raises(Rejected, match="must be from 1"):
        tracker.get(2**40)


@pytest.mark.parametrize(
    ("args", "said"),
    [(("resolve", "1", "--code", "fixd", "--note", "x"),
      "'fixd' is not a resolution code (did you mean fixed?); use one of fixed, workaround"),
     (("hold", "1", "--reason", "awaiting-vendr"),
      "'awaiting-vendr' is not a hold reason (did you mean awaiting-vendor?)"),
     (("role", "1", "comander", "bob"),
      "'comander' is not a major-incident role (did you mean commander?)")],
)  # fmt: skip
def test_a_mistyped_choice_is_refused_like_any_other_value(
    cli: Cli, args: tuple[str, ...], said: str
) -> None:
    """Not Typer's usage box (exit 2): one `Error:` sentence from the core, exit 4."""
    cli("log", "Printer jams", "-q")
    cli("respond", "1", "on it", "-q")
    stderr = fails(cli(*args), 4, said)
    assert stderr.startswith("Error: ")
    assert len(stderr.strip().splitlines()) == 1


def test_choices_are_still_listed_and_case_free(cli: Cli) -> None:
    shown = " ".join(re.sub(r"[│╭╮╰╯─]", " ", ok(cli("resolve", "--help"))).split())
    assert "Choices: fixed, workaround, no-fault, duplicate, other." in shown  # however wrapped
    cli("log", "Printer jams", "-q")
    cli("respond", "1", "on it", "-q")
    assert ok(cli("hold", "1", "--reason", "Scheduled", "-q")) == "INC-1\n"
    cli("resume", "1", "-q")
    assert cli.json("resolve", "1", "--code", "FIXED", "--note", "x")["resolution_code"] == "fixed"


def test_an_ambiguous_date_is_refused_until_dayfirst_says_which(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("log", "Printer jams", "--at", "2026-05-12 10:00", "-q")
    fails(cli("list", "--since", "5/12/2026"), 4, "could be 5 December or 12 May", "dayfirst")
    monkeypatch.setenv("INCTRACK_DAYFIRST", "false")  # month first: 12 May
    assert [r["id"] for r in cli.json("list", "--since", "5/12/2026")] == ["INC-1"]
    monkeypatch.delenv("INCTRACK_DAYFIRST")
    (tmp_path / "config.toml").write_text("dayfirst = true\n", encoding="utf-8")
    assert cli.json("list", "--since", "5/12/2026") == []  # 5 December: nothing since
    monkeypatch.setenv("INCTRACK_DAYFIRST", "maybe")
    fails(cli("list", "--since", "5/12/2026"), 4, "dayfirst = 'maybe' is neither true nor false")


def test_a_weekday_at_the_command_line_is_never_in_the_future(db_url: str) -> None:
    """Friday 20 November 2026, 09:00: 'friday 15:00' is last week's."""
    Database.init(db_url)
    cli = Cli(db_url, clock=FixedClock(START))
    logged = cli.json("log", "Printer jams", "--at", "friday 15:00")
    assert logged["reported_at"] == "2026-11-13T15:00:00+00:00"
    assert cli.json("log", "Email down", "--at", "monday")["reported_at"].startswith("2026-11-16")


# -- hostile input: refused with a sentence, never a crash (issue 16, item 5) --------------


@pytest.mark.parametrize(
    ("args", "shown"),
    [(("log", "caf\udce9"), "b'caf\\xe9'"), (("category", "add", "\udcff"), "b'\\xff'"),
     (("note", "1", "ok \udcc3("), "b'ok \\xc3('"), (("list", "--search", "\udce9"), "b'\\xe9'")],
    ids=["log", "category add", "note", "list --search"],
)  # fmt: skip
def test_bytes_that_are_not_utf8_are_refused_with_a_sentence(
    cli: Cli, args: tuple[str, ...], shown: str
) -> None:
    """A Latin-1 terminal's bytes reach Python as lone surrogates (surrogateescape)."""
    ok(cli("log", "Printer jams", "-q"))
    fails(cli(*args), 4, f"The argument {shown} is not UTF-8 text")
    assert [row["title"] for row in cli.json("list")] == ["Printer jams"]
    assert "caf" not in ok(cli("category", "list"))


def test_bytes_that_are_not_utf8_in_a_real_argv_and_environment(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import subprocess
    import sys

    entry = Path(sys.executable).with_name("inctrack")
    env = {**os.environ, "INCTRACK_DB": cli.db}
    done = subprocess.run([entry, b"log", b"caf\xe9"], env=env, capture_output=True)
    assert (done.returncode, done.stdout) == (4, b"")
    assert b"The argument b'caf\\xe9' is not UTF-8 text" in done.stderr
    env_bytes = {**os.environb, b"INCTRACK_DB": cli.db.encode(), b"INCTRACK_USER": b"b\xe9b"}
    done = subprocess.run([entry, "log", "x"], env=env_bytes, capture_output=True)
    assert (done.returncode, done.stdout) == (4, b"")
    assert b"INCTRACK_USER b'b\\xe9b' is not UTF-8 text" in done.stderr
    assert cli.json("list") == []


def test_the_library_refuses_text_that_is_not_utf8(desk: Desk) -> None:
    with desk.tracker() as tracker, pytest.raises(Rejected, match="not UTF-8 text"):
        tracker.log("caf\udce9", reporter="ann")


@pytest.mark.parametrize(
    "args",
    [("log", "x", "--at", "99999999999 days ago"), ("log", "x", "--at", "0001-01-01"),
     ("report", "sla", "--as-of", "9999-12-31"), ("sla", "1", "--as-of", "9999-12-31"),
     ("list", "--since", "1969-12-31"), ("report", "backlog", "--as-of", "last 99999999999 weeks"),
     ("close", "--stale", "99999999999999d")],
    ids=" ".join,
)  # fmt: skip
def test_a_time_out_of_any_range_is_refused_at_once(cli: Cli, args: tuple[str, ...]) -> None:
    ok(cli("log", "Payroll down", "--impact", "low", "--urgency", "high", "-q"))  # business hours
    said = fails(cli(*args), 4)
    assert "between 1970-01-01 and " in said or "longer than 100 years" in said
    assert len(cli.json("list")) == 1


def test_a_time_within_the_range_is_still_read(cli: Cli) -> None:
    assert cli.json("log", "x", "--at", "1970-01-02")["reported_at"].startswith("1970-01-02")
    ok(cli("report", "sla", "--as-of", "50 years ago"))


def test_import_of_a_json_value_of_the_wrong_type_names_it(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"title": "t", "reporter": "r", "priority": {"a": 1}}\n'
        '{"title": "u", "reporter": "r", "impact": [1], "status": true}\n',
        encoding="utf-8",
    )
    fails(cli("import", str(source)), 4, "line 1: priority '{\"a\": 1}' is not text",
          "line 2: status 'true' is not text")  # fmt: skip
    assert cli.json("list") == []
    source.write_text('{"title": "t", "reporter": "r", "priority": 2}\n', encoding="utf-8")
    ok(cli("import", str(source)))
    assert cli.json("show", "1")["priority"] == "P2"


def test_a_target_too_long_for_any_calendar_is_refused(cli: Cli) -> None:
    ok(cli("log", "Payroll down", "--impact", "low", "--urgency", "high", "-q"))
    fails(cli("policy", "set", "P3", "--respond", "99999999999999d"), 4, "at most 366d")
    fails(cli("policy", "set", "P3", "--resolve", "53w"), 4, "at most 366d")
    ok(cli("policy", "set", "P3", "--resolve", "52w"))
    assert cli.json("show", "1")["priority"] == "P3"
    ok(cli("report", "sla"))
