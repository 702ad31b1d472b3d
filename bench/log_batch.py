"""How long `inctrack log --batch` takes for 10,000 JSON lines into a fresh SQLite file.

    python bench/log_batch.py [-n 3] [--lines 10000]

Exits 1 when the command's median time misses the target (3 s for the whole process).

Writes a seeded batch file (titles, categories from the default taxonomy, impact
and urgency, channels, back-dated ``reported_at`` over the last day, and one line
in ten repeating one of 200 dedup keys), then for each run

- creates a fresh SQLite file with ``inctrack db init`` (untimed: creating and
  migrating a file is the same for every command), and times
  ``inctrack --db FILE log --batch LINES -q`` as a whole process, and
- in this process, on another fresh file, times the phases: reading the lines
  (``parse_batch``), validating and writing them (``Intake.log_batch``), and the
  commit,

and prints the figures with the peak RSS of the command (``wait4``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

LINES = 10_000
TARGET_SECONDS = 3.0
SEED = 20261127
INCTRACK = str(Path(sys.executable).with_name("inctrack"))

CATEGORIES = ("hardware/printer", "hardware/laptop", "network/vpn", "network/wifi",
              "email/outlook", "access/password-reset", "software/application", None)  # fmt: skip
LEVELS = ("high", "medium", "low", None)
CHANNELS = ("monitoring", "email", "phone", "portal")


def batch_lines(count: int) -> bytes:
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    out = []
    for n in range(1, count + 1):
        line: dict[str, str] = {
            "title": f"Alert {n}: {rng.choice(('disk', 'cpu', 'vpn', 'mail'))} on host{n % 97}",
            "channel": rng.choice(CHANNELS),
            "reported_at": (now - timedelta(seconds=rng.randrange(86400))).isoformat(),
        }
        category, impact, urgency = rng.choice(CATEGORIES), rng.choice(LEVELS), rng.choice(LEVELS)
        if category:
            line["category"] = category
        if impact and urgency:
            line |= {"impact": impact, "urgency": urgency}
        if rng.random() < 0.1:
            line["dedup_key"] = f"check-{rng.randrange(200)}"
        out.append(json.dumps(line))
    return ("\n".join(out) + "\n").encode("utf-8")


def fresh_database(directory: Path, name: str, env: dict[str, str]) -> Path:
    path = directory / name
    subprocess.run([INCTRACK, "--db", str(path), "db", "init"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return path


def timed_process(batch: Path, directory: Path, runs: int, env: dict[str, str]) -> tuple:
    times, peak, printed = [], 0.0, 0
    for run in range(runs):
        db = fresh_database(directory, f"process-{run}.db", env)
        argv = [INCTRACK, "--db", str(db), "log", "--batch", str(batch), "-q"]
        began = time.perf_counter()
        with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE) as process:
            assert process.stdout is not None
            out = process.stdout.read()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        times.append(time.perf_counter() - began)
        if process.returncode != 0:
            raise SystemExit(f"inctrack exited {process.returncode}")
        peak = max(peak, usage.ru_maxrss / 1024)
        printed = len(out.splitlines())
    return times, peak, printed


def timed_in_process(data: bytes, directory: Path, env: dict[str, str]) -> dict[str, float | int]:
    from inctrack.clock import SystemClock
    from inctrack.incidents.requests import parse_batch
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage import Database

    db = fresh_database(directory, "in-process.db", env)
    database = Database.open(str(db))
    try:
        began = time.perf_counter()
        lines = parse_batch(data, when=lambda text: datetime.fromisoformat(text))
        parsed = time.perf_counter()
        with database.transaction(write=True) as session:
            tracker = Tracker(session, clock=SystemClock(), actor="bench")
            results = tracker.intake.log_batch(lines)
            written = time.perf_counter()
        committed = time.perf_counter()
    finally:
        database.dispose()
    created = sum(1 for r in results if r.created)
    return {"parse": parsed - began, "write": written - parsed, "commit": committed - written,
            "created": created, "repeats": len(results) - created}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3)
    parser.add_argument("--lines", type=int, default=LINES)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        directory = Path(home)
        env = {
            **os.environ, "INCTRACK_USER": "bench", "NO_COLOR": "1",
            "INCTRACK_CONFIG": str(directory / "config.toml"), "INCTRACK_TIMEZONE": "UTC",
            "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home,
        }  # fmt: skip
        for name in ("INCTRACK_FORMAT", "INCTRACK_HOOKS_DIR"):
            env.pop(name, None)
        data = batch_lines(options.lines)
        batch = directory / "batch.jsonl"
        batch.write_bytes(data)
        times, peak, printed = timed_process(batch, directory, options.runs, env)
        inside = timed_in_process(data, directory, env)

    size = len(data) / 2**20
    print(f"\n{options.lines:,} lines ({size:.1f} MiB), {inside['created']:,} incidents and "
          f"{inside['repeats']:,} repeats; Python {platform.python_version()} on "
          f"{platform.system()} {platform.machine()}")  # fmt: skip
    median = statistics.median(times)
    print("| what | min | median | peak RSS |")
    print("| --- | --- | --- | --- |")
    print(f"| `inctrack log --batch FILE -q` (process, {options.runs} runs, {printed:,} IDs) "
          f"| {min(times):.2f} s | {median:.2f} s | {peak:.0f} MiB |")  # fmt: skip
    print(f"| `parse_batch` in process | {inside['parse']:.2f} s | | |")
    print(f"| `Intake.log_batch` in process | {inside['write']:.2f} s | | |")
    print(f"| commit | {inside['commit']:.2f} s | | |")
    slow = median > TARGET_SECONDS
    print(f"\ntarget: under {TARGET_SECONDS:.0f} s for the whole command: "
          + ("MISSED" if slow else "met"))  # fmt: skip
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
