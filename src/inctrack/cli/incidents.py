"""log, show and list: the commands that record and read incidents."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli.options import (
    AssigneeFilter,
    AtOption,
    CategoryFilter,
    FormatOption,
    GroupFilter,
    IncidentArgument,
    LevelChoice,
    MajorFilter,
    NoSuggestOption,
    OutputFormat,
    OwnerFilter,
    PriorityFilter,
    QuietOption,
    SearchFilter,
    ServiceFilter,
    SinceFilter,
    StatusFilter,
    SuggestOption,
    UnassignedFilter,
    UntilFilter,
    suggesting,
)
from inctrack.cli.output import notice
from inctrack.cli.runtime import Runtime, runtime
from inctrack.domain import Channel, ResolutionCode, format_incident_id
from inctrack.errors import UsageError

if TYPE_CHECKING:
    from inctrack.incidents.requests import LogRequest
    from inctrack.incidents.tracker import Tracker
    from inctrack.records import Record


Reporter = Annotated[
    str | None, typer.Option("--reporter", "-r", help="Who reported it (default: you).")
]
Contact = Annotated[str | None, typer.Option("--contact", help="How to reach the reporter.")]
Description = Annotated[
    str | None,
    typer.Option("--description", "-d", help="The details; `-` reads them from stdin."),
]
ChannelOption = Annotated[
    Channel | None, typer.Option("--channel", case_sensitive=False, help="How it reached you.")
]
Service = Annotated[
    str | None, typer.Option("--service", help="The service or configuration item affected.")
]
CategoryOption = Annotated[
    str | None, typer.Option("--category", "-c", metavar="CAT[/SUB]", help="e.g. network/vpn.")
]
Impact = Annotated[
    LevelChoice | None, typer.Option("--impact", case_sensitive=False, help="How much is hit.")
]
Urgency = Annotated[
    LevelChoice | None, typer.Option("--urgency", case_sensitive=False, help="How soon it hurts.")
]
DedupKey = Annotated[
    str | None,
    typer.Option(
        "--dedup-key", metavar="KEY",
        help="An open incident with this key counts one more occurrence instead of a twin.",
    ),
]  # fmt: skip
Resolve = Annotated[
    bool,
    typer.Option(
        "--resolve", help="Fixed at first contact: respond and resolve it now too (--code, --note)."
    ),
]
ResolveCode = Annotated[
    ResolutionCode | None,
    typer.Option("--code", case_sensitive=False, help="With --resolve: how it was resolved."),
]
ResolveNote = Annotated[str | None, typer.Option("--note", help="With --resolve: what was done.")]


def log(
    ctx: typer.Context,
    title: Annotated[
        str | None,
        typer.Argument(
            metavar="TITLE",
            show_default=False,
            help="What is wrong, in a few words (optional when the --template has one).",
        ),
    ] = None,
    reporter: Reporter = None,
    contact: Contact = None,
    description: Description = None,
    at: AtOption = None,
    channel: ChannelOption = None,
    service: Service = None,
    category: CategoryOption = None,
    impact: Impact = None,
    urgency: Urgency = None,
    dedup_key: DedupKey = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            metavar="NAME",
            help="Start from a template's values; options given here win.",
        ),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Log one incident per JSON line of FILE (`-`: stdin), all or none; "
            "options given here are defaults for every line.",
        ),
    ] = None,
    resolve: Resolve = False,
    code: ResolveCode = None,
    note: ResolveNote = None,
    suggest: SuggestOption = False,
    no_suggest: NoSuggestOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Log a new incident and print it (or many, with --batch).

    Impact and urgency together set the priority (impact x urgency matrix);
    without them the incident is *untriaged* and sorts to the top of the queue.
    With --dedup-key, a repeat of an open incident is counted on it (its
    `occurrences`) and that incident is printed. With --resolve --code --note,
    a call fixed at first contact is logged, responded to and resolved at once.
    Under the incident, up to three published articles that match it (--no-suggest).
    """
    from inctrack.incidents.requests import LogRequest

    rt = runtime(ctx)
    rt.creates = True  # the first incident may start a new database
    if batch is not None and title is not None:
        raise typer.BadParameter("give a TITLE or --batch FILE, not both", param_hint="TITLE")
    if batch is None and title is None and template is None:
        ctx.fail(
            "Missing argument 'TITLE': give a TITLE, a --template that has one, or --batch FILE."
        )
    if batch == "-" and description == "-":
        raise typer.BadParameter("stdin cannot be both the batch and the description")
    request = LogRequest(
        title=title, reporter=reporter, contact=contact, reported_at=rt.when(at),
        description=sys.stdin.read() if description == "-" else description,
        channel=channel, service=service, category=category, impact=impact, urgency=urgency,
        dedup_key=dedup_key, template=template,
    )  # fmt: skip
    fix = _first_contact_fix(resolve, code, note, batch=batch is not None)
    asked = suggesting(suggest, no_suggest)
    if batch is not None:
        _log_batch(rt, _read_batch(batch), request, fmt=fmt, quiet=quiet)
    else:
        _log_one(rt, request, fix, fmt=fmt, quiet=quiet, suggest=asked)


def _first_contact_fix(
    resolve: bool, code: ResolutionCode | None, note: str | None, *, batch: bool
) -> tuple[ResolutionCode, str] | None:
    """``log --resolve``'s resolution, or None; a usage error when the options do not agree."""
    if not resolve:
        if code is not None or note is not None:
            raise typer.BadParameter("--code and --note go with --resolve", param_hint="--resolve")
        return None
    if batch:
        raise typer.BadParameter(
            "--resolve logs one incident, not a --batch", param_hint="--resolve"
        )
    if code is None or note is None:
        raise typer.BadParameter("--resolve needs --code and --note", param_hint="--resolve")
    return code, note


def _log_one(
    rt: Runtime,
    request: LogRequest,
    fix: tuple[ResolutionCode, str] | None,
    *,
    fmt: OutputFormat | None,
    quiet: bool,
    suggest: bool | None,
) -> None:
    with rt.tracker(write=True, hooks=True) as tracker:
        if fix is None:
            logged = tracker.intake.log(request)
            number, created = logged.number, logged.created
        else:
            number, created = tracker.log_resolved(request, code=fix[0], note=fix[1]).id, True
        # With -q, the ID alone: no record (SLA clocks, policy) to build, nothing to render.
        [record] = [{"id": format_incident_id(number)}] if quiet else tracker.records([number])
    if quiet:
        typer.echo(record["id"])
        return
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.incidents import incident_detail

    suggested = None
    if _suggesting(rt, suggest, fmt, quiet=quiet):
        with rt.tracker(write=False) as tracker:
            suggested = _suggested(tracker, number)
    _with_suggestions(rt, record, suggested, fmt)
    rt.emit_written(record, fmt, quiet=quiet, table=incident_detail, columns=INCIDENT_CSV_COLUMNS)
    _print_suggestions(rt, suggested, fmt, quiet=quiet)
    if not created and not quiet and rt.output_format(fmt) is OutputFormat.TABLE:
        notice(
            f"Not logged again: {record['id']} is open with the dedup key "
            f"{record['dedup_key']!r}; this was occurrence {record['occurrences']}.",
            no_color=rt.no_color,
        )


def _log_batch(
    rt: Runtime, data: bytes, defaults: LogRequest, *, fmt: OutputFormat | None, quiet: bool
) -> None:
    from inctrack.incidents.requests import parse_batch
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.incidents import incident_list

    lines = parse_batch(data, when=rt.when)
    with rt.tracker(write=True, hooks=True) as tracker:
        logged = tracker.intake.log_batch(lines, defaults=defaults)
        records = [] if quiet else tracker.records([result.number for result in logged])
    if quiet:
        for result in logged:
            typer.echo(result.id)
    elif records or rt.output_format(fmt) is not OutputFormat.TABLE:
        rt.emit(records, fmt, table=incident_list, columns=INCIDENT_CSV_COLUMNS)


def _read_batch(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(
            f"Cannot read the batch file {source}: {exc.strerror or exc}; give a readable "
            "file, or - for stdin."
        ) from None


def show(
    ctx: typer.Context,
    ref: IncidentArgument,
    suggest: SuggestOption = False,
    no_suggest: NoSuggestOption = False,
    fmt: FormatOption = None,
) -> None:
    """Show one incident: every field, and its timeline of events.

    Under it, up to three published articles that match it (--no-suggest).
    """
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.incidents import incident_detail

    rt = runtime(ctx)
    wanted = _suggesting(rt, suggesting(suggest, no_suggest), fmt, quiet=False)
    suggested = None
    with rt.tracker(write=False) as tracker:
        incident = tracker.get_or_raise(ref)
        record = tracker.record(incident, with_events=True)
        if wanted:
            suggested = _suggested(tracker, incident.id)
    _with_suggestions(rt, record, suggested, fmt)
    rt.emit(record, fmt, table=incident_detail, columns=INCIDENT_CSV_COLUMNS)
    _print_suggestions(rt, suggested, fmt, quiet=False)


def _suggesting(rt: Runtime, asked: bool | None, fmt: OutputFormat | None, *, quiet: bool) -> bool:
    """Whether to look for articles: in a table unless switched off (flag, then config);
    in JSON only when asked; never with -q nor in CSV."""
    chosen = rt.output_format(fmt)
    if quiet or chosen is OutputFormat.CSV:
        return False
    if chosen is OutputFormat.JSON:
        return asked is True
    return asked if asked is not None else rt.settings.suggest


def _suggested(tracker: Tracker, number: int) -> list[Record]:
    from inctrack.kb.articles import KnowledgeBase
    from inctrack.kb.finding import shown_suggestions

    return shown_suggestions(KnowledgeBase(tracker), tracker.get_or_raise(number))


def _with_suggestions(
    rt: Runtime, record: Record, suggested: list[Record] | None, fmt: OutputFormat | None
) -> None:
    if suggested is not None and rt.output_format(fmt) is OutputFormat.JSON:
        record["suggestions"] = [
            {"id": s["id"], "title": s["title"], "score": s["score"]} for s in suggested
        ]


def _print_suggestions(
    rt: Runtime, suggested: list[Record] | None, fmt: OutputFormat | None, *, quiet: bool
) -> None:
    if suggested and not quiet and rt.output_format(fmt) is OutputFormat.TABLE:
        from inctrack.cli.output import console
        from inctrack.render.kb import suggestion_lines

        console(no_color=rt.no_color).print(suggestion_lines(suggested))


def list_incidents(
    ctx: typer.Context,
    status: StatusFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    search: SearchFilter = None,
    priority: PriorityFilter = None,
    category: CategoryFilter = None,
    assignee: AssigneeFilter = None,
    mine: Annotated[bool, typer.Option("--mine", help="Assigned to you.")] = False,
    group: GroupFilter = None,
    tier: Annotated[
        int | None, typer.Option("--tier", min=1, max=3, help="At this support tier.")
    ] = None,
    service: ServiceFilter = None,
    owner: OwnerFilter = None,
    unassigned: UnassignedFilter = False,
    major: MajorFilter = False,
    include_all: Annotated[
        bool, typer.Option("--all", "-a", help="Include resolved, closed and cancelled.")
    ] = False,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            metavar="KEY",
            help="Order by id, priority, reported, updated, assignee or title "
            "(default: worst first).",
        ),
    ] = None,
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="The other way round.")] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-L", min=0, help="At most this many (0: no limit).")
    ] = 100,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the IDs alone, one per line.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Open incidents, worst first: untriaged, then by priority, then nearest SLA due.

    `-q` prints the IDs alone, one per line (for `xargs`).
    """
    from inctrack.incidents.queries import IncidentQuery
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.incidents import incident_list

    rt = runtime(ctx)
    if unassigned and (mine or assignee is not None):
        raise typer.BadParameter("--unassigned cannot go with --assignee or --mine")
    query = IncidentQuery(
        statuses=status or (), include_closed=include_all, since=rt.when(since),
        until=rt.when(until), search=search, priorities=priority or (), category=category,
        assignee=assignee, group=group, tier=tier,
        service=service, owner=owner, unassigned=unassigned, major=major,
        sort=sort, reverse=reverse, limit=(limit + 1) if limit else None,
    )  # fmt: skip
    with rt.tracker(write=False) as tracker:
        if mine:  # who "me" is: the acting user as the database knows them
            query = dataclasses.replace(query, assignee=tracker.actor)
        records = tracker.find_records(query)
        total = tracker.count(query) if limit and len(records) > limit else len(records)
    if limit and len(records) > limit:
        records = records[:limit]
        notice(f"Showing {limit} of {total}; raise --limit, or 0 for all.")
    if quiet:
        typer.echo("".join(f"{record['id']}\n" for record in records), nl=False)
    else:
        rt.emit(records, fmt, table=incident_list, columns=INCIDENT_CSV_COLUMNS)
