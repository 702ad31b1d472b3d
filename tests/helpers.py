"""What several test modules share: the fixed start, the library and CLI drivers,
result checks, and the expectations written out by hand from PRODUCT.md.

Test modules import from here, never from each other or from conftest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
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
