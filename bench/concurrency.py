"""Many writers on one database at once: is anything lost, duplicated or forked?

    python bench/concurrency.py [--writers 8] [--logs 50] [--db URL]

Starts ``--writers`` processes together; each runs ``inctrack log ... -q`` ``--logs``
times in a row against ONE database: a new SQLite file in a temporary directory, or,
with ``--db URL``, a new schema on that PostgreSQL server (dropped afterwards). The
defaults are 8 x 50 on SQLite and 8 x 25 on PostgreSQL. Then it checks:

- every ``log`` exited 0 (exit 6, "busy", is counted and reported, not hidden),
- the database holds exactly one incident per successful ``log``, their numbers are
  unique and contiguous from INC-1, and they are the IDs the writers printed,
- ``inctrack db verify`` (hash chain unforked, versions right) and ``db check`` pass.

It prints one table row and exits 1 when a check fails. Timings are measurements of
this machine, not targets.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from import_export import fresh_pg

INCTRACK = str(Path(sys.executable).with_name("inctrack"))


def bench_env(home: str) -> dict[str, str]:
    """A user's environment of its own: no colour, own config and data directories."""
    env = {
        **os.environ, "INCTRACK_USER": "bench", "NO_COLOR": "1",
        "INCTRACK_CONFIG": str(Path(home) / "config.toml"),
        "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home,
    }  # fmt: skip
    for name in ("INCTRACK_FORMAT", "INCTRACK_DB"):
        env.pop(name, None)
    return env


def sql_url(db: str) -> str:
    return db if "://" in db else f"sqlite:///{db}"


_QUERY = """
import json, sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.connect() as c:
    print(json.dumps([list(r) for r in c.execute(text(sys.argv[2]))]))
"""


def query(db: str, statement: str) -> list[list[object]]:
    """Rows of ``statement``, read in a child process (this one stays free of SQLAlchemy)."""
    import json

    out = subprocess.run(
        [sys.executable, "-c", _QUERY, sql_url(db), statement],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    rows: list[list[object]] = json.loads(out.stdout)
    return rows


def inctrack(db: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([INCTRACK, "--db", db, *args], env=env, capture_output=True, text=True)


def verdict(db: str, env: dict[str, str]) -> tuple[bool, str]:
    """``db verify`` and ``db check``: both pass, and what to print."""
    verify, check = inctrack(db, env, "db", "verify"), inctrack(db, env, "db", "check")
    good = verify.returncode == 0 and check.returncode == 0
    said = f"verify {verify.returncode}, check {check.returncode}"
    if not good:
        print(verify.stdout, verify.stderr, check.stdout, check.stderr, sep="\n", file=sys.stderr)
    return good, ("ok" if good else "FAILED: ") + ("" if good else said)


def writer(
    number: int, logs: int, db: str, env: dict[str, str], start: threading.Barrier,
    exits: Counter[int], printed: list[str], errors: list[str], lock: threading.Lock,
) -> None:  # fmt: skip
    start.wait()
    for n in range(1, logs + 1):
        done = inctrack(db, env, "log", f"writer {number} log {n}", "-q")
        with lock:
            exits[done.returncode] += 1
            if done.returncode == 0:
                printed.append(done.stdout.strip())
            elif len(errors) < 5:
                errors.append(f"writer {number} log {n}: exit {done.returncode}: {done.stderr}")


def run(writers: int, logs: int, db: str, env: dict[str, str]) -> int:
    init = inctrack(db, env, "db", "init")
    if init.returncode != 0:
        raise SystemExit(f"db init failed: {init.stderr}")
    start = threading.Barrier(writers + 1)
    exits: Counter[int] = Counter()
    printed: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    shared = (start, exits, printed, errors, lock)
    threads = [
        threading.Thread(target=writer, args=(w, logs, db, env, *shared))
        for w in range(1, writers + 1)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began

    problems: list[str] = []
    ids = sorted(int(row[0]) for row in query(db, "SELECT id FROM incidents"))  # type: ignore[call-overload]
    if len(ids) != exits[0]:
        problems.append(f"{len(ids)} incidents for {exits[0]} successful logs")
    if len(set(ids)) != len(ids) or ids != list(range(1, len(ids) + 1)):
        problems.append("incident numbers not unique and contiguous from 1")
    if sorted(printed) != sorted(f"INC-{n}" for n in ids) or len(set(printed)) != len(printed):
        problems.append("the printed IDs are not the stored ones, once each")
    bad_exits = {code: count for code, count in exits.items() if code not in (0, 6)}
    if bad_exits:
        problems.append(f"exits other than 0 and 6: {bad_exits}")
    good, said = verdict(db, env)
    if not good:
        problems.append(said)

    histogram = ", ".join(f"{code}: {count}" for code, count in sorted(exits.items()))
    store = "PostgreSQL" if "://" in db else "SQLite"
    print("| store | writers | logs | wall | logs/s | exits | incidents | verify + check |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    print(
        f"| {store} | {writers} | {writers} x {logs} | {wall:.1f} s | {exits[0] / wall:.1f} "
        f"| {histogram} | {len(ids)} | {said} |"
    )
    if exits[6]:
        print(f"{exits[6]} logs gave up busy (exit 6): nothing written, safe to retry.")
    for line in errors:
        print(line, file=sys.stderr)
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--writers", type=int, default=8)
    parser.add_argument("-m", "--logs", type=int, help="Logs per writer (50 SQLite, 25 PG).")
    parser.add_argument("--db", metavar="URL", help="A PostgreSQL server (a new schema on it).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = bench_env(home)
        if args.db:
            url, drop = fresh_pg(args.db)
            try:
                return run(args.writers, args.logs or 25, url, env)
            finally:
                drop()
        return run(args.writers, args.logs or 50, str(Path(home) / "desk.db"), env)


if __name__ == "__main__":
    sys.exit(main())
