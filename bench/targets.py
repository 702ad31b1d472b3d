"""Issue 17's table: every command against its target, as a ratio to a floor timed in the same run.

    python bench/targets.py [--runs 7] [--only ROWS] [--quick] [--big] [--pg URL] [--rebuild]

Every row is the median of N whole processes after an untimed warm-up; where the
target is a ratio, runs alternate with the floor's (command, floor, command, ...)
so that load weighs on both alike. Floors: ``python -c "import typer"`` (--help,
completion) and ``python -c "import typer, rich.table, sqlmodel"`` (everyday
commands, list). Data is built once, cached in the temp dir, with the builders
of sla_report.py (desk: 100,000 incidents, 10,000 open; 10,000 and 1,000 for
list's flatness), reports.py (1,000,000 over two years: several minutes to
build, so those rows need ``--big``) and import_export.py; ``--quick`` divides
every size by ten and includes the big rows. Writes run on a copy of the desk,
each run on an incident of its own. ``--only`` takes row names or groups:
startup, everyday, list, sla, reports, transfer (see GROUPS). ``--pg URL`` runs
the desk's rows and the transfers on fresh schemas of that server too (the desk
loaded by ``import``) and adds the PostgreSQL/SQLite ratio. Prints the Markdown
table; exits 0 whatever the figures: a report, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import import_export
import reports
import sla_report
from common import (
    ensure_cache,
    environment,
    first_report,
    head_past_events,
    pick,
    sqlite_fresh,
    timed_runs,
    transfer,
)

PYTHON = sys.executable
INCTRACK = str(Path(sys.executable).with_name("inctrack"))
TMP = Path(tempfile.gettempdir())
TYPER = [PYTHON, "-c", "import typer"]
TIMES = "\N{MULTIPLICATION SIGN}"
STACK = [PYTHON, "-c", "import typer, rich.table, sqlmodel"]

GROUPS = {
    "startup": ["help", "complete"],
    "everyday": ["log", "show", "respond", "note", "assign", "resolve"],
    "list": ["list-small", "list-desk", "list-big", "list-flat"],
    "sla": ["sla-json", "sla-table"],
    "reports": ["mttr", "mttr-business", "trends"],
    "transfer": ["import", "export", "servicenow"],
}
ROWS = [name for names in GROUPS.values() for name in names]
BIG_ROWS = {"list-big", "list-flat", "mttr", "mttr-business", "trends"}


@dataclass(frozen=True)
class Sizes:
    desk: tuple[int, int]  # (incidents, open): everyday commands, list, report sla
    small: tuple[int, int]  # the small end of list's flatness
    big: int  # incidents of the whole history (about 1 % open)
    jsonl: int  # incidents in the JSON Lines file imported and exported
    servicenow: int  # rows of the ServiceNow event log imported


FULL = Sizes(desk=(100_000, 10_000), small=(10_000, 1_000), big=1_000_000,
             jsonl=100_000, servicenow=500_000)  # fmt: skip
QUICK = Sizes(desk=(10_000, 1_000), small=(1_000, 100), big=100_000,
              jsonl=10_000, servicenow=50_000)  # fmt: skip


@dataclass
class Row:
    """One line of the table; ``seconds`` (the median) is what PostgreSQL is compared on."""

    label: str
    target: str
    measured: str = "not run"
    floor: str = "—"
    ratio: str = "—"
    met: str = "—"
    seconds: float | None = None
    pg: dict[str, str] = field(default_factory=dict)


# --- data -------------------------------------------------------------------------------


def desk_file(incidents: int, open_: int, rebuild: bool) -> Path:
    """The cached desk: ``sla_report.py``'s builder at this size (see head_past_events)."""
    path = TMP / f"inctrack-bench-targets-desk-{incidents}-{open_}-v{sla_report.BUILD_VERSION}.db"
    _ensure(path, ["desk", str(incidents), str(open_)], rebuild)
    return path


def big_file(incidents: int, rebuild: bool) -> Path:
    """The cached whole-history file (``reports.py``'s builder)."""
    if incidents == reports.INCIDENTS:
        ensure_cache(reports.CACHE, reports.__file__, rebuild=rebuild,
                     stale_days=reports.STALE_DAYS)  # fmt: skip
        return reports.CACHE
    path = TMP / f"inctrack-bench-targets-history-{incidents}-v{reports.BUILD_VERSION}.db"
    _ensure(path, ["history", str(incidents)], rebuild)
    return path


def transfer_files(incidents: int, rows: int, rebuild: bool) -> Path:
    """The cached folder with ``desk.jsonl`` and ``servicenow.csv`` (``import_export.py``)."""
    folder = TMP / f"inctrack-bench-targets-transfer-{incidents}-{rows}"
    if rebuild or not folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
        _ensure(folder, ["transfer", str(incidents), str(rows)], rebuild=True)
    else:
        print(f"using cached {folder}", file=sys.stderr)
    return folder


def _ensure(path: Path, what: list[str], rebuild: bool) -> None:
    """Build ``path`` in a process of its own (this one stays small: see ``run_child``)."""
    if rebuild or not path.exists():
        print(f"building {path.name} ...", file=sys.stderr)
        argv = [PYTHON, __file__, "--build-only", *what, str(path)]
        subprocess.run(argv, check=True, stdout=sys.stderr)
    else:
        print(f"using cached {path}", file=sys.stderr)


def build_only(what: list[str]) -> int:
    """``--build-only desk N OPEN PATH | history N PATH | transfer N ROWS PATH``: the
    builders of the other scripts at another size (their module constants, set here)."""
    kind, *numbers, target = what
    path = Path(target)
    if kind == "desk":
        sla_report.INCIDENTS, sla_report.OPEN = int(numbers[0]), int(numbers[1])
        partial = path.with_name(path.name + ".unchained")
        sla_report.build(partial)
        head_past_events(partial)
        partial.rename(path)
    elif kind == "history":
        reports.INCIDENTS = int(numbers[0])
        reports.build(path)
    else:
        partial = path.with_name(path.name + ".building")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        import_export.write_native(partial / "desk.jsonl", int(numbers[0]))
        import_export.write_servicenow(partial / "servicenow.csv", int(numbers[1]))
        partial.rename(path)
    return 0


# --- measuring --------------------------------------------------------------------------

Command = Callable[[str, int], list[str]]
"""The argv of run ``i`` (0: the warm-up) on database ``db``."""


def on_db(*args: str) -> Command:
    """``inctrack --db DB ARGS``, the same in every run."""
    return lambda db, i: [INCTRACK, "--db", db, *args]


class Bench:
    """The rows, measured on SQLite files and, with ``pg``, on a PostgreSQL server."""

    def __init__(self, runs: int, env: dict[str, str], pg: dict[str, str]) -> None:
        self.runs = runs
        self.env = env
        self.pg = pg  # the URL of each file on PostgreSQL ("desk")

    def ratio(
        self, label: str, limit: float, command: Command, db: str, floor: list[str],
        env: dict[str, str] | None = None, pg: str | None = None,
    ) -> Row:  # fmt: skip
        """A command whose target is ``limit`` times ``floor``, timed in turn with it."""
        row = Row(label, f"≤ {limit:.1f}{TIMES} floor")
        try:
            times, floors, _, _ = timed_runs(
                lambda i: command(db, i), self.env | (env or {}), self.runs, floor
            )
        except subprocess.CalledProcessError as failed:
            row.measured = f"failed (exit {failed.returncode})"
            return row
        median, base = statistics.median(times), statistics.median(floors)
        row.measured, row.floor = f"{median:.3f} s", f"{base:.3f} s"
        row.ratio, row.met = f"{median / base:.2f}{TIMES}", _yes(median <= limit * base)
        row.seconds = median
        if pg and pg in self.pg:
            pg_env = self.env | (env or {})
            if env and "INCTRACK_DB" in env:
                pg_env["INCTRACK_DB"] = self.pg[pg]
            self._pg(row, lambda i: command(self.pg[pg], i), pg_env, floor)
        return row

    def absolute(
        self, label: str, seconds: float, mib: float | None, command: Command, db: str,
        pg: str | None = None,
    ) -> Row:  # fmt: skip
        """A command whose target is a time (and a peak RSS)."""
        target = f"≤ {seconds:.1f} s" + (f", ≤ {mib:.0f} MiB" if mib else "")
        row = Row(label, target)
        try:
            times, _, peak, _ = timed_runs(lambda i: command(db, i), self.env, self.runs)
        except subprocess.CalledProcessError as failed:
            row.measured = f"failed (exit {failed.returncode})"
            return row
        median = statistics.median(times)
        row.measured = f"{median:.2f} s, {peak:.0f} MiB"
        row.met = _yes(median <= seconds and (mib is None or peak <= mib))
        row.seconds = median
        if pg and pg in self.pg:
            self._pg(row, lambda i: command(self.pg[pg], i), self.env, None)
        return row

    def _pg(
        self, row: Row, command: Callable[[int], list[str]], env: dict[str, str],
        floor: list[str] | None,
    ) -> None:  # fmt: skip
        try:
            times, _, _, _ = timed_runs(command, env, self.runs, floor)
        except subprocess.CalledProcessError as failed:
            row.pg = {"measured": f"failed (exit {failed.returncode})", "ratio": "—"}
            return
        median = statistics.median(times)
        ratio = _pg_ratio(median / row.seconds) if row.seconds else "—"
        row.pg = {"measured": f"{median:.3f} s", "ratio": ratio}


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _pg_ratio(ratio: float) -> str:
    """PostgreSQL's time over SQLite's, in bold past the target (1.5)."""
    shown = f"{ratio:.2f}{TIMES}"
    return shown if ratio <= 1.5 else f"**{shown}**"


# --- the table --------------------------------------------------------------------------


def selected(only: str) -> list[str]:
    """The rows named by ``--only`` (names or groups), in the table's order."""
    wanted: set[str] = set()
    for name in filter(None, (part.strip() for part in only.split(","))):
        if name not in GROUPS and name not in ROWS:
            choices = ", ".join([*GROUPS, *ROWS])
            raise SystemExit(f"targets.py: unknown row {name!r}; choose from {choices}")
        wanted |= set(GROUPS.get(name, [name]))
    if "list-flat" in wanted:
        wanted |= {"list-small", "list-big"}
    return [name for name in ROWS if name in wanted]


def everyday(bench: Bench, names: list[str], desk: Path, copy: Path) -> dict[str, Row]:
    """log, show and the write commands on the desk (writes on ``copy``, an incident each)."""
    n = bench.runs + 1
    fresh, working = pick(copy, "new", 2 * n), pick(copy, "in_progress", 3 * n)
    ids = {"respond": fresh[:n], "assign": fresh[n:], "note": working[:n],
           "resolve": working[n : 2 * n], "show": working[2 * n :]}  # fmt: skip
    commands: dict[str, tuple[str, Command]] = {
        "log": ("`inctrack log … -q`",
                lambda db, i: [INCTRACK, "--db", db, "log", f"Bench {i}", "-q"]),
        "show": ("`inctrack show`",
                 lambda db, i: [INCTRACK, "--db", db, "show", ids["show"][i]]),
        "respond": ("`inctrack respond … -q`", lambda db, i: [
            INCTRACK, "--db", db, "respond", ids["respond"][i], "Looking", "-q"]),
        "note": ("`inctrack note … -q`", lambda db, i: [
            INCTRACK, "--db", db, "note", ids["note"][i], "Still on it", "-q"]),
        "assign": ("`inctrack assign … --to bench -q`", lambda db, i: [
            INCTRACK, "--db", db, "assign", ids["assign"][i], "--to", "bench", "-q"]),
        "resolve": ("`inctrack resolve … -q`", lambda db, i: [
            INCTRACK, "--db", db, "resolve", ids["resolve"][i], "--code", "fixed",
            "--note", "Restarted", "-q"]),
    }  # fmt: skip
    size = _size(desk)
    rows = {}
    for name in names:
        label, command = commands[name]
        where = str(desk if name == "show" else copy)
        rows[name] = bench.ratio(f"{label} ({size})", 1.0, command, where, STACK, pg="desk")
    return rows


def listing(bench: Bench, name: str, path: Path) -> Row:
    return bench.ratio(
        f"`inctrack list` (top 50 of {_size(path)})", 1.1,
        on_db("list", "-L", "50"), str(path), STACK,
        pg="desk" if name == "list-desk" else None,
    )  # fmt: skip


def _size(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        total, still = connection.execute(
            "SELECT count(*), sum(status IN ('new', 'in_progress', 'on_hold')) FROM incidents"
        ).fetchone()
    return f"{total:,} incidents, {still or 0:,} open"


def flatness(rows: dict[str, Row]) -> Row:
    small, big = rows.get("list-small"), rows.get("list-big")
    row = Row("`inctrack list` flatness (big file / small file)", f"≤ 1.10{TIMES}")
    if small and big and small.seconds and big.seconds:
        row.measured = f"{big.seconds:.3f} s / {small.seconds:.3f} s"
        row.ratio = f"{big.seconds / small.seconds:.2f}{TIMES}"
        row.met = _yes(big.seconds <= 1.1 * small.seconds)
    return row


def print_table(rows: list[Row], pg: bool) -> None:
    head = ["row", "target", "measured", "floor", "ratio", "met?"]
    head += ["PostgreSQL", "PG/SQLite"] if pg else []
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for row in rows:
        cells = [row.label, row.target, row.measured, row.floor, row.ratio, row.met]
        if pg:
            cells += [row.pg.get("measured", "—"), row.pg.get("ratio", "—")]
        print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=7, help="Runs per row (median).")
    parser.add_argument("--only", default="", help="Rows or groups, e.g. startup,list-desk.")
    parser.add_argument("--quick", action="store_true", help="Every size divided by ten.")
    parser.add_argument("--big", action="store_true", help="Also the rows on 1M incidents.")
    parser.add_argument("--pg", metavar="URL", help="Also on this PostgreSQL server.")
    parser.add_argument("--rebuild", action="store_true", help="Ignore the cached files.")
    parser.add_argument("--build-only", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.build_only:
        return build_only(options.build_only)
    names = selected(options.only or ",".join(GROUPS))
    sizes = QUICK if options.quick else FULL
    with_big = options.quick or options.big
    rows: dict[str, Row] = {}
    with tempfile.TemporaryDirectory(prefix="inctrack-bench-targets-") as home:
        scratch = Path(home)
        env = environment(scratch)
        needs_desk = {"complete", "list-desk", "sla-json", "sla-table", *GROUPS["everyday"]}
        desk = desk_file(*sizes.desk, options.rebuild) if needs_desk & set(names) else None
        small = desk_file(*sizes.small, options.rebuild) if "list-small" in names else None
        needs_big = with_big and bool(BIG_ROWS & set(names))
        big = big_file(sizes.big, options.rebuild) if needs_big else None
        transfers = [name for name in GROUPS["transfer"] if name in names]
        folder = (
            transfer_files(sizes.jsonl, sizes.servicenow, options.rebuild) if transfers else None
        )
        pg: dict[str, str] = {}
        with pg_desk(options.pg, desk, scratch, env) as pg_url:
            if pg_url:
                pg["desk"] = pg_url
            bench = Bench(options.runs, env, pg)
            measure_rows(bench, names, rows, desk, small, big, scratch)
            if folder:
                transfer_rows(bench, transfers, rows, folder, scratch, options.pg, sizes)
    for name in names:
        if name not in rows:
            rows[name] = Row(f"`{name}`", "—", "not run (--big)" if name in BIG_ROWS else "not run")
    print(f"\nMeasured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'unknown'}: "
          f"{os.cpu_count()} CPUs, {platform.machine()}, {platform.system()} "
          f"{platform.release()}, Python {platform.python_version()}; median of "
          f"{options.runs} whole processes per row{' (--quick sizes)' if options.quick else ''}"
          f"; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}.\n")  # fmt: skip
    print_table([rows[name] for name in names], bool(options.pg))
    return 0


@contextmanager
def pg_desk(
    url: str | None, desk: Path | None, scratch: Path, env: dict[str, str]
) -> Iterator[str | None]:
    """The desk loaded into a fresh schema (``export``, then ``import``: IDs are kept)."""
    if url is None or desk is None:
        yield None
        return
    dump = scratch / "desk-export.jsonl"
    subprocess.run([INCTRACK, "--db", str(desk), "export", "-o", str(dump)], env=env, check=True)
    schema_url, drop = import_export.fresh_pg(url)
    try:
        print("loading the desk into PostgreSQL ...", file=sys.stderr)
        load = [INCTRACK, "--db", schema_url, "import", str(dump), "--summary", "json"]
        subprocess.run(load, env=env, check=True, stdout=subprocess.DEVNULL)
        yield str(schema_url)
    finally:
        drop()


def measure_rows(
    bench: Bench, names: list[str], rows: dict[str, Row], desk: Path | None,
    small: Path | None, big: Path | None, scratch: Path,
) -> None:  # fmt: skip
    """Every row but the transfers, in the table's order."""
    if "help" in names:
        rows["help"] = bench.ratio("`inctrack --help`", 2.0,
                                   lambda db, i: [INCTRACK, "--help"], "", TYPER)  # fmt: skip
    if desk and "complete" in names:
        completing = {"_INCTRACK_COMPLETE": "complete_bash", "INCTRACK_DB": str(desk),
                      "COMP_WORDS": "inctrack show ", "COMP_CWORD": "2"}  # fmt: skip
        rows["complete"] = bench.ratio(
            f"completion of `inctrack show <Tab>` ({_size(desk)})", 2.0,
            lambda db, i: [INCTRACK], str(desk), TYPER, env=completing, pg="desk",
        )  # fmt: skip
    chosen = [name for name in GROUPS["everyday"] if name in names]
    if desk and chosen:
        copy = scratch / "desk.db"
        with sqlite3.connect(desk) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # with whatever the WAL holds
        rows |= everyday(bench, chosen, desk, copy)
    for name, path in (("list-small", small), ("list-desk", desk), ("list-big", big)):
        if path and name in names:
            rows[name] = listing(bench, name, path)
    if "list-flat" in names:
        rows["list-flat"] = flatness(rows)
    if desk:
        for name, fmt, limit in (("sla-json", "json", 1.0), ("sla-table", "table", 1.2)):
            if name in names:
                rows[name] = bench.absolute(
                    f"`inctrack report sla -f {fmt}` ({_size(desk)})", limit, None,
                    on_db("report", "sla", "-f", fmt), str(desk), pg="desk",
                )  # fmt: skip
    if big:
        since = first_report(big)
        for name, extra in (("mttr", []), ("mttr-business", ["--business"]), ("trends", [])):
            if name in names:
                report = "trends" if name == "trends" else "mttr"
                shown = " ".join([report, *extra])
                rows[name] = bench.absolute(
                    f"`inctrack report {shown} --since FIRST` ({_size(big)})", 1.0, 200.0,
                    on_db("report", report, *extra, "--since", since, "-f", "json"), str(big),
                )  # fmt: skip


def transfer_rows(
    bench: Bench, names: list[str], rows: dict[str, Row], folder: Path, scratch: Path,
    pg_url: str | None, sizes: Sizes,
) -> None:  # fmt: skip
    found = transfer(bench.runs, bench.env, folder, sqlite_fresh(scratch), scratch, names)
    on_pg = (
        transfer(
            bench.runs,
            bench.env,
            folder,
            lambda tag: import_export.fresh_pg(str(pg_url)),
            scratch,
            names,
        )
        if pg_url
        else {}
    )
    specs = {
        "import": (f"`inctrack import` of JSON Lines ({sizes.jsonl:,} incidents)",
                   20_000, "incidents/s"),
        "export": (f"`inctrack export` ({sizes.jsonl:,} incidents)", 30_000, "incidents/s"),
        "servicenow": (f"`inctrack import --from servicenow` ({sizes.servicenow:,} rows)",
                       25_000, "rows/s"),
    }  # fmt: skip
    for name in names:
        label, rate, unit = specs[name]
        row = Row(label, f"≥ {rate:,} {unit}, ≤ 300 MiB")
        result = found.get(name, "not run")
        if isinstance(result, str):
            row.measured = result
        else:
            row.measured = f"{result[0]:,.0f} {unit}, {result[1]:.0f} MiB"
            row.met = _yes(result[0] >= rate and result[1] <= 300)
            floor = found.get(f"{name}-floor")
            if isinstance(floor, tuple):  # the floor's rate over ours: how many times slower
                row.floor = f"SQLite bulk insert, 5 indexes: {floor[0]:,.0f} rows/s"
                row.ratio = f"{floor[0] / result[0]:.2f}{TIMES}"
            pg_result = on_pg.get(name)
            if isinstance(pg_result, tuple):
                row.pg = {"measured": f"{pg_result[0]:,.0f} {unit}",
                          "ratio": _pg_ratio(result[0] / pg_result[0])}  # fmt: skip
            elif pg_result:
                row.pg = {"measured": pg_result, "ratio": "—"}
        rows[name] = row


if __name__ == "__main__":
    sys.exit(main())
