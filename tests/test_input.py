"""What people type: IDs too large for a database, choices with a typo in them, dates
that could be read two ways."""

from __future__ import annotations

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
    assert "Choices: fixed, workaround, no-fault, duplicate, other." in ok(cli("resolve", "--help"))
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
