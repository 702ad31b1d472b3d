"""How fast `inctrack import` and `export` move a big desk, and how much memory they need.

    python bench/import_export.py [--incidents 100000] [--rows 500000] [--pg URL]

Writes its own files to a temporary directory (nothing is downloaded):

- ``desk.jsonl``: 100,000 incidents with their timelines (logged; for half of
  them prioritized afterwards, three events; assigned, responded, sometimes held
  and resumed, resolved, closed: about six events each), in exactly the form
  `export` writes;
- ``servicenow.csv``: a 500,000-row ServiceNow event log (about 100,000
  incidents, five updates each) with the columns of a real export, day-first
  dates, ``?`` for missing values, and the rows of one incident spread over the
  whole file (shuffled), as a real log is.

Then it runs the installed ``inctrack`` in subprocesses, each on a new SQLite
file (and, with ``--pg``, on a new schema of that PostgreSQL server):

1. ``import desk.jsonl`` (timed: incidents/s; peak RSS),
2. ``export`` of the result, checked byte for byte against ``desk.jsonl``,
3. ``import servicenow.csv --from servicenow --dayfirst --null ?``.

Peak RSS is the child's own (``wait4``). Each rate is printed next to its target,
and the run exits 1 when one is missed: import >= 20,000 incidents/s, export >= 30,000
incidents/s, the ServiceNow log >= 25,000 rows/s, every peak RSS <= 300 MiB, and on
PostgreSQL each rate within 1.5x of SQLite's. After the SQLite import it measures the
floor: the same rows inserted with a bare ``executemany`` of plain tuples into a new
file with the same tables and indexes (no parsing, no checks, no chain, no search index).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

INCTRACK = str(Path(sys.executable).with_name("inctrack"))
SEED = 20261127
TARGET_IMPORT = 20_000
"""incidents/s"""
TARGET_EXPORT = 30_000
"""incidents/s"""
TARGET_SN = 25_000
"""rows/s"""
TARGET_MB = 300
PG_FACTOR = 1.5
"""PostgreSQL's rates may be this much slower than SQLite's."""
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)

GROUPS = ("service-desk", "network", "servers", "apps")
PEOPLE = ("ann", "bob", "cat", "dan", "eve")
CATEGORIES = ("network/vpn", "hardware/printer", "email/delivery", "software/application",
              "access/password-reset", None)  # fmt: skip
LEVELS = ("high", "medium", "low")
MATRIX = {("high", "high"): "P1", ("high", "medium"): "P2", ("high", "low"): "P3",
          ("medium", "high"): "P2", ("medium", "medium"): "P3", ("medium", "low"): "P4",
          ("low", "high"): "P3", ("low", "medium"): "P4", ("low", "low"): "P4"}  # fmt: skip


def iso(moment: datetime) -> str:
    return moment.isoformat()


def native_record(number: int, rng: random.Random) -> dict[str, Any]:
    """One incident and its timeline, as `inctrack export` writes it."""
    reported = START + timedelta(seconds=rng.randrange(300 * 86400))
    actor = rng.choice(PEOPLE)
    impact, urgency = rng.choice(LEVELS), rng.choice(LEVELS)
    category = rng.choice(CATEGORIES)
    cat, _, sub = (category or "").partition("/")
    title = f"Incident {number}: {rng.choice(('VPN drops', 'Printer jams', 'Mail bounces'))}"
    events: list[dict[str, Any]] = []
    when = reported

    def event(kind: str, field: str | None = None, old: str | None = None,
              new: str | None = None, message: str | None = None) -> None:  # fmt: skip
        events.append({"at": iso(when), "recorded_at": iso(when), "actor": actor, "kind": kind,
                       "field": field, "old": old, "new": new, "message": message})  # fmt: skip

    def later(limit: int = 8 * 3600) -> datetime:
        return when + timedelta(seconds=rng.randrange(60, limit))

    event("logged", message=title)  # os_login, prev_hash and hash: added by chained()
    when = later()
    if rng.random() < 0.5:  # the other half had impact and urgency from `log`
        event("prioritized", "impact", None, impact)
        event("prioritized", "urgency", None, urgency)
        event("prioritized", "priority", None, MATRIX[(impact, urgency)])
    group = rng.choice(GROUPS)
    event("assigned", "group", None, group)
    status, responded, resolved, closed = "new", None, None, None
    code = note = closed_by = confirmed = None
    fate = rng.random()
    if fate > 0.1:
        when = later()
        responded = when
        status = "in_progress"
        event("responded", "status", "new", "in_progress", "Looking into it")
    if fate > 0.2 and rng.random() < 0.2:
        when = later()
        event("held", "status", "in_progress", "on_hold", "awaiting-vendor")
        when = later(86400)
        event("resumed", "status", "on_hold", "in_progress", "after awaiting-vendor")
    if fate > 0.3:
        when = later(3 * 86400)
        resolved, status, code, note = when, "resolved", "fixed", "Restarted the service"
        event("resolved", "status", "in_progress", "resolved", f"{code}: {note}")
    if fate > 0.4:
        when = later(5 * 86400)
        closed, status, closed_by, confirmed = when, "closed", actor, "the reporter"
        event("closed", "status", "resolved", "closed", "confirmed by the reporter")
    return {
        "id": f"INC-{number}", "title": title, "description": None,
        "reporter": f"user{rng.randrange(5000)}", "reporter_contact": None,
        "reported_at": iso(reported), "logged_at": iso(reported), "logged_by": actor,
        "channel": rng.choice(("phone", "email", "portal", "monitoring")),
        "service": rng.choice(("mail", "vpn", "erp", None)), "category": cat or None,
        "subcategory": sub or None, "impact": impact, "urgency": urgency,
        "priority": MATRIX[(impact, urgency)], "status": status, "hold_reason": None, "tier": 1,
        "group": group, "assignee": None, "owner": actor, "major": False,
        "roles": {"commander": None, "manager": None, "comms": None},
        "resolution_code": code, "resolution_note": note,
        "responded_at": iso(responded) if responded else None,
        "resolved_at": iso(resolved) if resolved else None,
        "closed_at": iso(closed) if closed else None, "closed_by": closed_by,
        "confirmed_by": confirmed, "reopen_count": 0, "reassignment_count": 0,
        "dedup_key": None, "occurrences": 1, "problem": None, "duplicate_of": None,
        "external_id": None, "updated_at": events[-1]["at"], "version": len(events),
        "events": events, "updates": [],
    }  # fmt: skip


def chained(records: list[dict[str, Any]], head: tuple[int, str]) -> tuple[int, str]:
    """Give the events the place in the hash chain an import into an empty database
    gives them (ids from 1 in file order), as `export` writes it; returns the new head."""
    from inctrack.storage.chain import event_hash  # in the generating child only

    last_id, last_hash = head
    for record in records:
        number = int(record["id"].removeprefix("INC-"))
        for event in record["events"]:
            last_id += 1
            event["os_login"], event["prev_hash"] = None, last_hash
            values = {**event, "id": last_id, "incident_id": number,
                      "at": datetime.fromisoformat(event["at"]),
                      "recorded_at": datetime.fromisoformat(event["recorded_at"])}  # fmt: skip
            last_hash = event["hash"] = event_hash(last_hash, values)
    return last_id, last_hash


def write_native(path: Path, count: int) -> None:
    rng = random.Random(SEED)
    head = (0, "0" * 64)
    with path.open("w", encoding="utf-8") as out:
        for number in range(1, count + 1):
            record = native_record(number, rng)
            head = chained([record], head)
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


SN_HEADER = (
    "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,"
    "caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,"
    "sys_updated_at,contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,"
    "urgency,priority,assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,"
    "problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at"
)
SN_LEVELS = ("1 - High", "2 - Medium", "3 - Low")
SN_PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
SN_PATH = ("New", "Active", "Awaiting User Info", "Active", "Resolved", "Closed")


def dayfirst(moment: datetime) -> str:
    return f"{moment.day}/{moment.month}/{moment.year} {moment.hour:02d}:{moment.minute:02d}"


def sn_rows(number: int, rng: random.Random) -> list[str]:
    """The update rows of one incident: five or six states along the usual path."""
    opened = START + timedelta(minutes=rng.randrange(300 * 1440))
    path = SN_PATH if rng.random() < 0.3 else tuple(s for s in SN_PATH if "Awaiting" not in s)
    impact, urgency = rng.randrange(3), rng.randrange(3)
    caller, group = f"Caller {rng.randrange(5000)}", f"Group {rng.randrange(80)}"
    category = rng.randrange(60)
    when, rows = opened, []
    resolved = closed = "?"
    times = []
    for _ in path:
        times.append(when)
        when += timedelta(minutes=rng.randrange(5, 600))
    resolved = dayfirst(times[path.index("Resolved")])
    closed = dayfirst(times[-1])
    for state, updated in zip(path, times, strict=True):
        resolver = "?" if state == "New" else f"Resolver {rng.randrange(200)}"
        rows.append(",".join((
            f"INC{number:07d}", state, "true", "0", "0", "0", "true", caller,
            f"Opened by {rng.randrange(900)}", dayfirst(opened), "Created by 6",
            dayfirst(opened), f"Updated by {rng.randrange(900)}", dayfirst(updated), "Phone",
            f"Location {rng.randrange(200)}", f"Category {category}",
            f"Subcategory {category * 3}", f"Symptom {rng.randrange(500)}", "?",
            SN_LEVELS[impact], SN_LEVELS[urgency], SN_PRIORITIES[min(3, impact + urgency)],
            group, resolver, "true", "false", "Do Not Notify", "?", "?", "?", "?", "code 5",
            f"Resolved by {rng.randrange(200)}", resolved, closed,
        )))  # fmt: skip
    return rows


def write_servicenow(path: Path, rows: int) -> int:
    """About ``rows`` rows in blocks of 50,000, each block shuffled (an incident's rows
    end up thousands of lines apart); returns how many incidents there are."""
    rng = random.Random(SEED + 1)
    written = incidents = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(SN_HEADER + "\n")
        while written < rows:
            block: list[str] = []
            while len(block) < 50_000 and written + len(block) < rows:
                incidents += 1
                block.extend(sn_rows(incidents, rng))
            rng.shuffle(block)
            out.write("\n".join(block) + "\n")
            written += len(block)
    return incidents


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, bytes]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of the child itself (``wait4``, which
    counts no other process), and its stdout."""
    began = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=err)
        assert child.stdout is not None
        out = child.stdout.read()
        child.stdout.close()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - began
        if child.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} exited {child.returncode}: {err.read().decode()}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def fresh_pg(url: str) -> tuple[str, Any]:
    """A new schema on the server, and a function that drops it. SQLAlchemy runs in a
    child process: this one stays small, since a child's peak RSS starts from its
    parent's (the memory it had when it forked)."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"

    def sql(statement: str) -> None:
        code = (
            "import sys\nfrom sqlalchemy import create_engine, text\n"
            "engine = create_engine(sys.argv[1], isolation_level='AUTOCOMMIT')\n"
            "with engine.connect() as c:\n    c.execute(text(sys.argv[2]))\n"
        )
        subprocess.run([sys.executable, "-c", code, url, statement], check=True)

    sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", (
        lambda: sql(f'DROP SCHEMA "{schema}" CASCADE')
    )


def row(what: str, seconds: float, cpu: float, rate: str, rss: float, verdict: str) -> str:
    return f"| {what} | {seconds:.1f} s | {cpu:.1f} s | {rate} | {rss:.0f} MiB | {verdict} |"


class Targets:
    """Each rate against its target (and, on PostgreSQL, against SQLite's rate)."""

    def __init__(self) -> None:
        self.missed: list[str] = []
        self.sqlite: dict[str, float] = {}

    def verdict(self, label: str, what: str, rate: float, target: float, rss: float) -> str:
        wanted = [f">= {target:,.0f}/s"]
        ok = rate >= target
        if label == "SQLite":
            self.sqlite[what] = rate
        elif what in self.sqlite:
            floor = self.sqlite[what] / PG_FACTOR
            wanted.append(f">= {floor:,.0f}/s ({PG_FACTOR}x SQLite)")
            ok = ok and rate >= floor
        small = rss <= TARGET_MB
        text = f"{', '.join(wanted)}, <= {TARGET_MB} MiB: "
        if not (ok and small):
            self.missed.append(f"{label} {what}")
        return text + ("met" if ok and small else "**MISSED**")


def measure(label: str, db: str, work: Path, env: dict[str, str], targets: Targets) -> None:
    native = work / "desk.jsonl"
    argv = [INCTRACK, "--db", db, "import", str(native), "--summary", "json"]
    seconds, cpu, rss, out = run(argv, env)
    summary = json.loads(out)
    rate = summary["created"] / seconds
    what = (f"{label}: `import desk.jsonl` ({summary['created']:,} incidents, "
            f"{summary['events']:,} events)")  # fmt: skip
    verdict = targets.verdict(label, "import", rate, TARGET_IMPORT, rss)
    print(row(what, seconds, cpu, f"{rate:,.0f} incidents/s", rss, verdict))
    exported = work / f"export-{label}.jsonl"
    seconds, cpu, rss, _ = run([INCTRACK, "--db", db, "export", "-o", str(exported)], env)
    same = filecmp.cmp(exported, native, shallow=False)  # in blocks: this process stays small
    rate = summary["created"] / seconds
    verdict = targets.verdict(label, "export", rate, TARGET_EXPORT, rss)
    print(row(f"{label}: `export`, then compared", seconds, cpu, f"{rate:,.0f} incidents/s",
              rss, verdict + ("; byte-identical" if same else "; **DIFFERENT**")))  # fmt: skip
    targets.missed += [f"{label} round trip"] * (not same)


def measure_servicenow(
    label: str, db: str, work: Path, env: dict[str, str], targets: Targets
) -> None:
    argv = [INCTRACK, "--db", db, "import", str(work / "servicenow.csv"), "--from",
            "servicenow", "--dayfirst", "--null", "?", "--summary", "json"]  # fmt: skip
    seconds, cpu, rss, out = run(argv, env)
    summary = json.loads(out)
    what = (f"{label}: `import servicenow.csv --from servicenow` ({summary['rows']:,} rows, "
            f"{summary['created']:,} incidents, {summary['events']:,} events)")  # fmt: skip
    rate = summary["rows"] / seconds
    verdict = targets.verdict(label, "ServiceNow", rate, TARGET_SN, rss)
    print(row(what, seconds, cpu, f"{rate:,.0f} rows/s", rss, verdict))


def floor(source: Path, target: Path) -> str:
    """The bare insert: ``source``'s incidents and events into a new file with the same
    tables and indexes, ``executemany`` of plain tuples, 2,000 incidents at a time, in
    one transaction; only the inserts and the commit are timed."""
    import sqlite3

    old, new = sqlite3.connect(source), sqlite3.connect(target)
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):
        new.execute(f"PRAGMA {pragma}")  # as inctrack opens its files
    schema = old.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN ('incidents', 'events') "
        "AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC"
    ).fetchall()
    for (sql,) in schema:
        new.execute(sql)
    new.commit()
    top = old.execute("SELECT MAX(id) FROM incidents").fetchone()[0]
    seconds, rows = 0.0, 0
    new.execute("BEGIN")
    for start in range(0, top, 2000):
        span = (start, start + 2000)
        for table, key in (("incidents", "id"), ("events", "incident_id")):
            values = old.execute(
                f"SELECT * FROM {table} WHERE {key} > ? AND {key} <= ? ORDER BY id", span
            ).fetchall()
            marks = ", ".join("?" * len(values[0])) if values else ""
            began = time.perf_counter()
            new.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
            seconds += time.perf_counter() - began
            rows += len(values)
    began = time.perf_counter()
    new.commit()
    seconds += time.perf_counter() - began
    return f"{rows / seconds:,.0f} rows/s, {top / seconds:,.0f} incidents/s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--pg", metavar="URL", help="Also run on this PostgreSQL server.")
    parser.add_argument("--generate-into", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, metavar=("SOURCE", "TARGET"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.floor:  # in a process of its own, as the import ran
        print(floor(Path(options.floor[0]), Path(options.floor[1])))
        return 0
    if options.generate_into:  # in a process of its own: see fresh_pg
        target = Path(options.generate_into)
        write_native(target / "desk.jsonl", options.incidents)
        print(write_servicenow(target / "servicenow.csv", options.rows))
        return 0
    goals = Targets()
    with tempfile.TemporaryDirectory(prefix="inctrack-bench-") as home:
        work = Path(home)
        env = {**os.environ, "INCTRACK_USER": "bench", "NO_COLOR": "1",
               "INCTRACK_TIMEZONE": "UTC", "INCTRACK_CONFIG": str(work / "config.toml"),
               "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home}  # fmt: skip
        env.pop("INCTRACK_FORMAT", None)
        began = time.perf_counter()
        generate = [sys.executable, __file__, "--generate-into", home, "--incidents",
                    str(options.incidents), "--rows", str(options.rows)]  # fmt: skip
        incidents = int(subprocess.run(generate, check=True, capture_output=True).stdout)
        size = (work / "desk.jsonl").stat().st_size / 2**20
        sn_size = (work / "servicenow.csv").stat().st_size / 2**20
        print(f"generated desk.jsonl ({options.incidents:,} incidents, {size:.0f} MiB) and "
              f"servicenow.csv ({options.rows:,} rows, {incidents:,} incidents, "
              f"{sn_size:.0f} MiB) in {time.perf_counter() - began:.0f} s")  # fmt: skip
        print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
        print("| what | time | CPU | rate | peak RSS | target |")
        print("| --- | --- | --- | --- | --- | --- |")
        targets = [("SQLite", str(work / "desk.db"), str(work / "sn.db"), None)]
        if options.pg:
            native_url, drop_native = fresh_pg(options.pg)
            sn_url, drop_sn = fresh_pg(options.pg)
            targets.append(("PostgreSQL", native_url, sn_url, (drop_native, drop_sn)))
        for label, native_db, sn_db, drops in targets:
            try:
                measure(label, native_db, work, env, goals)
                if label == "SQLite":
                    bare = [sys.executable, __file__, "--floor", native_db, str(work / "bare.db")]
                    found = subprocess.run(bare, check=True, capture_output=True, text=True)
                    print(f"| SQLite: the floor, a bare `executemany` of the same rows | | | "
                          f"{found.stdout.strip()} | | |")  # fmt: skip
                measure_servicenow(label, sn_db, work, env, goals)
            finally:
                for drop in drops or ():
                    drop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(this script's own peak RSS, a floor for the children's: {own:.0f} MiB)")
    missed = goals.missed
    print(f"targets: import >= {TARGET_IMPORT:,} incidents/s, export >= {TARGET_EXPORT:,} "
          f"incidents/s, ServiceNow log >= {TARGET_SN:,} rows/s, peak RSS <= {TARGET_MB} MiB, "
          f"PostgreSQL within {PG_FACTOR}x of SQLite: "
          + (f"MISSED ({', '.join(missed)})" if missed else "met"))  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
