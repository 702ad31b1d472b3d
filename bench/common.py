"""What the benchmark scripts share: cached database files and measured child processes.

The scripts run as ``python bench/NAME.py``, so this module is imported from
their own folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path


def start_build(path: Path) -> Path:
    """The file to build ``path`` under (``path.building``), with leftovers of earlier
    builds removed; :func:`finish_build` renames it, so that an interrupted build is
    never mistaken for the cache."""
    partial = path.with_name(path.name + ".building")
    for stale in (path, partial):
        for leftover in (stale, Path(f"{stale}-wal"), Path(f"{stale}-shm")):
            leftover.unlink(missing_ok=True)
    return partial


def finish_build(partial: Path, path: Path) -> None:
    partial.rename(path)
    for leftover in (Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)


_WATCH = """
import os, sys, time
began = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - began
with open(sys.argv[1], "w") as report:
    report.write(f"{elapsed} {usage.ru_maxrss}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 1)
"""
"""Runs the command in a grandchild and writes its wall time and peak RSS to a file."""


def run_child(argv: list[str], env: dict[str, str]) -> tuple[bytes, float, float]:
    """Run ``argv`` to the end: its stdout, its wall time (s) and its own peak RSS (MiB).

    Linux counts into a process's peak RSS the memory of the process it was forked
    from, as it stood at the fork; a benchmark that has just read a big report would
    pass its own size on to the next command it runs. So the command runs as the
    child of a small watcher (``python -S``, a few MiB), which times it and reads its
    RSS with ``wait4``.
    """
    with tempfile.TemporaryDirectory() as scratch:
        figures = Path(scratch) / "figures"
        watched = [sys.executable, "-S", "-c", _WATCH, str(figures), *argv]
        with subprocess.Popen(watched, env=env, stdout=subprocess.PIPE) as process:
            assert process.stdout is not None
            out = process.stdout.read()
            returncode = process.wait()
        if returncode != 0:
            raise subprocess.CalledProcessError(returncode, argv)
        seconds, rss = figures.read_text().split()
    return out, float(seconds), int(rss) / 1024


def build_only(cache: Path, build: Callable[[Path], datetime]) -> int:
    """``--build-only``: build the cached file in this (fresh) process and say how long."""
    began = time.perf_counter()
    built_at = build(cache)
    print(f"built {cache} in {time.perf_counter() - began:.1f} s (as of {built_at:%Y-%m-%d})")
    return 0


def ensure_cache(
    cache: Path, script: str, *, rebuild: bool, stale_days: float | None = None
) -> None:
    """Build ``cache`` unless it is there (and, with ``stale_days``, recent enough).

    The build runs as ``script --build-only`` in a process of its own, so that the
    benchmark's own memory stays small (see :func:`run_child`).
    """
    stale = (
        stale_days is not None
        and cache.exists()
        and time.time() - cache.stat().st_mtime > stale_days * 86400
    )
    if rebuild or stale or not cache.exists():
        subprocess.run([sys.executable, script, "--build-only"], check=True)
    else:
        print(f"using cached {cache} (delete it or pass --rebuild to build again)")


def measure(argv: list[str], runs: int) -> tuple[list[float], float, bytes]:
    """``argv`` run ``runs`` times after an untimed warm-up, as a user would run it (no
    colour, own config and data directories): the seconds of each run, the peak RSS
    (MiB) of the runs, and the last run's stdout."""
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ, "INCTRACK_USER": "bench", "NO_COLOR": "1",
            "INCTRACK_CONFIG": str(Path(home) / "config.toml"),
            "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home,
        }  # fmt: skip
        env.pop("INCTRACK_FORMAT", None)
        subprocess.run(argv, env=env, check=True, capture_output=True)  # warm-up, untimed
        times, peak, out = [], 0.0, b""
        for _ in range(runs):
            out, seconds, rss = run_child(argv, env)
            times.append(seconds)
            peak = max(peak, rss)
    return times, peak, out


def environment(home: Path) -> dict[str, str]:
    """As a user runs it, with nothing of this machine's own configuration: no colour,
    a config file and data directories of its own, a fixed width."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INCTRACK_")}
    return env | {
        "INCTRACK_USER": "bench", "NO_COLOR": "1", "COLUMNS": "100",
        "INCTRACK_CONFIG": str(home / "config.toml"),
        "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home),
    }  # fmt: skip


def timed_runs(
    command: Callable[[int], list[str]], env: dict[str, str], runs: int,
    floor: list[str] | None = None, warm_up: bool = True,
) -> tuple[list[float], list[float], float, bytes]:  # fmt: skip
    """Seconds of each run, of each floor run (interleaved), the peak RSS (MiB) of the
    command's runs and the last run's stdout."""
    if warm_up:
        run_child(command(0), env)
        if floor:
            run_child(floor, env)
    times: list[float] = []
    floors: list[float] = []
    peak, out = 0.0, b""
    for i in range(1, runs + 1):
        out, seconds, rss = run_child(command(i), env)
        times.append(seconds)
        peak = max(peak, rss)
        if floor:
            floors.append(run_child(floor, env)[1])
    return times, floors, peak, out


Fresh = Callable[[str], tuple[str, Callable[[], None]]]
"""A new, empty database for a run (by a tag) and what removes it."""


def transfer(
    runs: int, env: dict[str, str], folder: Path, fresh: Fresh, out: Path, names: list[str]
) -> dict[str, tuple[float, float] | str]:
    """By row (import, export, servicenow): (rate per second, peak RSS in MiB) of the
    median run, or why it failed. ``folder`` holds ``desk.jsonl`` and ``servicenow.csv``;
    every import goes into a database of its own; no warm-up (each run takes seconds)."""
    import statistics

    results: dict[str, tuple[float, float] | str] = {}
    env = env | {"INCTRACK_TIMEZONE": "UTC"}
    if "import" in names or "export" in names:
        runs_here = runs if "import" in names else 1
        done = _imports(runs_here, env, folder / "desk.jsonl", [], fresh, "created", results,
                        "import", floor=out / "floor.db")  # fmt: skip
        if done and "export" in names:
            argv = [_inctrack(), "--db", done[0], "export", "--force", "-o",
                    str(out / "export.jsonl")]  # fmt: skip
            try:
                times, _, peak, _ = timed_runs(lambda i: argv, env, runs, warm_up=False)
                results["export"] = (done[2] / statistics.median(times), peak)
            except subprocess.CalledProcessError as failed:
                results["export"] = f"failed (exit {failed.returncode})"
        if done:
            done[1]()
    if "servicenow" in names:
        options = ["--from", "servicenow", "--dayfirst", "--null", "?"]
        done = _imports(runs, env, folder / "servicenow.csv", options, fresh, "rows", results,
                        "servicenow")  # fmt: skip
        if done:
            done[1]()
    return results


def _imports(
    runs: int, env: dict[str, str], source: Path, options: list[str], fresh: Fresh,
    counted: str, results: dict[str, tuple[float, float] | str], name: str,
    floor: Path | None = None,
) -> tuple[str, Callable[[], None], int] | None:  # fmt: skip
    """Import ``source`` ``runs`` times, each into a fresh database, and set
    ``results[name]``; the last database is kept (for export) with what removes it and
    the ``counted`` figure of the summary (incidents created, rows read). None if a run
    failed (its database removed). With ``floor`` (a scratch file), each run is followed
    by one of :func:`bulk_insert_floor` with as many rows: ``results[name + "-floor"]``."""
    import json
    import statistics

    times, peak, count, floors = [], 0.0, 0, []
    db, drop = "", _nothing
    try:
        for i in range(runs):
            drop()
            db, drop = fresh(f"{name}-{i}")
            argv = [_inctrack(), "--db", db, "import", str(source), *options, "--summary",
                    "json"]  # fmt: skip
            out, seconds, rss = run_child(argv, env)
            count = int(json.loads(out)[counted])
            times.append(seconds)
            peak = max(peak, rss)
            if floor:
                floors.append(bulk_insert_floor(floor, count, env))
    except subprocess.CalledProcessError as failed:
        drop()
        results[name] = f"failed (exit {failed.returncode})"
        return None
    results[name] = (count / statistics.median(times), peak)
    if floors:
        results[f"{name}-floor"] = (statistics.median(floors), 0.0)
    return db, drop, count


def _nothing() -> None:
    pass


def sqlite_fresh(folder: Path) -> Fresh:
    def fresh(tag: str) -> tuple[str, Callable[[], None]]:
        path = folder / f"{tag}.db"

        def drop() -> None:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)

        drop()
        return str(path), drop

    return fresh


def _inctrack() -> str:
    """The ``inctrack`` script installed next to this Python."""
    return str(Path(sys.executable).with_name("inctrack"))


def head_past_events(path: Path) -> None:
    """Move the hash chain's head (``inctrack.storage.chain``) past the events a builder
    inserted without hashes into the SQLite file ``path``, so that commands run on it
    append after them instead of reusing their ids. Those events stay unchained (events
    are append-only: their hashes cannot be added later); ``db verify`` would say so,
    which no timing reads; appending costs what it costs on a chained file."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        count, last = connection.execute("SELECT count(*), max(id) FROM events").fetchone()
        connection.execute(
            "UPDATE chain_head SET event_count = ?, last_event_id = ? WHERE id = 1",
            (count, last or 0),
        )
    connection.close()


def pick(path: Path, status: str, count: int, skip: int = 0) -> list[str]:
    """``count`` IDs of incidents in ``status``, after the first ``skip`` of them."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT id FROM incidents WHERE status = ? ORDER BY id LIMIT ? OFFSET ?",
            (status, count, skip),
        ).fetchall()
    if len(found) < count:
        raise SystemExit(f"{path} has fewer than {count + skip} incidents {status}")
    return [f"INC-{number}" for (number,) in found]


def first_report(path: Path) -> str:
    """The first report in ``path`` as ISO 8601 (``--since FIRST`` reads every incident)."""
    import sqlite3
    from datetime import UTC

    with sqlite3.connect(path) as connection:
        (first,) = connection.execute("SELECT min(reported_at) FROM incidents").fetchone()
    return datetime.fromisoformat(str(first)).replace(tzinfo=UTC).isoformat()


_BULK_INSERT = """
import sqlite3, sys, time
path, count = sys.argv[1], int(sys.argv[2])
connection = sqlite3.connect(path, isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
columns = ", ".join(f"c{i} TEXT" for i in range(36))
connection.execute(f"CREATE TABLE incidents (id INTEGER PRIMARY KEY, {columns})")
for i in range(5):
    connection.execute(f"CREATE INDEX by_{i} ON incidents (c{i}, c{i + 5})")
rows = [(n, *(f"value {n % (7 + i) * 7919} of {i}" for i in range(36))) for n in range(count)]
began = time.perf_counter()
connection.execute("BEGIN")
connection.executemany(f"INSERT INTO incidents VALUES (?{', ?' * 36})", rows)
connection.execute("COMMIT")
print(count / (time.perf_counter() - began))
"""


def bulk_insert_floor(path: Path, count: int, env: dict[str, str]) -> float:
    """Rows per second of SQLite's own bulk insert, the floor under an import: ``count``
    rows of 37 columns, built beforehand, into a new table with five indexes, with
    ``executemany`` in one transaction (the figure excludes start-up and building)."""
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    argv = [sys.executable, "-c", _BULK_INSERT, str(path), str(count)]
    done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    return float(done.stdout)
