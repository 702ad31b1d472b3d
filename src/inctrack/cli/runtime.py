"""What every command needs: settings, the database, a tracker, the clock, hooks.

Built by the global callback and kept on ``ctx.obj``; everything heavy
(settings file, database, ORM) is loaded on first use, not at start-up.

Hooks (:mod:`inctrack.cli.hooks`) are the CLI's business, not the library's: once
a transaction opened with ``tracker(write=True, hooks=True)`` has committed,
the events its tracker wrote (``tracker.work.written``) are queued; when the command
has printed its output, :meth:`Runtime.close` reads the changed incidents in a
fresh transaction and runs the hooks. A hook can therefore neither undo a
change nor delay or garble its output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from inctrack.cli import output
from inctrack.cli.config import Settings, default_db_path, load_settings
from inctrack.cli.options import OutputFormat
from inctrack.clock import Clock, SystemClock
from inctrack.domain import format_incident_id
from inctrack.errors import Rejected

if TYPE_CHECKING:
    from inctrack.cli.hooks import Call, Hooks
    from inctrack.incidents.tracker import Tracker
    from inctrack.records import Record
    from inctrack.storage import Database


@dataclass
class Runtime:
    db_option: str | None = None
    as_option: str | None = None
    no_color: bool = False
    clock: Clock = field(default_factory=SystemClock)
    _settings: Settings | None = None
    _database: Database | None = None
    _hooks: Hooks | None = None
    _changed: dict[int, list[str]] = field(default_factory=dict)
    """Incident number -> kinds of the events committed by this command, for hooks."""
    _calls: list[Call] = field(default_factory=list)
    """Hook runs queued with their input (``on-breach``)."""
    creates: bool = False
    """Whether this command may create a missing database file (`log`, `import`, `db init`)."""

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(db=self.db_option, user=self.as_option)
            for message in self._settings.warnings:  # unknown keys in the config file
                output.warning(message, no_color=self.no_color)
        return self._settings

    def database(self, *, upgrade: bool = True) -> Database:
        """The database, opened once per command and closed when it ends.

        ``upgrade=False`` is for ``db`` commands that look before they migrate. A
        missing file is created by the commands that set :attr:`creates`, and by any
        command at the default location (docs/reference/storage.md).
        """
        if self._database is None:
            from inctrack.storage import Database

            default = self.db_is_default
            self._database = Database.open(
                self.settings.db, create=self.creates or default, parents=default, upgrade=upgrade
            )
        return self._database

    @property
    def db_is_default(self) -> bool:
        """No --db, INCTRACK_DB or config: the default file, which any command may create."""
        return self.settings.db == str(default_db_path())

    def close(self) -> None:
        """End of the command: run the hooks it queued, and close the database."""
        try:
            calls = self._hook_calls()
        finally:
            if self._database is not None:
                self._database.dispose()
                self._database = None
        if calls:
            try:
                self.hooks.run(calls)
            except Exception as exc:  # a bug here must not look like a failed change
                output.warning(
                    f"Running the hooks failed ({type(exc).__name__}: {exc}); the change is saved.",
                    no_color=self.no_color,
                )

    @contextmanager
    def tracker(
        self, *, write: bool, hooks: bool = False, snapshot: bool = False
    ) -> Iterator[Tracker]:
        """A tracker in one transaction, committed when the block ends without error.

        With ``hooks=True``, the incidents it changed get their hooks run (see
        :meth:`close`) once it has committed.
        """
        from inctrack.domain import os_login
        from inctrack.identity import identify
        from inctrack.incidents.tracker import Tracker

        with self.database().transaction(write=write, snapshot=snapshot) as session:
            login = os_login()
            actor = identify(session, asserted=self.settings.asserted_user, login=login)
            tracker = Tracker(session, clock=self.clock, actor=actor, os_login=login)
            yield tracker
        if hooks and self.hooks.present():  # committed: now the changes count
            for number, kind in tracker.work.written:
                self._changed.setdefault(number, []).append(kind)

    @property
    def hooks(self) -> Hooks:
        if self._hooks is None:
            from inctrack.cli.hooks import Hooks

            self._hooks = Hooks(
                warn=lambda message: output.warning(message, no_color=self.no_color),
                echo=lambda text: output.echo(text, err=True, nl=False, lines=True),
            )
        return self._hooks

    def queue_hook(self, call: Call) -> None:
        """Run ``call`` when the command ends (if its hook exists)."""
        if call.hook in self.hooks.present():
            self._calls.append(call)

    def _hook_calls(self) -> list[Call]:
        """The hook runs this command queued, with the changed incidents' records as input.

        Never raises: the change is committed whatever happens here.
        """
        if not self._changed:
            return self._calls
        try:
            return self._incident_calls() + self._calls
        except Exception as exc:
            output.warning(
                f"The hooks did not run, because their input could not be read ({exc}); "
                "the change is saved.",
                no_color=self.no_color,
            )
            return self._calls

    def _incident_calls(self) -> list[Call]:
        from inctrack.cli.hooks import Call, hooks_for
        from inctrack.render import to_json

        present = self.hooks.present()
        calls = []
        with self.tracker(write=False) as tracker:
            for number, kinds in self._changed.items():
                names = [name for name in hooks_for(kinds) if name in present]
                incident = tracker.get(number) if names else None
                if incident is None:
                    continue
                record = tracker.record(incident, with_events=True)
                payload = to_json(record) + "\n"
                env = {
                    "INCTRACK_INCIDENT_ID": record["id"], "INCTRACK_EVENT_KINDS": ",".join(kinds),
                    "INCTRACK_ACTOR": tracker.actor, "INCTRACK_DB": self.settings.db,
                }  # fmt: skip
                calls += [Call(name, payload, subject=record["id"], env=env) for name in names]
        return calls

    def when(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        from inctrack.cli.timeparse import parse_when

        settings = self.settings
        moment = parse_when(
            text, now=self.clock.now(), tz=settings.timezone, dayfirst=settings.dayfirst
        )
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
        when = self.when(at)
        with self.tracker(write=True, hooks=True) as tracker:
            changed = action(tracker, when)
            # With -q, the ID alone: no record (SLA clocks, policy) to build, nothing to render.
            record = {"id": format_incident_id(changed.id)} if quiet else tracker.record(changed)
        if quiet:
            typer.echo(record["id"])
            return
        from inctrack.records import INCIDENT_CSV_COLUMNS
        from inctrack.render.incidents import incident_detail

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
