"""How long `inctrack report patterns` takes over 1,000,000 incidents.

    python bench/patterns.py [-n 3] [--rebuild]

Exits 1 when a command's median time misses the target (2 s).

Builds (once, cached in the temp dir under a name that carries BUILD_VERSION) a
SQLite file through the real schema (``Database.open`` runs the migrations),
then fills ``incidents`` with SQLAlchemy Core ``executemany`` inserts: one
million incidents reported over the three years before the build, keyed by
service, category and subcategory (about 600 keys, a few common and many rare,
some with the service or the category left empty), one in fifty cancelled, one
in a hundred linked to one of 500 problems. Events are not written: the report
reads incidents only. Then it times

- ``inctrack --db FILE report patterns -f json`` as a whole process, with the
  default span (the 90 days before now) and with ``--since`` the first day, so
  that every incident is read (N runs each after an untimed warm-up; min and
  median, and the peak RSS of the process);
- ``patterns.find()`` in this process for the same two queries.

Bump BUILD_VERSION when the shape of the data changes.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import build_only, ensure_cache, finish_build, measure, start_build

BUILD_VERSION = 1
INCIDENTS = 1_000_000
DAYS = 3 * 365
PROBLEMS = 500
TARGET_SECONDS = 2.0
TARGET_MIB = 200
SEED = 20261127

INCTRACK = str(Path(sys.executable).with_name("inctrack"))
CACHE = Path(tempfile.gettempdir()) / f"inctrack-bench-patterns-v{BUILD_VERSION}.db"

SERVICES = [f"svc{n:02d}" for n in range(40)]
CATEGORIES = {
    "hardware": ("laptop", "printer", "monitor", "dock"),
    "software": ("office", "browser", "erp-client", "install"),
    "network": ("vpn", "wifi", "lan", "dns"),
    "access": ("password", "account", "permissions"),
    "email": ("outlook", "mailbox", "spam"),
    "database": ("performance", "connection"),
}


def keys(rng: random.Random) -> list[tuple[tuple[str | None, str | None, str | None], float]]:
    """About 600 (service, category, subcategory) keys with Zipf-like weights."""
    pairs = [(c, s) for c, subs in CATEGORIES.items() for s in subs]
    chosen: set[tuple[str | None, str | None, str | None]] = set()
    while len(chosen) < 600:
        service: str | None = rng.choice(SERVICES)
        category, sub = rng.choice(pairs)
        roll = rng.random()
        if roll < 0.05:
            service = None
        elif roll < 0.08:
            category, sub = None, None  # type: ignore[assignment]
        chosen.add((service, category, sub))
    ordered = sorted(chosen, key=lambda k: tuple(v or "" for v in k))
    rng.shuffle(ordered)
    return [(key, 1.0 / (rank + 1) ** 0.9) for rank, key in enumerate(ordered)]


def build(path: Path) -> datetime:
    """The database file with its incidents; returns the moment it was built.

    It is built under another name and renamed when complete, so that an
    interrupted build is never mistaken for the cache.
    """
    from sqlalchemy import insert, update

    from inctrack.storage import Database
    from inctrack.storage.models import Counter, Incident, Problem

    partial = start_build(path)
    database = Database.open(str(partial))
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    weighted = keys(rng)
    population = [key for key, _ in weighted]
    weights = [weight for _, weight in weighted]
    problems = [
        {"id": n, "title": f"Problem {n}", "description": None, "status": "open",
         "root_cause": None, "workaround": None, "created_at": start, "created_by": "bench",
         "updated_at": start, "resolved_at": None, "closed_at": None}
        for n in range(1, PROBLEMS + 1)
    ]  # fmt: skip
    incident_table, counter_table = Incident.__table__, Counter.__table__
    with database.transaction(write=True) as session:
        connection = session.connection()
        connection.execute(insert(Problem.__table__), problems)
        # Numbers follow the time of report, as they do on a real desk.
        offsets = sorted(rng.randrange(DAYS * 86400) for _ in range(INCIDENTS))
        for chunk in range(0, INCIDENTS, 50_000):
            rows = []
            for number in range(chunk + 1, min(chunk + 50_000, INCIDENTS) + 1):
                service, category, sub = rng.choices(population, weights)[0]
                reported = start + timedelta(seconds=offsets[number - 1])
                rows.append(_incident(number, reported, service, category, sub, rng))
            connection.execute(insert(incident_table), rows)
        next_number = update(counter_table)
        connection.execute(next_number.where(counter_table.c.name == "incident"),
                           {"value": INCIDENTS})  # fmt: skip
        connection.execute(next_number.where(counter_table.c.name == "problem"),
                           {"value": PROBLEMS})  # fmt: skip
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("ANALYZE")
    database.dispose()
    finish_build(partial, path)
    return now


def _incident(
    number: int, reported: datetime, service: str | None, category: str | None,
    sub: str | None, rng: random.Random,
) -> dict[str, Any]:  # fmt: skip
    status = "cancelled" if rng.random() < 0.02 else rng.choice(("closed",) * 8 + ("resolved",
                                                                 "in_progress"))  # fmt: skip
    problem = rng.randrange(1, PROBLEMS + 1) if rng.random() < 0.01 else None
    return {
        "id": number, "title": f"Incident {number}", "description": None,
        "reporter": f"user{rng.randrange(5000)}", "reporter_contact": None,
        "reported_at": reported, "logged_at": reported, "logged_by": "bench",
        "channel": "phone", "service": service, "category": category, "subcategory": sub,
        "impact": "medium", "urgency": "medium", "priority": "P3", "status": status,
        "hold_reason": None, "tier": 1, "assignment_group": None, "assignee": None,
        "owner": "bench", "major": False, "roles": {}, "resolution_code": None,
        "resolution_note": None, "responded_at": None, "resolved_at": None, "closed_at": None,
        "closed_by": None, "confirmed_by": None, "reopen_count": 0, "reassignment_count": 0,
        "dedup_key": None, "occurrences": 1, "problem_id": problem, "duplicate_of": None,
        "external_id": None, "updated_at": reported,
    }  # fmt: skip


def timed_process(path: Path, runs: int, extra: list[str]) -> tuple[list[float], float, int, int]:
    """Seconds per run, the peak RSS (MiB) of the runs, candidates and incidents in them."""
    argv = [INCTRACK, "--db", str(path), "report", "patterns", "-L", "0", "-f", "json", *extra]
    times, peak, out = measure(argv, runs)
    candidates = json.loads(out)
    return times, peak, len(candidates), sum(c["count"] for c in candidates)


def timed_in_process(path: Path, since: datetime | None) -> tuple[float, int]:
    from inctrack.problems import patterns
    from inctrack.storage import Database

    database = Database.open(str(path))
    try:
        with database.transaction(write=False) as session:
            began = time.perf_counter()
            found = patterns.find(
                session, patterns.PatternQuery(since=since), now=datetime.now(UTC)
            )
            return time.perf_counter() - began, len(found)
    finally:
        database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="Ignore the cached file.")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.build_only:
        return build_only(CACHE, build)
    ensure_cache(CACHE, __file__, rebuild=options.rebuild)
    size = CACHE.stat().st_size / 2**20
    first_day = (datetime.now(UTC) - timedelta(days=DAYS + 30)).date().isoformat()

    print(f"\n{INCIDENTS:,} incidents over {DAYS} days, {size:.0f} MiB; Python "
          f"{platform.python_version()} on {platform.system()} {platform.machine()}")  # fmt: skip
    print("| what | incidents read | candidates (incidents in them) | min | median | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    missed = False
    for label, extra, since, read in (
        ("default: the last 90 days", [], None, "~82,000"),
        (f"`--since {first_day}`: all of them", ["--since", first_day],
         datetime.fromisoformat(first_day).replace(tzinfo=UTC), f"{INCIDENTS:,}"),
    ):  # fmt: skip
        times, rss, found, members = timed_process(CACHE, options.runs, extra)
        inside, _ = timed_in_process(CACHE, since)
        median = statistics.median(times)
        missed |= median > TARGET_SECONDS or rss > TARGET_MIB
        print(f"| `report patterns -f json` {label} (process) | {read} | {found:,} "
              f"({members:,}) | {min(times):.2f} s | {median:.2f} s | {rss:.0f} MiB |")  # fmt: skip
        print(f"| `patterns.find()` {label} (in process) | | | {inside:.2f} s | | |")
    print(f"\ntarget: under {TARGET_SECONDS:.0f} s and {TARGET_MIB} MiB for the whole command: "
          + ("MISSED" if missed else "met"))  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
