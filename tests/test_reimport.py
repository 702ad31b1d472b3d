"""Importing the same file again adds nothing, though its rows have no id or external_id.

Each such row gets a source key (its content's hash and its ordinal among identical
rows of the file), kept on the incident; a row whose key is there already is skipped.
On SQLite and PostgreSQL, for JSON Lines, JSON and CSV, through the command line and
the library, and after a ``kill -9``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from inctrack.transfer.run import ImportOptions, run_import

from .helpers import Cli, Desk, fails

ROWS = [
    {"title": "VPN drops", "reporter": "Ann", "reported_at": "2026-11-20T08:00:00Z"},
    {"title": "Printer jam", "reporter": "Bob", "reported_at": "2026-11-20T08:30:00Z"},
    {"title": "VPN drops", "reporter": "Ann", "reported_at": "2026-11-20T08:00:00Z"},
]
"""Three rows, the first and last identical: two calls that read the same."""


def imported(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    result = cli("import", str(path), *args, "--summary", "json")
    assert result.exit_code == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def titles(cli: Cli) -> list[str]:
    return sorted(record["title"] for record in cli.json("list", "--all"))


def count(cli: Cli) -> int:
    result = cli("list", "--all", "--limit", "0", "-q")
    assert result.exit_code == 0, result.stderr
    return len(result.stdout.splitlines())


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    lines = ["Summary,Caller,Opened"]
    lines += [f"{r['title']},{r['reporter']},{r['reported_at']}" for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


CSV_MAP = ("--map", "Summary=title", "--map", "Caller=reporter", "--map", "Opened=reported_at")


@pytest.mark.parametrize(
    ("name", "write", "args"),
    [
        ("calls.jsonl", write_jsonl, ()),
        ("calls.json", lambda path, rows: path.write_text(json.dumps(rows)) and path, ()),
        ("calls.csv", write_csv, CSV_MAP),
    ],
    ids=["jsonl", "json", "csv"],
)
def test_importing_the_same_file_again_adds_nothing(
    cli: Cli, tmp_path: Path, name: str, write: Any, args: tuple[str, ...]
) -> None:
    path = write(tmp_path / name, ROWS)
    first = imported(cli, path, *args)
    assert (first["created"], first["skipped"]) == (3, 0)  # identical rows are two calls
    again = imported(cli, path, *args)
    assert (again["created"], again["skipped"]) == (0, 3)
    assert titles(cli) == ["Printer jam", "VPN drops", "VPN drops"]
    with_update = imported(cli, path, *args, "--on-conflict", "update")
    with_fail = imported(cli, path, *args, "--on-conflict", "fail")
    assert [(s["created"], s["updated"], s["skipped"]) for s in (with_update, with_fail)] == [
        (0, 0, 3),
        (0, 0, 3),
    ]
    assert len(titles(cli)) == 3


def test_a_grown_file_adds_only_its_new_rows(cli: Cli, tmp_path: Path) -> None:
    imported(cli, write_jsonl(tmp_path / "calls.jsonl", ROWS))
    more = [*ROWS, ROWS[0], {"title": "Disk full", "reporter": "Cy"}]
    summary = imported(cli, write_jsonl(tmp_path / "calls.jsonl", more))
    assert (summary["created"], summary["skipped"]) == (2, 3)  # a third "VPN drops" is new
    assert titles(cli) == ["Disk full", "Printer jam", "VPN drops", "VPN drops", "VPN drops"]


def test_the_key_is_the_content_not_the_key_order_or_the_file_name(
    cli: Cli, tmp_path: Path
) -> None:
    imported(cli, write_jsonl(tmp_path / "a.jsonl", ROWS))
    shuffled = [dict(reversed(list(row.items()))) for row in ROWS]
    summary = imported(cli, write_jsonl(tmp_path / "b.jsonl", shuffled))
    assert (summary["created"], summary["skipped"]) == (0, 3)
    edited = [{**ROWS[1], "title": "Printer jam again"}]
    summary = imported(cli, write_jsonl(tmp_path / "c.jsonl", edited))
    assert (summary["created"], summary["skipped"]) == (1, 0)


def test_a_dry_run_says_the_rows_are_there_already(cli: Cli, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "calls.jsonl", ROWS)
    imported(cli, path)
    summary = imported(cli, path, "--dry-run")
    assert (summary["created"], summary["skipped"]) == (0, 3)


def test_a_file_with_a_problem_imports_nothing_and_its_rerun_everything(
    cli: Cli, tmp_path: Path
) -> None:
    bad = write_jsonl(tmp_path / "calls.jsonl", [*ROWS, {"title": "no reporter"}])
    fails(cli("import", str(bad)), 4, "reporter is missing")
    assert titles(cli) == []
    summary = imported(cli, write_jsonl(tmp_path / "calls.jsonl", ROWS))
    assert summary["created"] == 3


def test_the_library_import_is_safe_to_repeat(desk: Desk, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "calls.jsonl", ROWS)
    options = ImportOptions(source=str(path))
    summaries = [run_import(options, tracker=desk.tracker, tz=UTC) for _ in range(2)]
    assert [(s.created, s.skipped) for s in summaries] == [(3, 0), (0, 3)]
    with desk.tracker() as tracker:
        keys = [incident.source_key for incident in tracker.find()]
    assert len(set(keys)) == 3
    assert all(key is not None and key.startswith("sha256:") for key in keys)


KILLED_AFTER_COMMIT = """
import os, signal, sys
from datetime import UTC
from inctrack.clock import SystemClock
from inctrack.incidents.tracker import Tracker
from inctrack.storage import Database
from inctrack.transfer.run import ImportOptions, run_import
from contextlib import contextmanager

database = Database.open(sys.argv[1])

@contextmanager
def tracker(*, write=True):
    with database.transaction(write=write) as session:
        yield Tracker(session, clock=SystemClock(), actor="tester")

run_import(ImportOptions(source=sys.argv[2]), tracker=tracker, tz=UTC)
os.kill(os.getpid(), signal.SIGKILL)  # committed; the summary is never printed
"""


@pytest.mark.slow
def test_a_rerun_after_kill_9_adds_nothing(cli: Cli, tmp_path: Path) -> None:
    rows = [{"title": f"Call {n % 500}", "reporter": "Ann"} for n in range(3000)]
    path = write_jsonl(tmp_path / "calls.jsonl", rows)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_COMMIT, cli.db, str(path)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert count(cli) == 3000
    summary = imported(cli, path)
    assert (summary["created"], summary["skipped"]) == (0, 3000)
    assert count(cli) == 3000


@pytest.mark.slow
def test_a_rerun_after_kill_9_at_any_moment_completes_the_import(cli: Cli, tmp_path: Path) -> None:
    rows = [{"title": f"Call {n}", "reporter": "Ann"} for n in range(5000)]
    path = write_jsonl(tmp_path / "calls.jsonl", rows)
    entry = Path(sys.executable).with_name("inctrack")
    for delay in (0.2, 0.8, 1.6):
        process = subprocess.Popen(
            [str(entry), "--db", cli.db, "import", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert count(cli) in (0, 5000)  # all or nothing, whenever it died
    summary = imported(cli, path)
    assert summary["created"] + summary["skipped"] == 5000
    assert count(cli) == 5000
