"""No command line is a crash: whole argument vectors over every command path, with
plausible and hostile values, never end in exit 1 (a bug) or an uncaught exception.

A few hundred vectors per backend here; scripts/fuzz_cli.py runs tens of thousands and
prints the histogram of exit codes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import Cli, argument_vectors, built_once, command_tree, fuzz_desk

EXAMPLES = 300
"""Per backend: about 10 s on SQLite."""


@pytest.fixture
def fuzz_cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """One database per test function, seeded; every example of the test runs on it."""
    monkeypatch.chdir(tmp_path)  # anything a vector writes by a relative name stays here
    monkeypatch.setattr("typer.testing._get_command", built_once())
    for name in ("EDITOR", "VISUAL"):
        monkeypatch.setenv(name, "true")  # `edit --editor` never waits for a person
    monkeypatch.setenv("INCTRACK_BUSY_TIMEOUT", "2")
    return fuzz_desk(db_url, str(tmp_path))


def test_every_command_path_is_generated() -> None:
    paths = {" ".join(path) for path, _ in command_tree()}
    assert {"log", "show", "report sla", "calendar holiday import", "db check"} <= paths
    assert len(paths) > 70


def check(cli: Cli, argv: list[str]) -> None:
    result = cli(*argv)
    shown = "inctrack " + " ".join(repr(arg) for arg in argv)
    assert result.exit_code != 1, f"{shown}\n{result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.stderr, shown


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)  # fmt: skip
@given(data=st.data())
def test_no_argument_vector_is_a_crash(fuzz_cli: Cli, tmp_path: Path, data: st.DataObject) -> None:
    check(fuzz_cli, data.draw(argument_vectors(str(tmp_path)), label="argv"))


@pytest.mark.parametrize(
    "argv",
    [["show", "INC-99999999999999999999"], ["show", f"INC-{2**31}"],
     ["note", "99999999999999999999", "x"], ["problem", "show", "PRB-99999999999999999999"],
     ["log", "x", "--at", "99999999999 days ago"], ["log", "caf\udce9"],
     ["category", "add", "\udcff"], ["report", "sla", "--as-of", "9999-12-31"],
     ["import", "bad.jsonl"], ["import", "in.jsonl"], ["export", "--output", ""],
     ["export", "-o", "/"], ["import", "in.jsonl", "--encoding", "x\x00y"]],
    ids=lambda argv: " ".join(argv)[:40],
)  # fmt: skip
def test_the_reported_crashes_stay_fixed(fuzz_cli: Cli, argv: list[str]) -> None:
    check(fuzz_cli, argv)
