"""How long `inctrack statuspage build` takes over 1,000,000 incidents, 1,000 of them public.

    python bench/statuspage.py [-n 3] [--rebuild]

Exits 1 when the median time of the whole command misses the target (3 s).

Builds (once, cached in the temp dir under a name that carries BUILD_VERSION) a
SQLite file through the real schema (``Database.open`` runs the migrations) and
fills it with SQLAlchemy Core ``executemany`` inserts: 40 registered services,
one million incidents reported over the year before the build, and for 1,000 of
them (one every thousand) three public updates and one internal one (with their
timeline events) and the status changes they caused (an outage of one to four
hours, then operational again); 20 maintenance windows, half of them to come.
Then it times ``inctrack --db FILE statuspage build DIR --base-url …`` as a whole
process (N runs after an untimed warm-up; min, median and peak RSS) and reports
what it wrote.

Bump BUILD_VERSION when the shape of the data changes.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import build_only, ensure_cache, finish_build, measure, start_build

BUILD_VERSION = 1
INCIDENTS = 1_000_000
PUBLIC_EVERY = 1_000
DAYS = 365
SERVICES = 40
TARGET_SECONDS = 3.0
SEED = 20261206

INCTRACK = str(Path(sys.executable).with_name("inctrack"))
CACHE = Path(tempfile.gettempdir()) / f"inctrack-bench-statuspage-v{BUILD_VERSION}.db"
STATES = ("investigating", "identified", "resolved")


def build(path: Path) -> datetime:
    """The database file; returns the moment it was built."""
    from sqlalchemy import insert, update

    from inctrack.storage import Database
    from inctrack.storage.models import (
        Counter,
        Event,
        Incident,
        MaintenanceWindow,
        Service,
        ServiceStatusChange,
        Update,
    )  # fmt: skip

    partial = start_build(path)
    database = Database.open(str(partial))
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    names = [f"svc{n:02d}" for n in range(SERVICES)]
    with database.transaction(write=True) as session:
        connection = session.connection()
        connection.execute(insert(Service.__table__), [
            {"id": n + 1, "name": name, "folded": name, "title": f"Service {n}",
             "group_name": None, "description": None, "status": "operational",
             "manual_status": None, "manual_reason": None, "retired_at": None,
             "created_at": start}
            for n, name in enumerate(names)
        ])  # fmt: skip
        offsets = sorted(rng.randrange(DAYS * 86400) for _ in range(INCIDENTS))
        events: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for chunk in range(0, INCIDENTS, 50_000):
            rows = []
            for number in range(chunk + 1, min(chunk + 50_000, INCIDENTS) + 1):
                reported = start + timedelta(seconds=offsets[number - 1])
                service = rng.randrange(SERVICES)
                rows.append(_incident(number, reported, names[service], rng))
                if number % PUBLIC_EVERY == 0:
                    _tell(number, reported, service + 1, rng, events, updates, changes)
            connection.execute(insert(Incident.__table__), rows)
        connection.execute(insert(Event.__table__), events)
        connection.execute(insert(Update.__table__), updates)
        connection.execute(insert(ServiceStatusChange.__table__), changes)
        connection.execute(insert(MaintenanceWindow.__table__), [
            {"id": n, "service_id": n, "starts_at": now + timedelta(days=n - 10),
             "ends_at": now + timedelta(days=n - 10, hours=2), "message": f"Upgrade {n}",
             "created_at": start, "created_by": "bench", "cancelled_at": None,
             "cancelled_by": None}
            for n in range(1, 21)
        ])  # fmt: skip
        counters = Counter.__table__
        for name, value in (("incident", INCIDENTS), ("maintenance", 20)):
            connection.execute(update(counters).where(counters.c.name == name), {"value": value})
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("ANALYZE")
    database.dispose()
    finish_build(partial, path)
    return now


def _incident(number: int, reported: datetime, service: str, rng: random.Random) -> dict[str, Any]:
    return {
        "id": number, "title": f"Incident {number}", "description": None,
        "reporter": f"user{rng.randrange(5000)}", "reporter_contact": None,
        "reported_at": reported, "logged_at": reported, "logged_by": "bench",
        "channel": "phone", "service": service, "category": None, "subcategory": None,
        "impact": "medium", "urgency": "medium", "priority": "P3", "status": "closed",
        "hold_reason": None, "tier": 1, "assignment_group": None, "assignee": None,
        "owner": "bench", "major": False, "roles": {}, "resolution_code": None,
        "resolution_note": None, "responded_at": None, "resolved_at": None, "closed_at": None,
        "closed_by": None, "confirmed_by": None, "reopen_count": 0, "reassignment_count": 0,
        "dedup_key": None, "occurrences": 1, "problem_id": None, "duplicate_of": None,
        "external_id": None, "updated_at": reported,
    }  # fmt: skip


def _tell(
    number: int, reported: datetime, service_id: int, rng: random.Random,
    events: list[dict[str, Any]], updates: list[dict[str, Any]], changes: list[dict[str, Any]],
) -> None:  # fmt: skip
    """Four updates (three public) on incident ``number`` and the outage it caused."""
    hours = rng.randint(1, 4)
    told = [(STATES[0], 0, True), (STATES[0], 10, False), (STATES[1], 30, True),
            (STATES[2], 60 * hours, True)]  # fmt: skip
    for state, minutes, public in told:
        at = reported + timedelta(minutes=minutes)
        events.append({"id": len(events) + 1, "incident_id": number, "at": at,
                       "recorded_at": at, "actor": "bench", "kind": "update", "field": "state",
                       "old": None, "new": state, "message": f"Update {state}"})  # fmt: skip
        updates.append({"incident_id": number, "event_id": len(events), "at": at,
                        "actor": "bench", "state": state, "public": public,
                        "message": f"Update {state} on {number}"})  # fmt: skip
    for status, at in (("major-outage", reported), ("operational", reported +
                                                    timedelta(hours=hours))):  # fmt: skip
        changes.append({"service_id": service_id, "at": at, "recorded_at": at, "actor": "bench",
                        "old": None, "status": status, "cause": "incident",
                        "incident_id": number, "reason": None})  # fmt: skip


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
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        argv = [INCTRACK, "--db", str(CACHE), "statuspage", "build", str(site),
                "--base-url", "https://status.example.com", "-f", "json"]  # fmt: skip
        times, rss, out = measure(argv, options.runs)
        written = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 2**20
        shutil.rmtree(site)
    built = json.loads(out)
    median = statistics.median(times)
    print(f"\n{INCIDENTS:,} incidents over {DAYS} days, {size:.0f} MiB; Python "
          f"{platform.python_version()} on {platform.system()} {platform.machine()}")  # fmt: skip
    print("| what | public incidents (updates) | files (MiB) | min | median | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| `statuspage build` (process) | {built['public_incidents']:,} "
          f"({built['public_updates']:,}) | {built['files']:,} ({written:.1f}) | "
          f"{min(times):.2f} s | {median:.2f} s | {rss:.0f} MiB |")  # fmt: skip
    missed = median > TARGET_SECONDS
    print(f"\ntarget: under {TARGET_SECONDS:.0f} s: " + ("MISSED" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
