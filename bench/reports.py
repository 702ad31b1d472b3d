"""How long `report trends`, `report mttr` and `report backlog` take on 1,000,000 incidents.

    python bench/reports.py [-n 3] [--rebuild] [--only trends,mttr]

Exits 1 when a command's median time misses the target (2 s; 1 s for MTTR and trends
over the whole history) or its peak memory the limit (200 MiB).

Builds (once, cached in the temp dir under a name that carries BUILD_VERSION) a
SQLite file through the real schema (``Database.open`` runs the migrations),
then fills ``incidents`` and ``events`` with SQLAlchemy Core ``executemany``
inserts, 50,000 incidents at a time: two years of reports (about 1,370 a day),
each with its ``logged`` event and the status events of its life (responded,
held and resumed for one in ten, resolved, reopened and resolved again for one
in fifty, closed, or cancelled); response and resolution delays are
log-normal, so most incidents meet their SLA and a tail does not. About 1 % are
still open, most of them recent. The business calendar is set to
Europe/London (so weeks and months cross two daylight-saving changes a year).
What the write path stores as incidents change is then computed as migrations do:
the clock outcomes of every incident (``inctrack.sla.outcomes.backfill``) and the
due time of the open ones.

Then it runs each report as a whole process (``inctrack --db FILE report ...
-f json``, N runs after an untimed warm-up) and prints min and median wall
time and the peak RSS of the runs (``wait4``). Bump BUILD_VERSION when the
shape of the data changes.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import statistics
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import build_only, ensure_cache, finish_build, measure, start_build

BUILD_VERSION = 3
INCIDENTS = 1_000_000
DAYS = 730
CHUNK = 50_000
TARGET_SECONDS = 2.0
WHOLE_HISTORY_SECONDS = 1.0
"""Issue 17: whole-history MTTR (calendar and business time) and trends."""
TARGET_MIB = 200.0
STALE_DAYS = 7
"""An older cache is built again: the default reports cover the last 12 weeks from now."""
SEED = 20261127

INCTRACK = str(Path(sys.executable).with_name("inctrack"))
CACHE = Path(tempfile.gettempdir()) / f"inctrack-bench-reports-v{BUILD_VERSION}.db"

PRIORITIES = (
    ("P1", "high", "high", 3),
    ("P2", "high", "medium", 12),
    ("P3", "medium", "medium", 50),
    ("P4", "medium", "low", 35),
)
"""(priority, impact, urgency, weight %)."""
RESPONSE_MEDIAN_MINUTES = {"P1": 6, "P2": 15, "P3": 60, "P4": 240, None: 120}
RESOLUTION_MEDIAN_HOURS = {"P1": 2, "P2": 5, "P3": 14, "P4": 30, None: 24}
CATEGORIES = (
    ("network", "vpn"),
    ("network", "wifi"),
    ("network", "lan"),
    ("network", "dns"),
    ("hardware", "laptop"),
    ("hardware", "printer"),
    ("hardware", "monitor"),
    ("software", "email"),
    ("software", "office"),
    ("software", "erp"),
    ("software", None),
    ("access", "password"),
    ("access", "account"),
    ("access", "permissions"),
    ("security", "phishing"),
    ("security", "malware"),
    (None, None),
)
SERVICES = tuple(f"svc-{n:02d}" for n in range(1, 26))
CHANNELS = ("phone", "email", "chat", "portal", "monitoring", "walk-in", "other")
GROUPS = ("service-desk", "network", "servers", "apps", "desktop", None)
ACTORS = ("ann", "bob", "cat", "dan", "eve")
REPORTS = {
    "trends": "report trends",
    "trends-all": "report trends --since FIRST",
    "trends-daily": "report trends --by service --every day --since FIRST",
    "mttr": "report mttr",
    "mttr-business": "report mttr --business",
    "mttr-all": "report mttr --since FIRST",
    "mttr-all-business": "report mttr --business --since FIRST",
    "backlog": "report backlog",
    "backlog-past": "report backlog --as-of AGO",
}
"""The commands timed, by name (``--only``). FIRST is the first report (so the command
reads all 1,000,000 incidents); AGO is 30 days before the build. Without ``--since``,
trends and MTTR cover the last 12 weeks, about 112,000 incidents here."""
WHOLE = ("-all", "-all-business")
"""The whole-history commands, held to WHOLE_HISTORY_SECONDS."""


def build(path: Path) -> datetime:
    """The database file with its incidents and events; returns the moment it was built.

    It is built under another name and renamed when complete, so that an
    interrupted build is never mistaken for the cache.
    """
    from sqlalchemy import insert, update

    from inctrack.clock import FixedClock
    from inctrack.incidents.tracker import Tracker
    from inctrack.sla.outcomes import backfill
    from inctrack.sla.stored import refresh, scope_ids
    from inctrack.storage import Database
    from inctrack.storage.models import Counter, Event, Incident

    partial = start_build(path)
    database = Database.open(str(partial))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    rng = random.Random(SEED)
    with database.transaction(write=True) as session:
        tracker = Tracker(session, clock=FixedClock(now), actor="bench")
        tracker.settings.set_calendar(timezone="Europe/London", hours="Mon-Fri 09:00-17:00")
        connection = session.connection()
        for incidents, events in _chunks(rng, now):
            connection.execute(insert(Incident.__table__), incidents)  # type: ignore[attr-defined]
            connection.execute(insert(Event.__table__), events)  # type: ignore[attr-defined]
        counters = Counter.__table__  # type: ignore[attr-defined]
        connection.execute(
            update(counters).where(counters.c.name == "incident").values(value=INCIDENTS)
        )
        # What the write path stores as incidents change: the clock outcomes of all,
        # the due time of the open ones (the bulk insert above bypasses it).
        backfill(connection)
        refresh(connection, scope_ids(connection, "open"))
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("ANALYZE")
    database.dispose()
    finish_build(partial, path)
    return now


def _chunks(
    rng: random.Random, now: datetime
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    start = now - timedelta(days=DAYS)
    span = DAYS * 86400
    offsets = sorted(rng.randrange(span) for _ in range(INCIDENTS))
    for first in range(0, INCIDENTS, CHUNK):
        incidents: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for number in range(first + 1, min(first + CHUNK, INCIDENTS) + 1):
            reported = start + timedelta(seconds=offsets[number - 1])
            row, history = _incident(rng, number, reported, now)
            incidents.append(row)
            events.extend(history)
        yield incidents, events


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _incident(
    rng: random.Random, number: int, reported: datetime, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One incident's row and its events, oldest first."""
    age_days = (now - reported).total_seconds() / 86400
    open_chance = 0.6 if age_days < 3 else 0.1 if age_days < 30 else 0.004
    still_open = rng.random() < open_chance
    weights = [p[-1] for p in PRIORITIES]
    priority, impact, urgency, _ = rng.choices(PRIORITIES, weights=weights)[0]
    if still_open and rng.random() < 0.15:
        priority = impact = urgency = None  # untriaged: only ever among open ones
    category, subcategory = rng.choice(CATEGORIES)
    actor = rng.choice(ACTORS)
    row: dict[str, Any] = {
        "id": number,
        "title": f"Incident {number}",
        "description": None,
        "reporter": f"user{rng.randrange(5000)}",
        "reporter_contact": None,
        "reported_at": reported,
        "logged_at": reported,
        "logged_by": actor,
        "channel": rng.choice(CHANNELS),
        "service": rng.choice(SERVICES),
        "category": category,
        "subcategory": subcategory,
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "status": "new",
        "hold_reason": None,
        "tier": 1,
        "assignment_group": rng.choice(GROUPS),
        "assignee": None,
        "owner": actor,
        "major": False,
        "roles": {},
        "resolution_code": None,
        "resolution_note": None,
        "responded_at": None,
        "resolved_at": None,
        "closed_at": None,
        "closed_by": None,
        "confirmed_by": None,
        "reopen_count": 0,
        "reassignment_count": 0,
        "dedup_key": None,
        "occurrences": 1,
        "problem_id": None,
        "duplicate_of": None,
        "external_id": None,
        "updated_at": reported,
    }
    events = [_event(number, reported, actor, "logged", None, None, None, row["title"])]
    status, when = "new", reported

    def move(kind: str, new: str, delay: float, message: str | None = None) -> bool:
        """Move to ``new`` after ``delay`` seconds; False (and no move) past now."""
        nonlocal status, when
        at = (when + timedelta(seconds=delay)).replace(microsecond=0)
        if at > now:
            return False
        events.append(_event(number, at, actor, kind, "status", status, new, message))
        status, when = new, at
        return True

    respond = 60 * _lognormal(rng, RESPONSE_MEDIAN_MINUTES[priority], 1.0)
    work = 3600 * _lognormal(rng, RESOLUTION_MEDIAN_HOURS[priority], 1.2)
    if still_open:
        goal = rng.choices(("new", "in_progress", "on_hold"), weights=(30, 50, 20))[0]
        if goal != "new" and move("responded", "in_progress", min(respond, 600)):
            row["responded_at"] = when
            if goal == "on_hold" and move("held", "on_hold", 60, "awaiting-vendor"):
                row["hold_reason"] = "awaiting-vendor"
    elif rng.random() < 0.03:
        move("cancelled", "cancelled", _lognormal(rng, 1800, 1.0), "duplicate")
    elif move("responded", "in_progress", respond):
        row["responded_at"] = when
        if rng.random() < 0.10 and move("held", "on_hold", work / 3, "awaiting-vendor"):
            row["hold_reason"] = "awaiting-vendor"
            if move("resumed", "in_progress", 3600 * _lognormal(rng, 20, 1.0)):
                row["hold_reason"] = None
        resolved = status == "in_progress" and move("resolved", "resolved", work, "fixed: done")
        if resolved and rng.random() < 0.02 and move("reopened", "in_progress", 72000, "again"):
            row["reopen_count"] = 1
            move("resolved", "resolved", work / 2, "fixed: done")
        if status == "resolved":
            row.update(resolved_at=when, resolution_code="fixed", resolution_note="done")
            if move("closed", "closed", 3600 * _lognormal(rng, 30, 0.8), "confirmed by user"):
                row.update(closed_at=when, closed_by=actor, confirmed_by=row["reporter"])
    row["status"] = status
    row["updated_at"] = when
    return row, events


def _event(
    number: int,
    when: datetime,
    actor: str,
    kind: str,
    field: str | None,
    old: str | None,
    new: str | None,
    message: str | None,
) -> dict[str, Any]:
    return {
        "incident_id": number,
        "at": when,
        "recorded_at": when,
        "actor": actor,
        "kind": kind,
        "field": field,
        "old": old,
        "new": new,
        "message": message,
    }


def timed_process(path: Path, argv: list[str], runs: int) -> tuple[list[float], float, int]:
    """Seconds per run, the peak RSS (MiB) of the runs, and how many rows were printed."""
    import json

    times, peak, out = measure([INCTRACK, "--db", str(path), *argv, "-f", "json"], runs)
    return times, peak, len(json.loads(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="Ignore the cached file.")
    parser.add_argument("--only", default=",".join(REPORTS), help="e.g. trends,mttr")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.build_only:
        return build_only(CACHE, build)
    ensure_cache(CACHE, __file__, rebuild=options.rebuild, stale_days=STALE_DAYS)
    size = CACHE.stat().st_size / 2**20
    since, ago = _moments(CACHE)

    names = [name for name in options.only.split(",") if name]
    unknown = sorted(set(names) - set(REPORTS))
    if unknown:
        parser.error(f"unknown report {', '.join(unknown)}; choose from {', '.join(REPORTS)}")
    print(f"\n{INCIDENTS:,} incidents over {DAYS} days, {size:.0f} MiB; Python "
          f"{platform.python_version()} on {platform.system()} {platform.machine()}")  # fmt: skip
    print("| command | rows | min | median | peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: |")
    missed = []
    for name in names:
        shown = REPORTS[name]
        argv = shown.replace("FIRST", since).replace("AGO", ago).split()
        times, rss, rows = timed_process(CACHE, argv, options.runs)
        median = statistics.median(times)
        target = WHOLE_HISTORY_SECONDS if name.endswith(WHOLE) else TARGET_SECONDS
        flag = " (missed)" if median > target or rss > TARGET_MIB else ""
        print(f"| `inctrack {shown} -f json` | {rows:,} | {min(times):.2f} s | "
              f"{median:.2f} s{flag} | {rss:.0f} MiB |")  # fmt: skip
        if flag:
            missed.append(name)
    print(f"\ntarget: under {TARGET_SECONDS:.0f} s ({WHOLE_HISTORY_SECONDS:.0f} s over the whole "
          f"history) and {TARGET_MIB:.0f} MiB each: "
          + (f"MISSED by {', '.join(missed)}" if missed else "met"))  # fmt: skip
    return 1 if missed else 0


def _moments(path: Path) -> tuple[str, str]:
    """The first report, and 30 days before the last one, as ISO 8601 with an offset."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        first, last = connection.execute(
            "SELECT min(reported_at), max(reported_at) FROM incidents"
        ).fetchone()
    parse = datetime.fromisoformat
    since = parse(str(first)).replace(tzinfo=UTC)
    ago = parse(str(last)).replace(tzinfo=UTC) - timedelta(days=30)
    return since.isoformat(), ago.replace(microsecond=0).isoformat()


if __name__ == "__main__":
    sys.exit(main())
