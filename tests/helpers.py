"""What several test modules share: the fixed start, the library and CLI drivers,
result checks, and the expectations written out by hand from PRODUCT.md.

Test modules import from here, never from each other or from conftest.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import Enum
from itertools import chain
from typing import Any

from typer.testing import CliRunner

from inctrack.cli import app
from inctrack.cli.runtime import Runtime
from inctrack.clock import Clock, FixedClock
from inctrack.domain import Status
from inctrack.incidents.tracker import Tracker
from inctrack.lifecycle import Verb
from inctrack.storage import Database

PG_URL = os.environ.get("INCTRACK_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
"""A Friday morning: the fixed 'now' of library tests."""

INCIDENT_KEYS = {
    "id", "title", "description", "reporter", "reporter_contact", "reported_at", "logged_at",
    "logged_by", "channel", "service", "category", "subcategory", "impact", "urgency", "priority",
    "status", "hold_reason", "tier", "group", "assignee", "owner", "major", "roles",
    "resolution_code", "resolution_note", "responded_at", "resolved_at", "closed_at",
    "closed_by", "confirmed_by", "reopen_count", "reassignment_count", "dedup_key",
    "occurrences", "problem", "duplicate_of", "sla",
}  # fmt: skip
"""The keys PRODUCT.md promises scripts (written out here, not taken from the code)."""

GRID = """
verb         new          in_progress  on_hold      resolved     closed  cancelled
categorize   new          in_progress  on_hold      resolved     -       -
prioritize   new          in_progress  on_hold      -            -       -
assign       new          in_progress  on_hold      -            -       -
respond      in_progress  -            -            -            -       -
note         new          in_progress  on_hold      resolved     -       -
escalate     new          in_progress  on_hold      -            -       -
role         new          in_progress  on_hold      -            -       -
hold         -            on_hold      -            -            -       -
resume       -            -            in_progress  -            -       -
resolve      resolved     resolved     resolved     -            -       -
close        -            -            -            closed       -       -
reopen       -            -            -            in_progress  -       -
cancel       cancelled    cancelled    cancelled    -            -       -
link         new          in_progress  on_hold      resolved     -       -
link-problem new          in_progress  on_hold      resolved     closed  -
edit         new          in_progress  on_hold      resolved     -       -
owner        new          in_progress  on_hold      resolved     -       -
update       new          in_progress  on_hold      resolved     -       -
"""


def _parse(grid: str) -> dict[tuple[Status, Verb], Status | None]:
    header, *rows = (line.split() for line in grid.strip().splitlines())
    statuses = [Status(name) for name in header[1:]]
    return {
        (status, Verb(row[0])): None if cell == "-" else Status(cell)
        for row in rows
        for status, cell in zip(statuses, row[1:], strict=True)
    }


EXPECTED = _parse(GRID)
"""(status, verb) -> the next status, or None when the lifecycle refuses: the lifecycle
table written out by hand from PRODUCT.md ("Status"), ``-`` being a refusal."""


class Desk:
    """Library access as a script would have it: one transaction per call."""

    def __init__(self, database: Database, clock: FixedClock) -> None:
        self.database = database
        self.clock = clock

    @contextmanager
    def tracker(self, actor: str = "alice", *, write: bool = True) -> Iterator[Tracker]:
        with self.database.transaction(write=write) as session:
            yield Tracker(session, clock=self.clock, actor=actor)

    def groups(self, *names: str, actor: str = "alice") -> None:
        """Register resolver groups, as an admin does before work is assigned to them."""
        with self.tracker(actor) as tracker:
            for name in names:
                tracker.groups.add(name)

    def services(self, *names: str, actor: str = "alice") -> None:
        """Register services, as an admin does before incidents name them."""
        with self.tracker(actor) as tracker:
            for name in names:
                tracker.services.add(name)

    def __call__(self, verb: str, *args: Any, actor: str = "alice", **kwargs: Any) -> Any:
        """Run one tracker verb in its own transaction and return its record."""
        with self.tracker(actor) as tracker:
            result = getattr(tracker, verb)(*args, **kwargs)
            return tracker.record(result, with_events=True)


class Cli:
    """The command line through Typer's CliRunner, against one database."""

    def __init__(self, db: str, *, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock
        """When set, every command runs at this clock's moment (the CLI's clock seam)."""
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, actor: str | None = None) -> Any:
        argv = ["--db", self.db, *(["--as", actor] if actor else []), *args]
        seam = Runtime(clock=self.clock) if self.clock is not None else None
        return self.runner.invoke(app, argv, input=input, obj=seam)

    def services(self, *names: str) -> None:
        """Register services, as an admin does before incidents name them."""
        for name in names:
            result = self("service", "add", name, "-q")
            assert result.exit_code == 0, result.stderr

    def json(self, *args: str, **kwargs: Any) -> Any:
        import json

        result = self(*args, "--format", "json", **kwargs)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


def ok(result: Any) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return str(result.stdout)


def fails(result: Any, code: int, *phrases: str) -> str:
    """The command failed with ``code``, printed nothing on stdout, and said ``phrases``."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    for phrase in phrases:
        assert phrase in result.stderr
    assert "Traceback" not in result.stderr
    return str(result.stderr)


# -- whole argument vectors, for tests/test_fuzz.py and scripts/fuzz_cli.py ---------------

IDS = ["1", "2", "INC-1", "inc-3", "INC-4", "PRB-1", "prb-2", "0", "-1", "INC-0", "INC-",
       f"INC-{2**31 - 1}", f"INC-{2**31}", "99999999999999999999", "PRB-99999999999999999999",
       "INC-1.5", "1e3", " 2 ", "INC-٣", "abc", ""]  # fmt: skip
WHENS = ["now", "2h ago", "yesterday 09:00", "friday", "last 3 months", "2026-11-20",
         "2026-11-20T09:30+01:00", "5/12/2026", "13/5/2026", "9999-12-31", "0001-01-01",
         "1969-12-31", "1970-01-01", "99999999999 days ago", "1e400 days ago",
         "99999 years ago", "last 99999999999 weeks", "2026-02-30", "an hour ago", "soonish",
         "-1", "99999999999999999999", "today 25:00", ""]  # fmt: skip
DURATIONS = ["7d", "12h", "1.5h", "90s", "0m", "-1d", "4", "1e400d", "99999999999999d",
             "100000w", "nan h", ""]  # fmt: skip
NUMBERS = ["0", "1", "2", "3", "-1", "20", "2147483648", "99999999999999999999", "1.5",
           "abc", ""]  # fmt: skip
TEXTS = ["x", "Printer jams", "kim", "network", "software/email", "a/b/c", "P1", "high",
         "75", "Europe/London", "09:00-17:00", "low/high=P2", "COLUMN=title",
         "title:x=y", "2026", "2026-2030", "GB", "", " ", "-", "--", "-x", "a" * 201,
         "caf\udce9", "\udcff", "x\x00y", "\x1b[31mred\x1b[0m", "\u202eevil", "line\nbreak",
         "=HYPERLINK(\"x\")", "'; DROP TABLE incidents; --", "日本語", "🔥" * 3,
         "%s%n", "{}", "\\", "ⅷ"]  # fmt: skip
"""Values any option may meet; the ones above are kept to the options they suit."""
NEVER = {"db_target", "install_completion", "show_completion", "editor"}
"""Global options left alone: the database under test, completion installers; and
``edit --editor``, which waits for a person."""


def built_once() -> Any:
    """``typer.main.get_command`` that builds the Click tree once: CliRunner otherwise
    rebuilds it on every call (200 ms), which a run of thousands of vectors cannot pay.
    Patch it over ``typer.testing._get_command``."""
    import typer

    return functools.cache(typer.main.get_command)


def command_tree() -> list[tuple[tuple[str, ...], Any]]:
    """Every command and group of the CLI, with its Click command (for its parameters)."""
    import typer

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        for name, sub in getattr(command, "commands", {}).items():
            yield (*path, name), sub
            yield from walk(sub, (*path, name))

    return list(walk(typer.main.get_command(app), ()))


@functools.cache
def argument_vectors(workdir: str) -> Any:
    """A Hypothesis strategy of whole argument vectors over every command path, with
    plausible and hostile values; files only inside ``workdir`` (``in.jsonl`` and
    ``in.csv`` there are read by imports, anything else may be written)."""
    from hypothesis import strategies as st

    files = st.sampled_from([f"{workdir}/in.jsonl", f"{workdir}/in.csv", f"{workdir}/bad.jsonl",
                             f"{workdir}/out.json", f"{workdir}/out.csv", f"{workdir}/copy.db",
                             f"{workdir}/no/such/x.csv", workdir, "-", ""])  # fmt: skip
    anything = st.one_of(st.sampled_from(TEXTS), st.sampled_from(IDS), st.text(max_size=12))

    def values(param: Any) -> Any:
        annotation = param.type_descriptor.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        meta = (param.metavar or param.name or "").upper()
        if "FILE" in meta or inner.__name__ == "Path":
            return files
        if isinstance(inner, type) and issubclass(inner, Enum):
            fitting: Any = st.sampled_from([member.value for member in inner])
        elif "WHEN" in meta or "DATE" in meta or param.name in ("since", "until", "at", "as_of"):
            fitting = st.sampled_from(WHENS)
        elif any(word in meta for word in ("ID", "INC", "PRB")) or param.name == "ref":
            fitting = st.sampled_from(IDS)
        elif "DURATION" in meta or "IDLE" in meta or param.name in ("window", "respond"):
            fitting = st.sampled_from(DURATIONS)
        elif inner is int or "PERCENT" in meta:
            fitting = st.sampled_from(NUMBERS)
        else:
            fitting = st.sampled_from(TEXTS)
        return st.one_of(fitting, fitting, fitting, anything)

    def option(param: Any) -> Any:
        flag = st.sampled_from(param.opts)
        if param.is_flag:
            return flag.map(lambda name: [name])
        pairs = st.tuples(flag, values(param)).map(list)
        if param.multiple:
            return st.lists(pairs, min_size=1, max_size=3).map(lambda p: [*chain(*p)])
        return pairs

    def argument(param: Any) -> Any:
        if param.nargs == -1:
            return st.lists(values(param), min_size=0, max_size=3)
        single = values(param).map(lambda value: [value])
        return single if param.required else st.one_of(single, single, st.just([]))

    tail = st.integers(0, 19).flatmap(  # now and then stray words, rarely --help
        lambda n: st.just(["--help"]) if n == 0 else st.lists(anything, max_size=2 if n < 5 else 0)
    )

    def command(entry: tuple[tuple[str, ...], Any]) -> Any:
        path, click_command = entry
        params = [p for p in click_command.params if p.name not in NEVER]
        options = [p for p in params if hasattr(p, "is_flag")]
        arguments = [p for p in params if not hasattr(p, "is_flag")]
        chosen = (
            st.lists(st.sampled_from(options), unique_by=lambda p: p.name, max_size=4)
            if options
            else st.just([])
        )
        return st.tuples(
            st.sampled_from([[], [], [], ["--as", "alice"], ["--as", "nobody"], ["--no-color"]]),
            st.just(list(path)),
            st.tuples(*map(argument, arguments)) if arguments else st.just(()),
            chosen.flatmap(lambda ps: st.tuples(*map(option, ps)) if ps else st.just(())),
            tail,
        ).map(lambda p: [*p[0], *p[1], *chain(*p[2]), *chain(*p[3]), *p[4]])  # fmt: skip

    return st.sampled_from(command_tree()).flatmap(command)


FUZZ_FILES = {
    "in.jsonl": '{"title": "Imported", "reporter": "ann", "priority": "P2"}\n',
    "in.csv": "title,reporter,impact\nPrinter,bob,high\n",
    "bad.jsonl": '{"title": "t", "reporter": "r", "priority": {"a": 1}}\n{"title": "\\u0000"}\n'
                 '{"title": 7, "status": ["x"], "reported_at": "9999-99-99"}\nnot json\n',
}  # fmt: skip
"""What the files a fuzzed import reads hold: a good line and bad ones."""


def fuzz_desk(db: str, workdir: str) -> Cli:
    """A database with a few incidents in several states, a problem and a template, and
    the files a fuzzed import reads: the ground a fuzz run starts from."""
    for name, text in FUZZ_FILES.items():
        with open(os.path.join(workdir, name), "w", encoding="utf-8") as file:
            file.write(text)
    Database.init(db)
    cli = Cli(db)
    for args in (
        ["log", "Printer jams", "-q"],
        ["log", "Email down", "--impact", "high", "--urgency", "high", "-q"],
        ["log", "VPN slow", "--impact", "low", "--urgency", "medium", "-q"],
        ["respond", "2", "on it", "-q"],
        ["respond", "3", "looking", "-q"],
        ["hold", "3", "--reason", "scheduled", "-q"],
        ["problem", "create", "Mail outages", "--incidents", "INC-2", "-q"],
        ["template", "add", "printer", "--title", "Printer jams", "--category", "hardware"],
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
    return cli
