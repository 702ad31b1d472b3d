"""log, show and list: the commands that record and read incidents."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from inctrack.cli.options import (
    AtOption,
    FormatOption,
    IncidentArgument,
    LevelChoice,
    QuietOption,
)
from inctrack.cli.runtime import runtime
from inctrack.domain import Channel, Priority, Status


def log(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What is wrong, in a few words.")],
    reporter: Annotated[
        str | None, typer.Option("--reporter", "-r", help="Who reported it (default: you).")
    ] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help="How to reach the reporter.")
    ] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", help="The details; `-` reads them from stdin."),
    ] = None,
    at: AtOption = None,
    channel: Annotated[
        Channel | None, typer.Option("--channel", case_sensitive=False, help="How it reached you.")
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="The service or configuration item affected.")
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", metavar="CAT[/SUB]", help="e.g. network/vpn.")
    ] = None,
    impact: Annotated[
        LevelChoice | None, typer.Option("--impact", case_sensitive=False, help="How much is hit.")
    ] = None,
    urgency: Annotated[
        LevelChoice | None,
        typer.Option("--urgency", case_sensitive=False, help="How soon it hurts."),
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Log a new incident and print it.

    Impact and urgency together set the priority (impact x urgency matrix);
    without them the incident is *untriaged* and sorts to the top of the queue.
    """
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.table import incident_detail

    rt = runtime(ctx)
    reported_at = rt.when(at)
    text = sys.stdin.read() if description == "-" else description
    with rt.tracker(write=True) as tracker:
        incident = tracker.log(
            title, reporter=reporter, reporter_contact=contact, description=text,
            at=reported_at, channel=channel, service=service, category=category,
            impact=impact, urgency=urgency,
        )  # fmt: skip
        record = tracker.record(incident)
    rt.emit_written(record, fmt, quiet=quiet, table=incident_detail, columns=INCIDENT_CSV_COLUMNS)


def show(ctx: typer.Context, ref: IncidentArgument, fmt: FormatOption = None) -> None:
    """Show one incident: every field, and its timeline of events."""
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.table import incident_detail

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        record = tracker.record(tracker.get_or_raise(ref), with_events=True)
    rt.emit(record, fmt, table=incident_detail, columns=INCIDENT_CSV_COLUMNS)


def list_incidents(
    ctx: typer.Context,
    status: Annotated[
        list[Status] | None,
        typer.Option("--status", "-s", case_sensitive=False, help="Only these (repeatable)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(metavar="WHEN", help="Reported at or after WHEN.")
    ] = None,
    until: Annotated[str | None, typer.Option(metavar="WHEN", help="Reported before WHEN.")] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", "-S", help="Text in title, description, reporter, service, external ID."
        ),
    ] = None,
    priority: Annotated[
        list[Priority] | None,
        typer.Option("--priority", "-p", case_sensitive=False, help="Only these (repeatable)."),
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", "-c", metavar="CAT[/SUB]", help="Filed here.")
    ] = None,
    assignee: Annotated[
        str | None, typer.Option("--assignee", metavar="USER", help="Assigned to USER.")
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Assigned to you.")] = False,
    group: Annotated[str | None, typer.Option("--group", metavar="GROUP")] = None,
    tier: Annotated[int | None, typer.Option("--tier", min=1, max=3)] = None,
    service: Annotated[str | None, typer.Option("--service")] = None,
    include_all: Annotated[
        bool, typer.Option("--all", "-a", help="Include resolved, closed and cancelled.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-L", min=0, help="At most this many (0: no limit).")
    ] = 100,
    fmt: FormatOption = None,
) -> None:
    """Open incidents, worst first: untriaged, then by priority, then nearest SLA due."""
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.table import incident_list
    from inctrack.tracker import IncidentQuery

    rt = runtime(ctx)
    query = IncidentQuery(
        statuses=status or (), include_closed=include_all, since=rt.when(since),
        until=rt.when(until), search=search, priorities=priority or (), category=category,
        assignee=rt.settings.user if mine else assignee, group=group, tier=tier,
        service=service, limit=(limit + 1) if limit else None,
    )  # fmt: skip
    with rt.tracker(write=False) as tracker:
        records = tracker.find_records(query)
    if limit and len(records) > limit:
        records = records[:limit]
        from inctrack.cli.output import notice

        notice(f"Showing the first {limit}; more match (raise --limit, or 0 for all).")
    rt.emit(records, fmt, table=incident_list, columns=INCIDENT_CSV_COLUMNS)
