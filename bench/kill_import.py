"""`kill -9` an import at many moments: is anything ever half-written?

    python bench/kill_import.py [--incidents 20000] [--base 1000] [--points 12] [--db URL]

Writes ``desk.jsonl`` (``--incidents`` incidents with their timelines, about six events
each, as `export` writes them; see ``bench/import_export.py``) to a temporary directory,
and the same rows without their ``id`` (so the import numbers them itself and only the
rows' source keys make a re-run safe). Two variants:

- ``empty``: ``desk.jsonl`` into a new, empty database;
- ``base``: the rows without ``id`` into a database that already holds incidents
  (``--base`` lines of ``log --batch``; the repeats of a dedup key among them are
  counted on one incident, so a few fewer).

For each variant it first times one import to the end, then for ``--points`` delays
from 0.1 s to that duration (each a fraction of the latest whole import's duration,
re-measured as it goes, since the load of a shared machine changes it) it starts
``inctrack import`` on a fresh copy of the database (a new SQLite file; with
``--db URL``, a new schema on that PostgreSQL server, dropped afterwards), sends it
SIGKILL after the delay, and checks:

- the database holds ``before`` or ``before + K`` incidents, never a number between;
- ``db check`` and ``db verify`` pass;
- running the same import again ends with exactly ``before + K`` incidents, and
  ``db verify`` still passes.

One row per delay; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from concurrency import INCTRACK, bench_env, inctrack, query, verdict
from import_export import fresh_pg, write_native
from log_batch import batch_lines

Fresh = Callable[[str], tuple[str, Callable[[], None]]]


def count(db: str) -> int:
    return int(query(db, "SELECT count(*) FROM incidents")[0][0])  # type: ignore[call-overload]


def without_ids(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8") as rows, target.open("w", encoding="utf-8") as out:
        for line in rows:
            record = json.loads(line)
            del record["id"]
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def prepare(db: str, env: dict[str, str], base: Path | None) -> None:
    """``db init`` and, for the ``base`` variant, the incidents already there."""
    for args in (["db", "init"], ["log", "--batch", str(base), "-q"] if base else None):
        if args is None:
            continue
        done = inctrack(db, env, *args)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")


def sqlite_factory(work: Path, env: dict[str, str], base: Path | None, name: str) -> Fresh:
    """Fresh copies of one prepared SQLite file."""
    template = work / f"{name}-template.db"
    prepare(str(template), env, base)

    def fresh(label: str) -> tuple[str, Callable[[], None]]:
        copy = work / f"{name}-{label}.db"
        shutil.copyfile(template, copy)

        def remove() -> None:
            for leftover in (copy, *(Path(f"{copy}{end}") for end in ("-wal", "-shm", "-journal"))):
                leftover.unlink(missing_ok=True)

        return str(copy), remove

    return fresh


def pg_factory(url: str, env: dict[str, str], base: Path | None) -> Fresh:
    """A new schema on the server for each run, prepared the same way."""

    def fresh(label: str) -> tuple[str, Callable[[], None]]:
        db, drop = fresh_pg(url)
        prepare(db, env, base)
        return db, drop

    return fresh


def start_import(db: str, source: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    argv = [INCTRACK, "--db", db, "import", str(source)]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def full_run(fresh: Fresh, source: Path, env: dict[str, str], k: int) -> tuple[float, int]:
    db, drop = fresh("full")
    try:
        before = count(db)
        began = time.perf_counter()
        process = start_import(db, source, env)
        _, err = process.communicate()
        seconds = time.perf_counter() - began
        if process.returncode != 0 or count(db) != before + k:
            raise SystemExit(f"the uncut import failed (exit {process.returncode}): {err.decode()}")
    finally:
        drop()
    return seconds, before


def one_point(
    variant: str, delay: float, fresh: Fresh, source: Path, env: dict[str, str], k: int
) -> tuple[str, bool, float | None]:
    """The row for one delay, whether it passed, and how long the re-run took when it
    was a whole import (nothing survived the kill): a fresh estimate of the duration."""
    db, drop = fresh(f"{delay:.2f}")
    try:
        before = count(db)
        process = start_import(db, source, env)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            outcome = "killed"
        else:
            outcome = f"ended first (exit {process.returncode})"
        assert process.stderr is not None
        process.stderr.close()
        after = count(db)
        whole = after in (before, before + k)
        good, said = verdict(db, env)
        began = time.perf_counter()
        rerun = inctrack(db, env, "import", str(source))
        took = time.perf_counter() - began if after == before else None
        final = count(db)
        again, said_again = verdict(db, env)
        passed = whole and good and rerun.returncode == 0 and final == before + k and again
        if rerun.returncode != 0:
            print(f"re-run exit {rerun.returncode}: {rerun.stderr}", file=sys.stderr)
        row = (
            f"| {variant} | {delay:.2f} s | {outcome} | {after - before:+d} | {said} "
            f"| {rerun.returncode} | {final - before:+d} | {said_again} | "
            f"{'ok' if passed else 'FAILED'} |"
        )
        return row, passed, took
    finally:
        drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--incidents", type=int, default=20_000)
    parser.add_argument("--base", type=int, default=1_000)
    parser.add_argument("--points", type=int, default=12)
    parser.add_argument("--variant", choices=("empty", "base", "both"), default="both")
    parser.add_argument("--db", metavar="URL", help="A PostgreSQL server (new schemas on it).")
    args = parser.parse_args()
    k = args.incidents
    with tempfile.TemporaryDirectory() as home:
        work = Path(home)
        env = bench_env(home)
        desk, anonymous, batch = work / "desk.jsonl", work / "no-ids.jsonl", work / "base.jsonl"
        write_native(desk, k)
        without_ids(desk, anonymous)
        batch.write_bytes(batch_lines(args.base))
        variants = {"empty": (desk, None), "base": (anonymous, batch)}
        if args.variant != "both":
            variants = {args.variant: variants[args.variant]}
        store = "PostgreSQL" if args.db else "SQLite"
        print(f"{store}: K = {k:,} incidents ({desk.stat().st_size / 2**20:.1f} MiB of JSON Lines)")
        rows, failed = [], 0
        for variant, (source, base) in variants.items():
            if args.db:
                fresh = pg_factory(args.db, env, base)
            else:
                fresh = sqlite_factory(work, env, base, variant)
            seconds, before = full_run(fresh, source, env, k)
            print(f"{variant}: {before:,} incidents before; the uncut import took {seconds:.1f} s")
            # The load of a shared machine changes the import's duration from one run to
            # the next: each delay is a fraction of the latest whole import's duration.
            for i in range(args.points):
                delay = max(0.1, seconds * i / max(args.points - 1, 1))
                row, passed, took = one_point(variant, delay, fresh, source, env, k)
                seconds = took or seconds
                print(row, file=sys.stderr, flush=True)  # progress
                rows.append(row)
                failed += not passed
        print()
        print("| variant | kill after | outcome | incidents after kill | verify, check "
              "| re-run exit | incidents after re-run | verify, check | verdict |")  # fmt: skip
        print("| --- | ---: | --- | ---: | --- | ---: | ---: | --- | --- |")
        for row in rows:
            print(row)
        print(f"{len(rows) - failed} of {len(rows)} points passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
