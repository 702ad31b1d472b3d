"""Start-up time of whole inctrack processes, and what `--help` imports.

    python bench/startup.py [-n 10]

Each command runs N times (at least 7) as a new process, after one untimed warm-up
run, so the OS file cache and ``__pycache__`` are warm: this measures interpreter
and import work, not disk. The commands take turns, one run of each per round, so
that each is measured in the same minutes as its floor, ``python -c "import
typer"``, on a machine whose load changes; the ratios to that floor (medians) are
the targets of issue 17 (`--help` and shell completion at most 2.0x). Runs use the
``inctrack`` script next to ``sys.executable`` and a fresh SQLite file in a
temporary directory; nothing touches the user's own database or config. Prints
Markdown for docs/performance.md and exits 1 if ``import inctrack.cli`` loads the
ORM.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "pydantic", "dateutil", "psycopg")
"""Packages that `inctrack --help` should not need."""
FORBIDDEN_IN_CLI = ("sqlalchemy", "sqlmodel", "alembic")
"""Packages that importing ``inctrack.cli`` must not load (the contract of cli/__init__.py)."""

FLOOR = '`python -c "import typer"` (floor)'
TARGET = 2.0
"""Issue 17: `--help` and shell completion take at most twice the floor."""

PYTHON = sys.executable
INCTRACK = str(Path(sys.executable).with_name("inctrack"))


def timed_in_turns(
    cases: Sequence[tuple[str, Sequence[str], dict[str, str]]], env: dict[str, str], runs: int
) -> dict[str, list[float]]:
    """Milliseconds of each case, run in turns: one warm-up of each, then rounds.
    Exit code 2 is expected too: `inctrack` alone prints its help as a usage error."""
    for _, argv, extra in cases:  # warm-up, untimed
        done = subprocess.run(argv, env=env | extra, check=False, capture_output=True)
        if done.returncode not in (0, 2):
            raise SystemExit(f"{argv} exited {done.returncode}: {done.stderr.decode()}")
    times: dict[str, list[float]] = {label: [] for label, _, _ in cases}
    for _ in range(runs):
        for label, argv, extra in cases:
            start = time.perf_counter()
            subprocess.run(argv, env=env | extra, check=False, capture_output=True)
            times[label].append((time.perf_counter() - start) * 1000)
    return times


def completing(words: str) -> dict[str, str]:
    """What bash's completion function sets to ask for the last word of ``words``."""
    return {
        "_INCTRACK_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }


def timed_fresh_file(tmp: Path, env: dict[str, str], runs: int) -> list[float]:
    """`log -q` on a database file that does not exist yet: create + migrate + write."""
    times = []
    for i in range(runs):
        fresh = {**env, "INCTRACK_DB": str(tmp / f"fresh-{i}.db")}
        start = time.perf_counter()
        subprocess.run([INCTRACK, "log", "Bench", "-q"], env=fresh, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def loaded_packages(code: str, env: dict[str, str]) -> list[str]:
    """Top-level packages in sys.modules after running `code` in a new interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [PYTHON, "-c", probe], env=env, check=False, capture_output=True, text=True
    ).stdout.split()
    return [name for name in HEAVY if name in out]


def import_times(env: dict[str, str], top: int = 8) -> list[tuple[str, int]]:
    """Where `inctrack --help` spends its import time: self µs summed per top-level package."""
    result = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "inctrack", "--help"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    totals: dict[str, int] = {}
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        package = parts[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0) + int(parts[0])
    return sorted(totals.items(), key=lambda row: -row[1])[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=10)
    runs = parser.parse_args().runs
    if runs < 7:
        parser.error("--runs: at least 7, for medians worth comparing")

    with tempfile.TemporaryDirectory(prefix="inctrack-bench-") as name:
        tmp = Path(name)
        env = {key: value for key, value in os.environ.items() if not key.startswith("INCTRACK_")}
        env |= {
            "INCTRACK_DB": str(tmp / "bench.db"),
            "INCTRACK_CONFIG": str(tmp / "absent.toml"),
            "INCTRACK_USER": "bench",
            "NO_COLOR": "1",
            "COLUMNS": "100",
        }
        subprocess.run([INCTRACK, "log", "Seed", "-q"], env=env, check=True, capture_output=True)
        cases: list[tuple[str, Sequence[str], dict[str, str]]] = [
            ("`python -c pass` (baseline)", [PYTHON, "-c", "pass"], {}),
            (FLOOR, [PYTHON, "-c", "import typer"], {}),
            ("`inctrack --help`", [INCTRACK, "--help"], {}),
            ("`inctrack` (no command: help)", [INCTRACK], {}),
            ("`inctrack --version`", [INCTRACK, "--version"], {}),
            ("`inctrack show --help`", [INCTRACK, "show", "--help"], {}),
            ("`inctrack report --help`", [INCTRACK, "report", "--help"], {}),
            ("`inctrack report sla --help`", [INCTRACK, "report", "sla", "--help"], {}),
            ("completion `inctrack re<TAB>`", [INCTRACK], completing("inctrack re")),
            ("completion `inctrack show <TAB>`", [INCTRACK], completing("inctrack show ")),
            ("`inctrack log ... -q`", [INCTRACK, "log", "Printer on floor 3 jams", "-q"], {}),
            ("`inctrack list`", [INCTRACK, "list"], {}),
        ]
        measured = timed_in_turns(cases, env, runs)
        results = list(measured.items())
        results.append(("`inctrack log ... -q`, new file", timed_fresh_file(tmp, env, runs)))
        cli_loads = loaded_packages("import inctrack.cli", env)
        help_loads = loaded_packages(
            "import sys\nsys.argv = ['inctrack', '--help']\n"
            "from inctrack.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
            env,
        )
        slowest = import_times(env)

    print(f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'unknown'}: "
          f"{os.cpu_count()} CPUs, {platform.machine()}, {platform.system()} "
          f"{platform.release()}, Python {platform.python_version()}; "
          f"{runs} runs each after one warm-up run.\n")  # fmt: skip
    print("| command | min ms | median ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    for label, times in results:
        print(f"| {label} | {min(times):.0f} | {statistics.median(times):.0f} | "
              f"{max(times):.0f} |")  # fmt: skip
    print()
    floor = statistics.median(measured[FLOOR])
    print(f"Ratios to the floor, {FLOOR} (median {floor:.0f} ms in the same rounds); "
          f"target at most {TARGET}x for help and completion:\n")  # fmt: skip
    print("| command | median ms | ratio |")
    print("| --- | ---: | ---: |")
    for label, times in measured.items():
        if any(word in label for word in ("help", "completion", "version")):
            median = statistics.median(times)
            print(f"| {label} | {median:.0f} | {median / floor:.2f}x |")
    print()
    print("Import time of `inctrack --help` by package (`python -X importtime`, self time):\n")
    print("| package | ms |")
    print("| --- | ---: |")
    for module, micros in slowest:
        print(f"| `{module}` | {micros / 1000:.0f} |")
    print()
    print(f"Heavy packages loaded by `inctrack --help`: {', '.join(help_loads) or 'none'}.")
    bad = [name for name in cli_loads if name in FORBIDDEN_IN_CLI]
    verdict = "FAIL" if bad else "PASS"
    print(f"`import inctrack.cli` loads: {', '.join(cli_loads) or 'none of ' + ', '.join(HEAVY)}.")
    print(f"Check (`import inctrack.cli` loads none of {', '.join(FORBIDDEN_IN_CLI)}): {verdict}.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
