"""report trends, report mttr, report backlog: what the incidents add up to."""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import Annotated

import typer

from inctrack.cli.options import FormatOption
from inctrack.cli.runtime import runtime
from inctrack.records import timestamp


class TrendBy(StrEnum):
    CATEGORY = "category"
    SUBCATEGORY = "subcategory"
    SERVICE = "service"
    PRIORITY = "priority"
    CHANNEL = "channel"
    GROUP = "group"


class MttrBy(StrEnum):
    PRIORITY = "priority"
    CATEGORY = "category"
    GROUP = "group"


class Every(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


Since = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="WHEN",
        help="From WHEN (default: the last 12 weeks, this one included).",
    ),
]
Until = Annotated[
    str | None, typer.Option("--until", metavar="WHEN", help="Up to WHEN (default: now).")
]


def trends(
    ctx: typer.Context,
    by: Annotated[
        TrendBy, typer.Option("--by", case_sensitive=False, help="What to count by.")
    ] = TrendBy.CATEGORY,
    every: Annotated[
        Every, typer.Option("--every", case_sensitive=False, help="Period length.")
    ] = Every.WEEK,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="From the period that contains WHEN (default: the last 12 periods).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="WHEN",
            help="To the period that contains the moment before WHEN (default: now).",
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Incidents reported per day, week or month, by category, service, priority, ...

    Periods are whole days, weeks (Monday to Sunday) or months in the business
    calendar's time zone; the table view adds a sparkline per key.
    """
    from inctrack import reports
    from inctrack.render.reports import trends_table

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        report = reports.trends(
            tracker, by=by.value, every=every.value, since=rt.when(since), until=rt.when(until)
        )
    table = partial(
        trends_table,
        by=by.value,
        every=every.value,
        zone=report.timezone,
        since=timestamp(report.since),
        until=timestamp(report.until),
    )
    rt.emit(report.rows, fmt, table=table, columns=("period", by.value, "count"))


def mttr(
    ctx: typer.Context,
    by: Annotated[
        MttrBy, typer.Option("--by", case_sensitive=False, help="One row per value of this.")
    ] = MttrBy.PRIORITY,
    since: Since = None,
    until: Until = None,
    business: Annotated[
        bool,
        typer.Option("--business", help="Count durations in business hours, not calendar time."),
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Mean and median time to respond and to resolve, and SLA compliance, per key.

    Counts the incidents reported between --since and --until (cancelled ones
    left out), from report to first response and to resolution.
    """
    from inctrack import reports
    from inctrack.render.reports import mttr_table

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        report = reports.mttr(
            tracker, by=by.value, since=rt.when(since), until=rt.when(until), business=business
        )
    table = partial(
        mttr_table,
        by=by.value,
        business=business,
        since=timestamp(report.since),
        until=timestamp(report.until),
    )
    rt.emit(report.rows, fmt, table=table, columns=(by.value, *reports.MTTR_FIELDS))


def backlog(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="WHEN", help="What was open at WHEN, by the history."),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Open incidents by age (oldest first) and priority, with a bar per age."""
    from inctrack import reports
    from inctrack.render.reports import backlog_table

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        report = reports.backlog(tracker, as_of=rt.when(as_of))
    table = partial(backlog_table, as_of=timestamp(report.until))
    rt.emit(report.rows, fmt, table=table, columns=("age", "priority", "count"))
