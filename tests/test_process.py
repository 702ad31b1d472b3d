"""Whole processes: the installed entry point, start-up weight, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "psycopg")
ENTRY_POINT = Path(sys.executable).with_name("inctrack")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    probe = (
        "import sys\n"
        f"{code}\n"
        f"heavy = {{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}\n"
        "print('HEAVY=' + ','.join(sorted(heavy)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True,
        env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip
    marker = next(line for line in done.stdout.splitlines() if line.startswith("HEAVY="))
    assert done.returncode == 0, done.stderr
    return [name for name in marker.removeprefix("HEAVY=").split(",") if name]


def test_help_does_not_load_the_database_stack() -> None:
    code = (
        "from inctrack.cli import main\n"
        "sys.argv = ['inctrack', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_shell_completion_does_not_load_the_database_stack() -> None:
    code = (
        "from inctrack.cli import main\n"
        "sys.argv = ['inctrack']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    env = {"_INCTRACK_COMPLETE": "complete_bash", "COMP_WORDS": "inctrack l", "COMP_CWORD": "1"}
    assert _loaded_after(code, env) == []


def test_the_installed_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "INCTRACK_DB": str(tmp_path / "e.db"), "INCTRACK_USER": "ivan"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ENTRY_POINT), *args], input=stdin, capture_output=True, text=True,
            env=env, check=False, timeout=60,
        )  # fmt: skip

    logged = run("log", "Email down", "-d", "-", "-q", stdin="Outlook cannot connect")
    assert (logged.returncode, logged.stdout, logged.stderr) == (0, "INC-1\n", "")
    shown = json.loads(run("show", "inc-1", "-f", "json").stdout)
    assert (shown["description"], shown["logged_by"]) == ("Outlook cannot connect", "ivan")
    missing = run("show", "INC-2")
    assert missing.returncode == 3
    assert missing.stderr.startswith("Error: There is no incident INC-2")
    assert "\x1b[" not in missing.stderr  # no colour when stderr is not a terminal
    module = subprocess.run(
        [sys.executable, "-m", "inctrack", "--version"], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert module.stdout.startswith("inctrack ")


WRITERS = 8
EACH = 15


def _log_many(target: str, writer: int) -> list[str]:
    from inctrack.clock import SystemClock
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage import Database

    database = Database.open(target)
    ids = []
    for n in range(EACH):
        with database.transaction() as session:
            tracker = Tracker(session, clock=SystemClock(), actor=f"writer{writer}")
            incident = tracker.log(f"writer {writer} call {n}")
            ids.append(tracker.record(incident)["id"])
    database.dispose()
    return ids


@pytest.mark.slow
def test_concurrent_writers_all_succeed_with_unique_ids(db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        results = pool.starmap(_log_many, [(db_url, w) for w in range(WRITERS)])
    ids = [i for batch in results for i in batch]
    assert len(ids) == WRITERS * EACH
    assert sorted(ids, key=lambda i: int(i[4:])) == [f"INC-{n}" for n in range(1, len(ids) + 1)]
    for batch in results:  # each writer saw its own numbers increase
        assert [int(i[4:]) for i in batch] == sorted(int(i[4:]) for i in batch)


def _cli_modules_after(argv: list[str], env: dict[str, str] | None = None) -> set[str]:
    """The ``inctrack.cli`` modules a whole `inctrack ARGV` process imports."""
    probe = (
        "import sys\n"
        "from inctrack.cli import main\n"
        f"sys.argv = ['inctrack', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('CLI=' + ','.join(sorted(m for m in sys.modules if m.startswith('inctrack.cli.'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})}, check=False,
    )  # fmt: skip
    marker = next(line for line in done.stdout.splitlines() if line.startswith("CLI="))
    return {name.removeprefix("inctrack.cli.") for name in marker[4:].split(",") if name}


def test_only_the_command_run_is_imported(tmp_path: Path) -> None:
    """`--help`, completion of a command name and `--version` import no command module;
    a command, its help or its completion imports its own module and what it uses."""
    root = {"root", "commands", "helptext"}
    assert _cli_modules_after(["--help"]) == root
    assert _cli_modules_after([]) == root  # no command: the help
    assert _cli_modules_after(["--version"]) == root
    completing = {"_INCTRACK_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "inctrack re"}
    assert _cli_modules_after([], completing) == root
    others = {"admin", "kb", "report", "problems", "reviews", "services", "statuspage", "db"}
    for argv in (["show", "--help"], ["log", "--help"], ["list", "-h"]):
        loaded = _cli_modules_after(argv)
        assert "incidents" in loaded, argv
        assert not loaded & others, (argv, loaded & others)
    loaded = _cli_modules_after(["report", "sla", "--help"])
    assert "report" in loaded
    assert not loaded & (others - {"report"}), loaded
    db = str(tmp_path / "absent.db")
    loaded = _cli_modules_after(["--db", db, "show", "INC-1"])
    assert not loaded & others, loaded


def test_completion_and_help_need_no_pydantic_nor_markdown() -> None:
    """Typer converts values with Pydantic; completing a command name or printing help
    converts none, so neither imports it (``cli.root`` builds converters on first use).
    The top-level help has no Markdown in it: no Markdown parser, no syntax highlighter
    (``cli.helptext``)."""
    code = (
        "import sys\n"
        "from inctrack.cli import main\n"
        "sys.argv = ['inctrack', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY=' + ','.join(sorted({m.split('.')[0] for m in sys.modules} & NOT_NEEDED)))"
    ).replace("NOT_NEEDED", repr({"pydantic", "markdown_it", "pygments"}))
    completing = {"_INCTRACK_COMPLETE": "complete_bash", "COMP_WORDS": "inctrack re"}
    for argv, env in (([], completing | {"COMP_CWORD": "1"}), (["--help"], {})):
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True,
            env={**os.environ, **env}, check=True,
        )  # fmt: skip
        assert done.stdout.splitlines()[-1] == "HEAVY=", (argv, done.stdout)
