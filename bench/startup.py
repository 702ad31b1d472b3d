"""Start-up time of whole inctrack processes, and what `--help` imports.

    python bench/startup.py [-n 10]

Each command runs N times as a new process (after one untimed warm-up run, so
the OS file cache and ``__pycache__`` are warm: this measures interpreter and
import work, not disk). Runs use the ``inctrack`` script next to
``sys.executable`` and a fresh SQLite file in a temporary directory; nothing
touches the user's own database or config. Prints Markdown for
docs/performance.md and exits 1 if ``import inctrack.cli`` loads the ORM.
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

PYTHON = sys.executable
INCTRACK = str(Path(sys.executable).with_name("inctrack"))


def timed(argv: Sequence[str], env: dict[str, str], runs: int) -> list[float]:
    subprocess.run(argv, env=env, check=True, capture_output=True)  # warm-up, untimed
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


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
        cases = [
            ("`python -c pass` (baseline)", [PYTHON, "-c", "pass"]),
            ("`inctrack --help`", [INCTRACK, "--help"]),
            ("`inctrack log ... -q`", [INCTRACK, "log", "Printer on floor 3 jams", "-q"]),
            ("`inctrack list`", [INCTRACK, "list"]),
        ]
        results = [(label, timed(argv, env, runs)) for label, argv in cases]
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
