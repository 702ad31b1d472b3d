"""Shell completion of incident IDs, through the installed entry point as a shell calls it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inctrack.cli.completion import suggestions

from .helpers import Cli

ENTRY_POINT = Path(sys.executable).with_name("inctrack")
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "psycopg")


def _complete(
    words: str, *, db: str, shell: str = "bash", extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """What the shell's completion function gets back for the command line ``words``."""
    env = {**os.environ, "INCTRACK_DB": db, "_INCTRACK_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        parts = words.split(" ")
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": words, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    return subprocess.run(
        [str(ENTRY_POINT)], env=env | (extra or {}), capture_output=True, text=True,
        check=False, timeout=60,
    )  # fmt: skip


@pytest.fixture
def desk_with_incidents(cli: Cli) -> Cli:
    cli("log", "Email down", "-q")
    cli("log", "VPN drops every   10 minutes", "-q")
    cli("log", "Logged twice", "-q")
    cli("cancel", "3", "--reason", "duplicate", "-q")
    cli("log", "Printer jam", "-q")
    cli("respond", "4", "on it", "-q")
    cli("resolve", "4", "--code", "fixed", "--note", "cleared", "-q")
    for n in range(5, 13):
        cli("log", f"Call {n}", "-q")
    return cli


@pytest.mark.slow
def test_bash_completes_open_incident_ids(desk_with_incidents: Cli) -> None:
    db = desk_with_incidents.db
    opened = ["INC-1", "INC-2", *(f"INC-{n}" for n in range(5, 13))]
    done = _complete("inctrack show ", db=db)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == opened
    assert _complete("inctrack note INC-1", db=db).stdout.splitlines() == [
        "INC-1", "INC-10", "INC-11", "INC-12",
    ]  # fmt: skip
    assert _complete("inctrack resolve inc-", db=db).stdout.splitlines() == [
        i.lower() for i in opened
    ]
    assert _complete("inctrack assign 1", db=db).stdout.splitlines() == ["1", "10", "11", "12"]
    assert _complete("inctrack sla 4", db=db).stdout.split() == []  # resolved: not open
    assert _complete("inctrack close ", db=db).stdout.splitlines() == opened


@pytest.mark.slow
def test_zsh_and_fish_show_titles(desk_with_incidents: Cli) -> None:
    db = desk_with_incidents.db
    zsh = _complete("inctrack show INC-2", db=db, shell="zsh").stdout
    assert '"INC-2":"VPN drops every 10 minutes"' in zsh
    fish = _complete("inctrack show INC-", db=db, shell="fish").stdout.splitlines()
    assert fish[:2] == ["INC-1\tEmail down", "INC-2\tVPN drops every 10 minutes"]


@pytest.mark.slow
def test_the_db_option_before_the_command_is_used(desk_with_incidents: Cli, tmp_path: Path) -> None:
    done = _complete(f"inctrack --db {desk_with_incidents.db} show INC-1", db=str(tmp_path / "x"))
    assert done.stdout.splitlines() == ["INC-1", "INC-10", "INC-11", "INC-12"]


@pytest.mark.slow
def test_no_database_no_suggestions_and_nothing_created(tmp_path: Path) -> None:
    missing = tmp_path / "absent.db"
    done = _complete("inctrack show ", db=str(missing))
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")
    assert not missing.exists()
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database")
    done = _complete("inctrack show ", db=str(garbage))
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")
    done = _complete("inctrack show ", db="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("this is = = not toml")
    done = _complete("inctrack show ", db=str(missing), extra={"INCTRACK_CONFIG": str(bad_config)})
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")


@pytest.mark.slow
def test_completing_ids_from_a_file_does_not_load_the_database_stack(tmp_path: Path) -> None:
    db = tmp_path / "light.db"
    subprocess.run(
        [str(ENTRY_POINT), "--db", str(db), "log", "Email down", "-q"], check=True,
        capture_output=True, env={**os.environ, "INCTRACK_USER": "ivan"},
    )  # fmt: skip
    probe = (
        "import sys\n"
        "from inctrack.cli import main\n"
        "sys.argv = ['inctrack']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"heavy = {{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}\n"
        "print('HEAVY=' + ','.join(sorted(heavy)))"
    )
    env = {
        **os.environ, "INCTRACK_DB": str(db), "_INCTRACK_COMPLETE": "complete_bash",
        "COMP_WORDS": "inctrack show ", "COMP_CWORD": "2",
    }  # fmt: skip
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.splitlines() == ["INC-1", "HEAVY="]


def test_suggestions_follow_the_spelling_typed(desk_with_incidents: Cli) -> None:
    db = desk_with_incidents.db
    assert suggestions(db, "INC-1")[:2] == [("INC-1", "Email down"), ("INC-10", "Call 10")]
    assert [v for v, _ in suggestions(db, "i")][:2] == ["inc-1", "inc-2"]
    assert [v for v, _ in suggestions(db, "In")][:1] == ["InC-1"]
    assert [v for v, _ in suggestions(db, "2")] == ["2"]
    assert suggestions(db, "x") == []
    assert suggestions(db, "INC-3") == []  # cancelled


def test_long_titles_are_shortened(cli: Cli) -> None:
    cli("log", "x" * 100, "-q")
    [(value, shown)] = suggestions(cli.db, "")
    assert (value, len(shown), shown[-1]) == ("INC-1", 60, "…")


@pytest.mark.slow
def test_checked_choices_are_completed(tmp_path: Path) -> None:
    """`resolve --code` is checked by the core (exit 4), yet Tab still offers its values."""
    done = _complete("inctrack resolve 1 --code w", db=str(tmp_path / "none.db"))
    assert done.stdout.split() == ["workaround"]
    done = _complete("inctrack role 1 c", db=str(tmp_path / "none.db"))
    assert done.stdout.split() == ["commander", "comms"]
