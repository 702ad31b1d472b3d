"""How long `inctrack report sla` takes on a big desk: 100,000 incidents, 10,000 open.

    python bench/sla_report.py [-n 3] [--rebuild]

Exits 1 when the command's median time misses the target (2 s).

Builds (once, cached in the temp dir under a name that carries BUILD_VERSION) a
SQLite file through the real schema (``Database.open`` runs the migrations),
then fills ``incidents`` and ``events`` with SQLAlchemy Core bulk inserts: every
incident gets its ``logged`` event and the status events of its life (responded,
held, resolved, closed, cancelled), priorities spread over P1-P4, reports spread
over the 90 days before the build. Then it times

- ``inctrack --db FILE report sla -f json`` and the default table as whole
  processes (N runs each after an untimed warm-up; min and median), and
- ``Tracker.sla_report()`` in this process (and the records the command prints),

and prints the figures with the peak RSS of the processes (``getrusage``).
Bump BUILD_VERSION when the shape of the data changes.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import build_only, ensure_cache, finish_build, measure, start_build

BUILD_VERSION = 1
INCIDENTS = 100_000
OPEN = 10_000
DAYS = 90
TARGET_SECONDS = 2.0
SEED = 20261120

INCTRACK = str(Path(sys.executable).with_name("inctrack"))
CACHE = Path(tempfile.gettempdir()) / f"inctrack-bench-sla-v{BUILD_VERSION}.db"

PRIORITIES = (("P1", "high", "high", 5), ("P2", "high", "medium", 15),
              ("P3", "medium", "medium", 50), ("P4", "medium", "low", 30))  # fmt: skip
"""(priority, impact, urgency, weight %)."""
OPEN_STATUSES = (("new", 25), ("in_progress", 55), ("on_hold", 20))
DONE_STATUSES = (("closed", 85), ("resolved", 10), ("cancelled", 5))
GROUPS = ("service-desk", "network", "servers", "apps", None)
ACTORS = ("ann", "bob", "cat", "dan")


def build(path: Path) -> datetime:
    """The database file with its incidents and events; returns the moment it was built.

    It is built under another name and renamed when complete, so that an
    interrupted build is never mistaken for the cache.
    """
    from sqlalchemy import insert, update

    from inctrack.storage import Database
    from inctrack.storage.models import Counter, Event, Incident

    partial = start_build(path)
    database = Database.open(str(partial))
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    open_ids = set(rng.sample(range(1, INCIDENTS + 1), OPEN))
    incidents: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number in range(1, INCIDENTS + 1):
        priority, impact, urgency, _ = _pick(rng, PRIORITIES)
        reported = start + timedelta(seconds=rng.randrange(DAYS * 86400 - 3600))
        actor = rng.choice(ACTORS)
        status = _pick(rng, OPEN_STATUSES if number in open_ids else DONE_STATUSES)[0]
        row = _incident(number, reported, actor, priority, impact, urgency, rng)
        history = _history(status, reported, now, rng)
        events.append(_event(number, reported, actor, "logged", None, None, row["title"]))
        previous = "new"
        for kind, new, when in history:
            events.append(_event(number, when, actor, kind, previous, new, None))
            previous = new
            if kind == "responded":
                row["responded_at"] = when
            elif kind == "resolved":
                row.update(resolved_at=when, resolution_code="fixed", resolution_note="fixed")
            elif kind == "closed":
                row.update(closed_at=when, closed_by=actor, confirmed_by=row["reporter"])
            elif kind == "held":
                row["hold_reason"] = "awaiting-vendor"
        row["status"] = previous
        row["updated_at"] = history[-1][2] if history else reported
        incidents.append(row)
    incident_table, event_table, counter_table = (
        Incident.__table__, Event.__table__, Counter.__table__,
    )  # fmt: skip
    with database.transaction(write=True) as session:
        connection = session.connection()
        for chunk in range(0, len(incidents), 10_000):
            connection.execute(insert(incident_table), incidents[chunk : chunk + 10_000])
        for chunk in range(0, len(events), 20_000):
            connection.execute(insert(event_table), events[chunk : chunk + 20_000])
        next_number = update(counter_table).where(counter_table.c.name == "incident")
        connection.execute(next_number.values(value=INCIDENTS))
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("ANALYZE")
    database.dispose()
    finish_build(partial, path)
    return now


def _pick(rng: random.Random, choices: Any) -> Any:
    weights = [c[-1] for c in choices]
    return rng.choices(choices, weights=weights)[0]


def _incident(
    number: int, reported: datetime, actor: str, priority: str, impact: str, urgency: str,
    rng: random.Random,
) -> dict[str, Any]:  # fmt: skip
    return {
        "id": number, "title": f"Incident {number}", "description": None,
        "reporter": f"user{rng.randrange(5000)}", "reporter_contact": None,
        "reported_at": reported, "logged_at": reported, "logged_by": actor,
        "channel": rng.choice(("phone", "email", "portal", "monitoring")),
        "service": rng.choice(("mail", "vpn", "erp", "wiki")), "category": None,
        "subcategory": None, "impact": impact, "urgency": urgency, "priority": priority,
        "status": "new", "hold_reason": None, "tier": 1,
        "assignment_group": rng.choice(GROUPS), "assignee": None, "owner": actor,
        "major": False, "roles": {}, "resolution_code": None, "resolution_note": None,
        "responded_at": None, "resolved_at": None, "closed_at": None, "closed_by": None,
        "confirmed_by": None, "reopen_count": 0, "reassignment_count": 0, "dedup_key": None,
        "occurrences": 1, "problem_id": None, "duplicate_of": None, "updated_at": reported,
    }  # fmt: skip


def _history(
    status: str, reported: datetime, now: datetime, rng: random.Random
) -> list[tuple[str, str, datetime]]:
    """(kind, new status, when) of the status changes that lead to ``status``."""
    steps = {
        "new": [],
        "in_progress": [("responded", "in_progress")],
        "on_hold": [("responded", "in_progress"), ("held", "on_hold")],
        "resolved": [("responded", "in_progress"), ("resolved", "resolved")],
        "closed": [("responded", "in_progress"), ("resolved", "resolved"), ("closed", "closed")],
        "cancelled": [("cancelled", "cancelled")],
    }[status]
    room = (now - reported).total_seconds()
    when, out = reported, []
    for kind, new in steps:
        when += timedelta(seconds=rng.uniform(0.0, room / (len(steps) + 1)))
        out.append((kind, new, when.replace(microsecond=0)))
    return out


def _event(
    number: int, when: datetime, actor: str, kind: str, old: str | None, new: str | None,
    message: str | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "incident_id": number, "at": when, "recorded_at": when, "actor": actor, "kind": kind,
        "field": None if kind == "logged" else "status", "old": old, "new": new,
        "message": message,
    }  # fmt: skip


def timed_process(path: Path, runs: int, fmt: str) -> tuple[list[float], float, int]:
    """Seconds per run, the peak RSS (MiB) of the runs, and how many incidents were
    listed (counted in JSON; 0 for the table)."""
    argv = [INCTRACK, "--db", str(path), "report", "sla", "-f", fmt]
    times, peak, out = measure(argv, runs)
    return times, peak, len(json.loads(out)) if fmt == "json" else 0


def timed_in_process(path: Path) -> dict[str, float | int]:
    from inctrack.clock import SystemClock
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage import Database

    database = Database.open(str(path))
    try:
        with database.transaction(write=False) as session:
            tracker = Tracker(session, clock=SystemClock(), actor="bench")
            began = time.perf_counter()
            found = tracker.sla_report()
            report = time.perf_counter() - began
            records = [tracker.record(c.incident, clocks=c) for c in found]
            with_records = time.perf_counter() - began
    finally:
        database.dispose()
    breached = sum(1 for c in found if c.worst == "breached")
    return {"report": report, "with_records": with_records, "found": len(records),
            "breached": breached}  # fmt: skip


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

    times, child_rss, found = timed_process(CACHE, options.runs, "json")
    table_times, table_rss, _ = timed_process(CACHE, options.runs, "table")
    inside = timed_in_process(CACHE)
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\n{INCIDENTS:,} incidents, {OPEN:,} open, {size:.0f} MiB; Python "
          f"{platform.python_version()} on {platform.system()} {platform.machine()}")  # fmt: skip
    command = f"`inctrack report sla -f json` (process, {options.runs} runs, {found:,} listed)"
    library = (
        f"`Tracker.sla_report()` in process ({inside['found']:,} found, "
        f"{inside['breached']:,} breached)"
    )
    median = max(statistics.median(times), statistics.median(table_times))
    table = f"`inctrack report sla` (the table, process, {options.runs} runs)"
    print("| what | min | median | peak RSS |")
    print("| --- | --- | --- | --- |")
    print(f"| {command} | {min(times):.2f} s | {statistics.median(times):.2f} s "
          f"| {child_rss:.0f} MiB |")  # fmt: skip
    print(f"| {table} | {min(table_times):.2f} s | {statistics.median(table_times):.2f} s "
          f"| {table_rss:.0f} MiB |")  # fmt: skip
    print(f"| {library} | {inside['report']:.2f} s | | {own_rss:.0f} MiB |")
    print(f"| the same and its records | {inside['with_records']:.2f} s | | |")
    slow = median > TARGET_SECONDS
    print(f"\ntarget: under {TARGET_SECONDS:.0f} s for the whole command, in either format: "
          + ("MISSED" if slow else "met"))  # fmt: skip
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
