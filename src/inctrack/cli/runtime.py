"""What every command needs: settings, the database, a tracker, the clock.

Built by the global callback and kept on ``ctx.obj``; everything heavy
(settings file, database, ORM) is loaded on first use, not at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from inctrack.cli import output
from inctrack.cli.options import OutputFormat
from inctrack.clock import Clock, SystemClock
from inctrack.config import Settings, load_settings
from inctrack.errors import Rejected

if TYPE_CHECKING:
    from inctrack.records import Record
    from inctrack.storage import Database
    from inctrack.tracker import Tracker


@dataclass
class Runtime:
    db_option: str | None = None
    as_option: str | None = None
    no_color: bool = False
    clock: Clock = field(default_factory=SystemClock)
    _settings: Settings | None = None
    _database: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(db=self.db_option, user=self.as_option)
        return self._settings

    def database(self, *, upgrade: bool = True) -> Database:
        """The database, opened once per command and closed when it ends.

        ``upgrade=False`` is for ``db`` commands that look before they migrate.
        """
        if self._database is None:
            from inctrack.storage import Database

            self._database = Database.open(self.settings.db, upgrade=upgrade)
        return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None

    @contextmanager
    def tracker(self, *, write: bool) -> Iterator[Tracker]:
        """A tracker in one transaction, committed when the block ends without error."""
        from inctrack.tracker import Tracker

        with self.database().transaction(write=write) as session:
            yield Tracker(session, clock=self.clock, actor=self.settings.user)

    def when(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        from inctrack.timeparse import parse_when

        moment = parse_when(text, now=self.clock.now(), tz=self.settings.timezone)
        return moment.replace(microsecond=0)  # inctrack keeps times to the second

    def output_format(self, chosen: OutputFormat | None) -> OutputFormat:
        if chosen is not None:
            return chosen
        configured = self.settings.format
        if configured is None:
            return OutputFormat.TABLE
        try:
            return OutputFormat(configured.lower())
        except ValueError:
            raise Rejected(
                f"The configured format {configured!r} is not one of table, json, csv; "
                "fix `format` in your config file or INCTRACK_FORMAT."
            ) from None

    def emit(
        self,
        data: Record | Sequence[Record],
        chosen: OutputFormat | None,
        *,
        table: Any,
        columns: Sequence[str] | None = None,
    ) -> None:
        output.emit(
            data, self.output_format(chosen), table=table, tz=self.settings.timezone,
            now=self.clock.now(), no_color=self.no_color, columns=columns,
        )  # fmt: skip

    def write(
        self,
        action: Callable[[Tracker, datetime | None], Any],
        *,
        at: str | None,
        fmt: OutputFormat | None,
        quiet: bool,
    ) -> None:
        """The shape of every incident write: parse --at, one core call, print the record."""
        from inctrack.records import INCIDENT_CSV_COLUMNS
        from inctrack.render.table import incident_detail

        when = self.when(at)
        with self.tracker(write=True) as tracker:
            record = tracker.record(action(tracker, when))
        self.emit_written(
            record, fmt, quiet=quiet, table=incident_detail, columns=INCIDENT_CSV_COLUMNS
        )

    def emit_written(
        self,
        record: Record,
        chosen: OutputFormat | None,
        *,
        quiet: bool,
        table: Any,
        columns: Sequence[str] | None = None,
    ) -> None:
        """What write commands print: the ID alone with ``-q``, else the record."""
        if quiet:
            typer.echo(record["id"])
        else:
            self.emit(record, chosen, table=table, columns=columns)


def runtime(ctx: typer.Context) -> Runtime:
    obj = ctx.find_root().obj
    if not isinstance(obj, Runtime):  # a command run without the root callback
        obj = ctx.find_root().obj = Runtime()
    return obj
