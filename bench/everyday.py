"""The everyday commands against their floor: `log`, `show`, `respond`, `note`, `assign`,
`resolve` on a big desk (100,000 incidents, 10,000 open), each as a whole process.

    python bench/everyday.py [-n 7] [--rebuild]

Uses the file that bench/sla_report.py builds (cached in the temp dir; run it with
``TMPDIR`` set to keep it apart), copied to a scratch file first so that the
writes measured here never change the cache. Every round runs the floor,
``python -c "import typer, rich.table, sqlmodel"``, and then each command once,
so that the floor and the commands share the machine's load; each write command
works on an incident of its own in every round (``respond`` on a new one,
``resolve`` on one in progress). Prints, per command, the median seconds, the
floor's median in the same run and the ratio (the target of issue 17: ≤ 1.0,
aim ≤ 0.5), and exits 1 when a ratio is above 1.0.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import ensure_cache
from sla_report import CACHE, INCTRACK

FLOOR = [sys.executable, "-c", "import typer, rich.table, sqlmodel"]
TARGET = 1.0
COMMANDS = ("log -q", "show", "respond -q", "note -q", "assign -q", "resolve -q")


def _chain_head(path: Path) -> None:
    """The built file's events carry no hash chain (sla_report.py bulk-inserts them):
    move the chain's head past them, so that new events get new ids."""
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE chain_head SET event_count = (SELECT count(*) FROM events), "
            "last_event_id = (SELECT max(id) FROM events) WHERE id = 1"
        )
    connection.close()


def _numbers(path: Path, status: str, count: int) -> list[int]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT id FROM incidents WHERE status = ? ORDER BY id LIMIT ?", (status, count)
        ).fetchall()
    return [row[0] for row in rows]


def _argv(command: str, round_: int, new: list[int], working: list[int]) -> list[str]:
    mine = str(working[round_ * 2])
    if command == "log -q":
        return [INCTRACK, "log", f"Printer on floor {round_} jams", "--reporter", "ann", "-q"]
    if command == "show":
        return [INCTRACK, "show", mine]
    if command == "respond -q":
        return [INCTRACK, "respond", str(new[round_]), "Looking at it", "-q"]
    if command == "note -q":
        return [INCTRACK, "note", mine, "Asked the user to restart", "-q"]
    if command == "assign -q":
        return [INCTRACK, "assign", mine, "--to", "bob", "-q"]
    return [INCTRACK, "resolve", str(working[round_ * 2 + 1]), "--code", "fixed",
            "--note", "Replaced the toner", "-q"]  # fmt: skip


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv`` to the end, its output discarded: (wall seconds, CPU seconds).

    CPU time (user + system, from ``wait4``) is the figure to compare when other jobs
    share the machine: waiting for a core counts in the wall time, not in it.
    """
    devnull = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
    began = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=devnull)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {os.waitstatus_to_exitcode(status)})")
    return wall, usage.ru_utime + usage.ru_stime


def measure(path: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds per run of the floor and of every command, interleaved round
    by round."""
    new = _numbers(path, "new", runs + 1)
    working = _numbers(path, "in_progress", 2 * runs + 2)
    times: dict[str, list[tuple[float, float]]] = {"floor": []}
    times |= {command: [] for command in COMMANDS}
    with tempfile.TemporaryDirectory() as home:
        env = {key: value for key, value in os.environ.items() if not key.startswith("INCTRACK")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached after round 0
        env |= {
            "INCTRACK_DB": str(path), "INCTRACK_USER": "bench", "NO_COLOR": "1",
            "INCTRACK_CONFIG": str(Path(home) / "config.toml"),
            "INCTRACK_HOOKS_DIR": str(Path(home) / "hooks"),
            "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home, "COLUMNS": "100",
        }  # fmt: skip
        for round_ in range(runs + 1):  # round 0 warms the caches, untimed
            seconds = run(FLOOR, env)
            if round_:
                times["floor"].append(seconds)
            for command in COMMANDS:
                seconds = run(_argv(command, round_, new, working), env)
                if round_:
                    times[command].append(seconds)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="build the cached file again")
    args = parser.parse_args()
    ensure_cache(CACHE, str(Path(__file__).with_name("sla_report.py")), rebuild=args.rebuild)
    with tempfile.TemporaryDirectory(prefix="inctrack-everyday-") as scratch:
        path = Path(scratch) / "desk.db"
        shutil.copyfile(CACHE, path)
        _chain_head(path)
        times = measure(path, args.runs)
    floor = [statistics.median(run[i] for run in times["floor"]) for i in (0, 1)]
    print(f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'unknown'}: "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}; 100,000 incidents "
          f"(10,000 open); medians of {args.runs} whole-process runs, interleaved.\n")  # fmt: skip
    print("| command | wall s | floor wall s | ratio | CPU s | floor CPU s | CPU ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    worst = 0.0
    for command in COMMANDS:
        wall, cpu = (statistics.median(run[i] for run in times[command]) for i in (0, 1))
        worst = max(worst, wall / floor[0])
        print(f"| `{command}` | {wall:.3f} | {floor[0]:.3f} | {wall / floor[0]:.2f} | "
              f"{cpu:.3f} | {floor[1]:.3f} | {cpu / floor[1]:.2f} |")  # fmt: skip
    print(f'\nFloor: `python -c "import typer, rich.table, sqlmodel"`; target ratio ≤ {TARGET}.')
    return 1 if worst > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
