"""export and import: every incident with its history, out to a file and back in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from inctrack.cli.options import (
    AssigneeFilter,
    CategoryFilter,
    GroupFilter,
    MajorFilter,
    OutputFormat,
    OwnerFilter,
    PriorityFilter,
    SearchFilter,
    ServiceFilter,
    SinceFilter,
    StatusFilter,
    UnassignedFilter,
    UntilFilter,
)
from inctrack.cli.runtime import runtime

if TYPE_CHECKING:
    from inctrack.transfer import InputFormat, Progress


class FileFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"


class Origin(StrEnum):
    INCTRACK = "inctrack"
    SERVICENOW = "servicenow"


class OnConflict(StrEnum):
    SKIP = "skip"
    UPDATE = "update"
    FAIL = "fail"


def export(
    ctx: typer.Context,
    file_format: Annotated[
        FileFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="jsonl: one incident a line."),
    ] = FileFormat.JSONL,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write here (default: stdout); never over an existing file without --force.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output file if it exists.")
    ] = False,
    status: StatusFilter = None,
    priority: PriorityFilter = None,
    category: CategoryFilter = None,
    assignee: AssigneeFilter = None,
    group: GroupFilter = None,
    service: ServiceFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    search: SearchFilter = None,
    owner: OwnerFilter = None,
    unassigned: UnassignedFilter = False,
    major: MajorFilter = False,
) -> None:
    """Every incident (all statuses) with all its fields and events, by ID, for `import`.

    The SLA clocks are left out: they are computed from the events, and would make
    two exports of the same data differ. See docs/reference/formats.md.
    """
    from inctrack import transfer
    from inctrack.cli.output import notice
    from inctrack.incidents.queries import IncidentQuery

    rt = runtime(ctx)
    query = IncidentQuery(
        statuses=status or (), include_closed=True, since=rt.when(since), until=rt.when(until),
        search=search, priorities=priority or (), category=category, assignee=assignee,
        group=group, service=service, owner=owner, unassigned=unassigned, major=major,
    )  # fmt: skip
    fmt = transfer.ExportFormat(file_format.value)
    protected = rt.database().files if output is not None else []
    with (
        rt.tracker(write=False, snapshot=True) as tracker,
        _destination(output, force, protected) as out,
    ):
        incidents, events = transfer.write_export(transfer.export_records(tracker, query), fmt, out)
    if output is not None:
        notice(f"Exported {_count(incidents, 'incident')} with {_count(events, 'event')} "
               f"to {output}.")  # fmt: skip


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


@contextmanager
def _destination(output: Path | None, force: bool, protected: list[Path]) -> Iterator[IO[str]]:
    from inctrack.transfer import output_file

    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with output_file(output, force=force, protected=protected) as handle:
        yield handle


def import_(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="The file; - reads stdin.")],
    file_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--input-format", case_sensitive=False,
            help="The file's format (default: from the file name; ServiceNow: csv).",
        ),
    ] = None,
    legacy_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--format", "-f", case_sensitive=False, hidden=True,
            help="Deprecated spelling of --input-format.",
        ),
    ] = None,
    origin: Annotated[
        Origin,
        typer.Option("--from", case_sensitive=False, help="Whose export it is."),
    ] = Origin.INCTRACK,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", metavar="COLUMN=FIELD",
            help="Read CSV column COLUMN as FIELD (repeatable): --map Summary=title.",
        ),
    ] = None,
    value_map: Annotated[
        list[str] | None,
        typer.Option(
            "--value", metavar="FIELD:TEXT=VALUE",
            help="Read TEXT in FIELD as VALUE (repeatable): --value 'status:To Do=new'.",
        ),
    ] = None,
    on_conflict: Annotated[
        OnConflict,
        typer.Option(
            "--on-conflict", case_sensitive=False,
            help="An incident already here: skip it, update it, or fail (exit 6).",
        ),
    ] = OnConflict.SKIP,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and say what would happen.")
    ] = False,
    nulls: Annotated[
        list[str] | None,
        typer.Option("--null", metavar="TEXT", help="A placeholder for no value, like '?' "
                     "(repeatable; empty cells are always no value)."),
    ] = None,
    dayfirst: Annotated[
        bool, typer.Option("--dayfirst", help="Read 02/03/2026 as 2 March (CSV dates).")
    ] = False,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", metavar="FMT", help="Exact date format, like "
                     "'%d-%m-%Y %H:%M:%S' (strptime)."),
    ] = None,
    encoding: Annotated[
        str, typer.Option("--encoding", help="The file's text encoding.")
    ] = "utf-8",
    summary_format: Annotated[
        OutputFormat | None,
        typer.Option("--summary", case_sensitive=False, help="Print the summary as table, json "
                     "or csv (default: table, or `format` in your config file)."),
    ] = None,
) -> None:  # fmt: skip
    """Import incidents: an inctrack export, any CSV (with --map), or a ServiceNow export.

    All or nothing: a file with a problem (reported with its line) imports nothing
    (exit 4). Incidents already here are skipped, updated or refused (--on-conflict);
    times without an offset are in your time zone.
    """
    from inctrack import transfer
    from inctrack.render.transfer import import_summary

    rt = runtime(ctx)
    file_format = _renamed_input_format(file_format, legacy_format, no_color=rt.no_color)
    rt.creates = not dry_run  # importing may start a new database; a dry run changes nothing
    options = transfer.ImportOptions(
        source, fmt=_input_format(file_format), origin=origin.value, mapping=mapping or (),
        values=value_map or (), nulls=nulls or (), dayfirst=dayfirst, date_format=date_format,
        encoding=encoding, on_conflict=transfer.ConflictPolicy(on_conflict.value),
        dry_run=dry_run,
    )  # fmt: skip
    with _progress(rt.no_color) as progress:
        summary = transfer.run_import(
            options, tracker=rt.tracker, tz=rt.settings.timezone, stdin=sys.stdin.buffer,
            progress=progress,
        )  # fmt: skip
    rt.emit(summary.record(), summary_format, table=import_summary,
            columns=transfer.SUMMARY_CSV_COLUMNS)  # fmt: skip
    verdict = summary.verdict()
    if verdict is not None:  # only a dry run gets here with one
        raise verdict


def _renamed_input_format(
    chosen: FileFormat | None, legacy: FileFormat | None, *, no_color: bool
) -> FileFormat | None:
    """``import --format``/``-f`` was the input format; -f is the output format elsewhere.

    The old spelling still works, with a warning, so that scripts do not break.
    """
    if legacy is None:
        return chosen
    from inctrack.cli.output import warning
    from inctrack.errors import UsageError

    if chosen is not None and chosen is not legacy:
        raise UsageError(f"--input-format {chosen} and --format {legacy} disagree; "
                         "give --input-format alone.")  # fmt: skip
    warning(f"import --format is deprecated; say --input-format {legacy}.", no_color=no_color)
    return legacy


def _input_format(chosen: FileFormat | None) -> InputFormat | None:
    from inctrack.transfer import InputFormat

    return None if chosen is None else InputFormat(chosen.value)


@contextmanager
def _progress(no_color: bool) -> Iterator[Progress | None]:
    """A Rich progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from inctrack.cli.output import console

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
        console=console(stderr=True, no_color=no_color), transient=True,
    )  # fmt: skip
    tasks: dict[str, object] = {}

    def report(what: str, done: int, total: int | None) -> None:
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)  # type: ignore[arg-type]

    with bar:
        yield report
