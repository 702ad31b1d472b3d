"""Is `inctrack list` (the open queue, worst first) flat as the desk grows?

    python bench/list_queue.py [-n 5] [--rebuild] [--sizes 10000,100000,1000000]

Builds (once, cached in the temp dir under names that carry BUILD_VERSION and the
size) one SQLite file per size through the real schema (``Database.open`` runs the
migrations): the same 10,000 open incidents in each (new, in progress, on hold;
P1-P4 and untriaged; reported over the last 30 days, with their status events),
and as many closed, resolved or cancelled ones as make up the size (each with its
``logged`` event and the status events of its life), written with plain
``executemany`` inserts (the full-text index paused, then built once, as an import
into an empty database does). The stored clock columns are then filled as an import
fills them (``inctrack.sla.stored.refresh``), and ``ANALYZE`` runs.

Then, size after size in one run, it times ``inctrack --db FILE list`` (the top 50)
and the floor, ``python -c "import typer, rich.table, sqlmodel"``, as whole
processes (N runs each after an untimed warm-up), and prints the medians, each
size's ratio to the floor, the spread of the list medians across sizes, and the
queue's own work in process (``find_records`` and ``count``, 3N runs: no start-up,
so the load of the machine blurs it less).
Exits 1 when a list median is over 1.1x the floor or the medians spread by more
than 10 %. Bump BUILD_VERSION when the shape of the data changes.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import finish_build, measure, start_build

BUILD_VERSION = 1
SIZES = (10_000, 100_000, 1_000_000)
OPEN = 10_000
CHUNK = 50_000
SEED = 20261206
LIMIT = 50
FLOOR_RATIO = 1.1
SPREAD = 0.10

INCTRACK = str(Path(sys.executable).with_name("inctrack"))
FLOOR = [sys.executable, "-c", "import typer, rich.table, sqlmodel"]

PRIORITIES = (("P1", "high", "high", 5), ("P2", "high", "medium", 15),
              ("P3", "medium", "medium", 45), ("P4", "medium", "low", 30),
              (None, None, None, 5))  # fmt: skip
"""(priority, impact, urgency, weight %); None: untriaged."""
OPEN_STATUSES = (("new", 25), ("in_progress", 55), ("on_hold", 20))
DONE_STATUSES = (("closed", 85), ("resolved", 10), ("cancelled", 5))
STEPS = {
    "new": [],
    "in_progress": [("responded", "in_progress")],
    "on_hold": [("responded", "in_progress"), ("held", "on_hold")],
    "resolved": [("responded", "in_progress"), ("resolved", "resolved")],
    "closed": [("responded", "in_progress"), ("resolved", "resolved"), ("closed", "closed")],
    "cancelled": [("cancelled", "cancelled")],
}
ACTORS = ("ann", "bob", "cat", "dan")


def cache(size: int) -> Path:
    return Path(tempfile.gettempdir()) / f"inctrack-bench-queue-v{BUILD_VERSION}-{size}.db"


def build(path: Path, size: int) -> None:
    """The file with ``size`` incidents, :data:`OPEN` of them open (the same ones, on the
    same days, whatever the size), built under another name and renamed when complete."""
    from inctrack import search
    from inctrack.sla import stored
    from inctrack.storage import Database
    from inctrack.storage.bulk import BulkInsert

    partial = start_build(path)
    database = Database.open(str(partial))
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with database.transaction(write=True) as session:
        connection = session.connection()
        paused = search.pause(connection)  # the full-text index, built once at the end
        bulk = BulkInsert(connection)
        for first in range(1, size + 1, CHUNK):
            numbers = range(first, min(first + CHUNK, size + 1))
            rows, events = [], []
            for number in numbers:
                row, history = _incident(number, size, now)
                rows.append((number, row))
                events.extend(history)
            bulk.incidents(rows)
            _events(connection, events)
        counter = "UPDATE counters SET value = ? WHERE name = 'incident'"
        connection.exec_driver_sql(counter, (size,))
        opened = connection.exec_driver_sql(
            "SELECT id FROM incidents WHERE status IN ('new', 'in_progress', 'on_hold')"
        )
        stored.refresh(connection, [int(i) for (i,) in opened])
        search.resume(paused, kinds=[search.INCIDENT.name])
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("ANALYZE")
    database.dispose()
    finish_build(partial, path)


def _incident(
    number: int, size: int, now: datetime
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """One incident: the last :data:`OPEN` numbers are the open ones, each drawn from its
    own seed so that the open queue is the same in every file."""
    rng = random.Random(SEED * 10_000_019 + (number - size if number > size - OPEN else number))
    is_open = number > size - OPEN
    priority, impact, urgency, _ = _pick(rng, PRIORITIES)
    status = _pick(rng, OPEN_STATUSES if is_open else DONE_STATUSES)[0]
    days = 30 if is_open else 720
    reported = now - timedelta(seconds=rng.randrange(3600, days * 86400))
    actor = rng.choice(ACTORS)
    row: dict[str, Any] = {
        "title": f"Incident {number}", "description": None, "reporter": f"user{number % 5000}",
        "reporter_contact": None, "reported_at": reported, "logged_at": reported,
        "logged_by": actor, "channel": "email", "service": None, "category": None,
        "subcategory": None, "impact": impact, "urgency": urgency, "priority": priority,
        "status": status, "hold_reason": "awaiting-vendor" if status == "on_hold" else None,
        "tier": 1, "assignment_group": None, "assignee": None, "owner": None, "major": False,
        "roles": {}, "resolution_code": None, "resolution_note": None, "responded_at": None,
        "resolved_at": None, "closed_at": None, "closed_by": None, "confirmed_by": None,
        "reopen_count": 0, "reassignment_count": 0, "dedup_key": None, "occurrences": 1,
        "problem_id": None, "external_id": None, "source_key": None, "updated_at": reported,
        "version": 1,
    }  # fmt: skip
    events = [(number, reported, reported, actor, "logged", None, None, None, row["title"])]
    steps = STEPS[status]
    room = (now - reported).total_seconds() / (len(steps) + 1)
    when, previous = reported, "new"
    for kind, new in steps:
        when = (when + timedelta(seconds=rng.uniform(60, room))).replace(microsecond=0)
        events.append((number, when, when, actor, kind, "status", previous, new, None))
        previous = new
        if kind == "responded":
            row["responded_at"] = when
        elif kind in ("resolved", "cancelled"):
            row["resolved_at"] = when if kind == "resolved" else None
        elif kind == "closed":
            row["closed_at"] = when
    row["updated_at"], row["version"] = when, len(events)
    return row, events


def _events(connection: Any, events: list[tuple[Any, ...]]) -> None:
    """Events as plain rows, unchained (as bench/sla_report.py writes them); times as
    ``UTCDateTime`` stores them in SQLite."""

    def sqlite_time(value: datetime) -> str:
        return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]

    sql = (
        "INSERT INTO events (incident_id, at, recorded_at, actor, kind, field, old, new, "
        "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    rows = [(e[0], sqlite_time(e[1]), sqlite_time(e[2]), *e[3:]) for e in events]
    connection.exec_driver_sql(sql, rows)


def in_process(path: Path, runs: int) -> float:
    """The queue's own work in this process, without start-up and imports: the median
    seconds of ``find_records`` (top :data:`LIMIT`) and ``count``, as ``list`` calls them."""
    import time

    from inctrack.clock import SystemClock
    from inctrack.incidents.queries import IncidentQuery
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage import Database

    database = Database.open(str(path))
    times = []
    for _ in range(runs * 3):
        with database.transaction(write=False) as session:
            began = time.perf_counter()
            tracker = Tracker(session, clock=SystemClock(), actor="bench")
            query = IncidentQuery(limit=LIMIT)
            tracker.find_records(query)
            tracker.count(query)
            times.append(time.perf_counter() - began)
    database.dispose()
    return statistics.median(times)


def _pick(rng: random.Random, choices: Any) -> Any:
    return rng.choices(choices, weights=[c[-1] for c in choices])[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="Ignore the cached files.")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",") if s]
    for size in sizes:
        path = cache(size)
        if options.rebuild or not path.exists():
            began = datetime.now(UTC)
            build(path, size)
            print(f"built {path} in {(datetime.now(UTC) - began).total_seconds():.0f} s")
        else:
            print(f"using cached {path} (delete it or pass --rebuild to build again)")

    print(f"\n{OPEN:,} open incidents in each file; `list` shows the top {LIMIT}; Python "
          f"{platform.python_version()} on {platform.system()} {platform.machine()}")  # fmt: skip
    print("| incidents | `inctrack list` median | floor median | ratio | peak RSS | in process |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    medians, missed = [], []
    for size in sizes:
        argv = [INCTRACK, "--db", str(cache(size)), "list", "--limit", str(LIMIT)]
        times, rss, _ = measure(argv, options.runs)
        floor, _, _ = measure(FLOOR, options.runs)
        median, base = statistics.median(times), statistics.median(floor)
        medians.append(median)
        ratio = median / base
        if ratio > FLOOR_RATIO:
            missed.append(f"{size:,} at {ratio:.2f}x the floor")
        inside = in_process(cache(size), options.runs) * 1000
        print(f"| {size:,} | {median:.3f} s | {base:.3f} s | {ratio:.2f}x | {rss:.0f} MiB "
              f"| {inside:.1f} ms |")  # fmt: skip
    spread = (max(medians) - min(medians)) / min(medians)
    print(f"\nspread of the list medians across sizes: {spread:.1%} (target: within "
          f"{SPREAD:.0%}); ratio to the floor: at most {FLOOR_RATIO}x")  # fmt: skip
    if spread > SPREAD:
        missed.append(f"spread {spread:.1%}")
    print("target: " + (f"MISSED ({'; '.join(missed)})" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
