"""The commands of `inctrack`, named without importing them.

`inctrack --help`, shell completion and every command start by reading this table
instead of importing every ``cli`` module: the root group (``cli.root``) lists these
names with their summaries, and imports and builds only the command that runs (or
whose ``--help`` is asked for). ``tests/test_help.py`` builds every entry and checks
that the table says what the modules declare, so it cannot drift: a new command is
one line here, in the order ``inctrack --help`` lists it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from importlib import import_module
from typing import Any, NamedTuple

import typer
from typer.core import MarkupMode, TyperCommand
from typer.main import get_command_from_info, get_group_from_info

from inctrack.cli.helptext import polish

Command = Any
"""A Click command or group (Typer builds them; their class is private to Typer)."""


class Entry(NamedTuple):
    """One top-level command or command group."""

    name: str
    target: str
    """``module:attribute`` under ``inctrack.cli``: a command function or a ``typer.Typer``."""
    summary: str
    """The first paragraph of its help (lines joined), as the top-level listing and
    shell completion show it."""
    help: str | None = None
    """Help given where it is registered, instead of the function's docstring."""


QUEUE_HELP = "Open incidents, worst first (the same as `list`)."

COMMANDS: tuple[Entry, ...] = (
    Entry("log", "incidents:log", "Log a new incident and print it (or many, with --batch)."),
    Entry("show", "incidents:show", "Show one incident: every field, and its timeline of events."),
    Entry(
        "edit",
        "editing:edit",
        "Correct what was reported: title, description, reporter, contact, service, channel.",
    ),
    Entry(
        "list",
        "incidents:list_incidents",
        "Open incidents, worst first: untriaged, then by priority, then nearest SLA due.",
    ),
    Entry(
        "search",
        "search:search",
        "Find incidents and problem records by their words, best match first.",
    ),
    Entry("queue", "incidents:list_incidents", QUEUE_HELP, help=QUEUE_HELP),
    Entry(
        "categorize",
        "lifecycle:categorize",
        "File an incident under a category of the taxonomy (`inctrack category list`).",
    ),
    Entry(
        "prioritize",
        "lifecycle:prioritize",
        "Set impact and urgency (the matrix gives P1-P4), or override with --priority --reason.",
    ),
    Entry(
        "assign",
        "lifecycle:assign",
        "Assign an incident to a person and/or a group (the service desk stays owner).",
    ),
    Entry("take", "lifecycle:take", "Assign an incident to yourself."),
    Entry(
        "respond",
        "lifecycle:respond",
        "First response or initial diagnosis: stops the response clock, new → in_progress.",
    ),
    Entry(
        "note", "lifecycle:note", "Add a work note (or, with --public, an update for the reporter)."
    ),
    Entry(
        "escalate",
        "lifecycle:escalate",
        "Escalate to a higher tier or another group, and/or declare a major incident.",
    ),
    Entry(
        "hold", "lifecycle:hold", "Put an incident on hold: the SLA clock pauses until `resume`."
    ),
    Entry("resume", "lifecycle:resume", "Take an incident off hold: the SLA clock runs again."),
    Entry(
        "resolve",
        "lifecycle:resolve",
        "Resolve an incident: service restored, awaiting the reporter's confirmation.",
    ),
    Entry(
        "close",
        "lifecycle:close",
        "Close a resolved incident (service desk only), or all stale ones with --stale 7d.",
    ),
    Entry(
        "reopen",
        "lifecycle:reopen",
        "Reopen a resolved incident whose fix did not hold (resolved → in_progress).",
    ),
    Entry("cancel", "lifecycle:cancel", "Cancel an incident logged in error or twice (final)."),
    Entry("role", "lifecycle:role", "Name a major incident's commander, manager or comms lead."),
    Entry(
        "link",
        "lifecycle:link",
        "Link an incident: --duplicate-of INC-n (the original), --problem PRB-n (its cause), "
        "--kb KB-n (an article used on it).",
    ),
    Entry(
        "update",
        "lifecycle:update",
        "Post a stakeholder update (internal unless --public) on the incident's timeline.",
    ),
    Entry(
        "owner",
        "lifecycle:owner",
        "Transfer an incident's ownership to another service-desk analyst.",
    ),
    Entry(
        "sla",
        "sla:sla",
        "Both SLA clocks of one incident, segment by segment, with what began each.",
    ),
    Entry(
        "export",
        "transfer:export",
        "Every incident (all statuses) with all its fields and events, by ID, for `import`.",
    ),
    Entry(
        "import",
        "transfer:import_",
        "Import incidents: an inctrack export, any CSV (with --map), or a ServiceNow export.",
    ),
    Entry(
        "report",
        "report:report_app",
        "Reports: SLA breaches, trends, MTTR, the backlog, patterns and reviews owed.",
    ),
    Entry("policy", "sla:policy_app", "SLA targets per priority, at-risk threshold, matrix."),
    Entry("calendar", "sla:calendar_app", "The business calendar: hours, time zone, holidays."),
    Entry(
        "problem", "problems:problem_app", "Problem records: the causes behind recurring incidents."
    ),
    Entry(
        "kb",
        "kb:app",
        "The knowledge base: articles KB-n, and diagnostic runbooks run on incidents.",
    ),
    Entry(
        "review",
        "reviews:app",
        "Post-incident reviews: `review INC-n` starts one from the incident's timeline.",
    ),
    Entry("category", "admin:category_app", "The category taxonomy: list, add, rename, retire."),
    Entry("template", "templates:app", "Log templates: preset values for `log --template NAME`."),
    Entry("user", "admin:user_app", "People and their roles: add, list, update."),
    Entry(
        "group",
        "groups:app",
        "The resolver groups incidents are assigned to: list, add, rename, retire.",
    ),
    Entry(
        "service",
        "services:service_app",
        "The services incidents affect, and their status: list, show, add, retire, status.",
    ),
    Entry(
        "maintenance",
        "services:maintenance_app",
        "Scheduled maintenance of a service: add, list, cancel.",
    ),
    Entry("db", "db:app", "Where the database is, and keeping it sound."),
    Entry(
        "config",
        "configure:app",
        "Your personal settings (database, name, output format, time zone): show, set, unset.",
    ),
    Entry(
        "statuspage",
        "statuspage:app",
        "The public status page: a static site built from the public updates.",
    ),
)
"""Every top-level command, in the order of ``inctrack --help``."""


class Commands(MutableMapping[str, Command]):
    """The root group's commands: every name of :data:`COMMANDS`, each imported, built and
    polished (``helptext.polish``) the first time it is looked up, then kept.

    Iterating gives the names without importing anything; ``items()`` and ``values()``
    build every command (the tests and ``scripts/gen_cli_reference.py`` walk the whole
    tree that way). While :meth:`listing`, a lookup answers a light stand-in that holds
    only the name and summary: all a list of commands shows, in help or completion.
    """

    def __init__(self, build: Callable[[Entry], Command]) -> None:
        self._entries = {entry.name: entry for entry in COMMANDS}
        self._build = build
        self._built: dict[str, Command] = {}
        self._listing = False

    def __getitem__(self, name: str) -> Command:
        if name in self._built:
            return self._built[name]
        entry = self._entries[name]  # KeyError for a name that is not a command
        if self._listing:
            return TyperCommand(name=entry.name, help=entry.summary)
        command = self._built[name] = self._build(entry)
        polish(command, (name,))
        return command

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self._entries:
            self._entries[name] = Entry(name, "", command.help or "")
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]
        self._built.pop(name, None)

    @contextmanager
    def listing(self) -> Iterator[None]:
        """Look commands up for a list of them: stand-ins, unless already built."""
        self._listing = True
        try:
            yield
        finally:
            self._listing = False


def build(entry: Entry, *, markup: MarkupMode, short: bool, suggest: bool) -> Command:
    """The Click command of one entry, as ``app.command(name)`` or ``app.add_typer(sub,
    name=name)`` on the root would have built it."""
    module, attribute = entry.target.split(":")
    target = getattr(import_module(f"inctrack.cli.{module}"), attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=entry.name)
        return get_group_from_info(
            holder.registered_groups[0],
            pretty_exceptions_short=short, rich_markup_mode=markup, suggest_commands=suggest,
        )  # fmt: skip
    holder.command(entry.name, help=entry.help)(target)
    return get_command_from_info(
        holder.registered_commands[0], pretty_exceptions_short=short, rich_markup_mode=markup
    )
