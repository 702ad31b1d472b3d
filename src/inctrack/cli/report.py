"""The `report` group: SLA breaches, trends, MTTR, the backlog and recurring patterns.

Every `report ...` subcommand lives here, so the group's options, defaults and
help read side by side. `problem create --from-pattern` takes the options of
`report patterns` (:func:`pattern_query`), since it records one of its candidates.
"""

from __future__ import annotations

import shlex
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli.options import AsOfOption, FormatOption, OutputFormat
from inctrack.cli.output import notice
from inctrack.cli.runtime import runtime
from inctrack.domain import Priority
from inctrack.errors import ExitCode
from inctrack.records import timestamp

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from inctrack.cli.runtime import Runtime
    from inctrack.problems.patterns import PatternQuery
    from inctrack.records import Record

report_app = typer.Typer(
    help="Reports: SLA breaches, trends, MTTR, the backlog, patterns and reviews owed.",
    no_args_is_help=True,
)


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


MttrSince = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="WHEN",
        help="From WHEN (default: the last 12 weeks, this one included).",
    ),
]
MttrUntil = Annotated[
    str | None, typer.Option("--until", metavar="WHEN", help="Up to WHEN (default: now).")
]
PatternWindow = Annotated[
    str | None,
    typer.Option(
        "--window", "-w", metavar="DURATION", show_default=False,
        help="How close together incidents must come to recur: 7d, 48h (default: 7d).",
    ),
]  # fmt: skip
PatternMin = Annotated[
    int | None,
    typer.Option(
        "--min", "-m", min=2, show_default=False,
        help="How many within one window make a pattern (default: 3).",
    ),
]  # fmt: skip
PatternBy = Annotated[
    str | None,
    typer.Option(
        "--by", metavar="FIELDS", show_default=False,
        help="The key incidents share, from service, category, subcategory, channel, group "
        "(default: service,category,subcategory).",
    ),
]  # fmt: skip
PatternSince = Annotated[
    str | None,
    typer.Option(
        metavar="WHEN", help="Reported at or after WHEN (default: 90 days before --until)."
    ),
]
PatternUntil = Annotated[
    str | None, typer.Option(metavar="WHEN", help="Reported before WHEN (default: now).")
]


@report_app.command("sla")
def report_sla(
    ctx: typer.Context,
    breached: Annotated[bool, typer.Option("--breached", help="Only breached clocks.")] = False,
    at_risk: Annotated[bool, typer.Option("--at-risk", help="Only clocks at risk.")] = False,
    as_of: AsOfOption = None,
    priority: Annotated[
        list[Priority] | None,
        typer.Option("--priority", "-p", case_sensitive=False, help="Only these (repeatable)."),
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", metavar="GROUP", help="Assigned to this team.")
    ] = None,
    fail_on_breach: Annotated[
        bool,
        typer.Option("--fail-on-breach", help="Exit 8 if anything breached, 9 if only at risk."),
    ] = False,
    quiet_if_none: Annotated[
        bool, typer.Option("--quiet-if-none", help="Print nothing when nothing is found.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Open incidents whose SLA clocks are breached or at risk, most urgent first (for cron)."""
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.incidents import incident_list
    from inctrack.reports.sla import sla_report

    rt = runtime(ctx)
    states = [s for s, on in (("breached", breached), ("at_risk", at_risk)) if on]
    moment = rt.when(as_of)
    with rt.tracker(write=False) as tracker:
        report = sla_report(
            tracker, as_of=moment, states=states or ("breached", "at_risk"),
            priorities=priority or (), group=group,
        )  # fmt: skip
    if report.records or not quiet_if_none:
        rt.emit(report.records, fmt, table=incident_list, columns=INCIDENT_CSV_COLUMNS)
    if report.breaches:
        _queue_breach_hook(rt, report.records, report.breaches)
    if fail_on_breach and report.verdict is not ExitCode.OK:
        raise typer.Exit(report.verdict)


@report_app.command("reviews")
def report_reviews(
    ctx: typer.Context,
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than",
            metavar="SPAN",
            help="Major incidents resolved longer ago than this owe a completed review.",
        ),
    ] = "5d",
    fail_on_overdue: Annotated[
        bool, typer.Option("--fail-on-overdue", help="Exit 8 if anything is listed.")
    ] = False,
    quiet_if_none: Annotated[
        bool, typer.Option("--quiet-if-none", help="Print nothing when nothing is found.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Reviews owed (major incidents resolved without a completed review) and action
    items past due (for cron)."""
    from inctrack.cli.timeparse import parse_duration
    from inctrack.render.reviews import owed_list
    from inctrack.reviews.actions import owed
    from inctrack.reviews.records import REPORT_COLUMNS

    rt = runtime(ctx)
    span = parse_duration(older_than)
    with rt.tracker(write=False) as tracker:
        records = owed(tracker, older_than=span)
    if records or not quiet_if_none:
        rt.emit(records, fmt, table=owed_list, columns=REPORT_COLUMNS)
    if fail_on_overdue and records:
        raise typer.Exit(ExitCode.BREACHED)


def _queue_breach_hook(rt: Runtime, records: list[Record], breaches: int) -> None:
    """The on-breach hook gets the report as printed with --format json."""
    from inctrack.cli.hooks import Call
    from inctrack.render import to_json

    env = {"INCTRACK_BREACHED": str(breaches), "INCTRACK_DB": rt.settings.db}
    rt.queue_hook(Call("on-breach", to_json(records) + "\n", subject="the SLA report", env=env))


@report_app.command("comms")
def report_comms(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    fail_on_overdue: Annotated[
        bool, typer.Option("--fail-on-overdue", help="Exit 8 if any update is overdue.")
    ] = False,
    quiet_if_none: Annotated[
        bool, typer.Option("--quiet-if-none", help="Print nothing when nothing is overdue.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Major and P1/P2 incidents whose stakeholders are overdue an update (for cron)."""
    from inctrack.render.reports import comms_table
    from inctrack.reports.comms import COMMS_CSV_COLUMNS, comms_report

    rt = runtime(ctx)
    moment = rt.when(as_of)
    with rt.tracker(write=False) as tracker:
        report = comms_report(tracker, as_of=moment)
    if report.records or not quiet_if_none:
        rt.emit(report.records, fmt, table=comms_table, columns=COMMS_CSV_COLUMNS)
    if fail_on_overdue and report.verdict is not ExitCode.OK:
        raise typer.Exit(report.verdict)


@report_app.command("trends")
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


@report_app.command("mttr")
def mttr(
    ctx: typer.Context,
    by: Annotated[
        MttrBy, typer.Option("--by", case_sensitive=False, help="One row per value of this.")
    ] = MttrBy.PRIORITY,
    since: MttrSince = None,
    until: MttrUntil = None,
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


@report_app.command("backlog")
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


@report_app.command("patterns")
def report_patterns(
    ctx: typer.Context,
    window: PatternWindow = None,
    min_count: PatternMin = None,
    by: PatternBy = None,
    since: PatternSince = None,
    until: PatternUntil = None,
    unlinked: Annotated[
        bool, typer.Option("--unlinked", help="Hide candidates whose incidents all have a problem.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-L", min=0, help="At most this many (0: no limit).")
    ] = 100,
    fmt: FormatOption = None,
) -> None:
    """Recurring incidents: the same service and category again and again, as candidate problems.

    Incidents that share the key (--by) form a pattern when --min of them come within
    one --window; the pattern runs on while each next one comes within a window of the
    one before. Numbers (#1, #2) are for `problem create --from-pattern N`.
    """
    from inctrack.problems import patterns
    from inctrack.records import pattern_csv_columns, pattern_record
    from inctrack.render.problems import pattern_table

    rt = runtime(ctx)
    query = pattern_query(
        rt, window=window, min_count=min_count, by=by, since=since, until=until, unlinked=unlinked
    )
    now = _now(rt)
    with rt.tracker(write=False) as tracker:
        found = patterns.find(
            tracker.session, _limited(query, limit + 1 if limit else None), now=now
        )
    records = [pattern_record(p) for p in found]
    if limit and len(records) > limit:
        records = records[:limit]
        notice(f"Showing the first {limit}; there are more (raise --limit, or 0 for all).")
    given: dict[str, object] = {"--window": window, "--min": min_count, "--by": by}
    create = _create_command(query, given, now=now, tz=rt.settings.timezone)
    table = partial(pattern_table, create=create)
    rt.emit(records, fmt, table=table, columns=pattern_csv_columns(query.by))


def pattern_query(
    rt: Runtime,
    *,
    window: str | None,
    min_count: int | None,
    by: str | None,
    since: str | None,
    until: str | None,
    unlinked: bool = False,
) -> PatternQuery:
    """The pattern options as typed, defaults filled in: `report patterns` and
    `problem create --from-pattern` must read them alike to number candidates alike."""
    from inctrack.cli.timeparse import parse_duration
    from inctrack.problems import patterns

    return patterns.PatternQuery(
        window=parse_duration(window) if window is not None else patterns.DEFAULT_WINDOW,
        min_count=min_count if min_count is not None else patterns.DEFAULT_MIN,
        by=patterns.parse_by(by) if by is not None else patterns.DEFAULT_BY,
        since=rt.when(since), until=rt.when(until), unlinked=unlinked,
    )  # fmt: skip


def _create_command(
    query: PatternQuery, given: dict[str, object], *, now: datetime, tz: tzinfo
) -> str:
    """The `problem create` that records candidate #N of this very report: the options
    given, and the span pinned to the instants read, so that the incidents logged in
    between, or a relative --since, do not renumber the candidates."""
    from inctrack.problems import patterns

    words = ["inctrack", "problem", "create", "TITLE", "--from-pattern", "N"]
    for option, value in given.items():
        if value is not None:
            words += [option, ",".join(query.by) if option == "--by" else str(value)]
    for option, moment in zip(("--since", "--until"), patterns.span(query, now=now), strict=True):
        local = moment.astimezone(tz)  # exact: a relative --since keeps its fraction
        whole = "minutes" if local.second == 0 else "seconds"
        words += [option, local.isoformat(timespec="auto" if local.microsecond else whole)]
    return shlex.join(words)


def _limited(query: PatternQuery, limit: int | None) -> PatternQuery:
    from dataclasses import replace

    return replace(query, limit=limit)


def _now(rt: Runtime) -> datetime:
    """Now, rounded up to a whole second: the report reads everything logged so far, and
    the --until it pins prints without a fraction."""
    now = rt.clock.now()
    return now if now.microsecond == 0 else now.replace(microsecond=0) + timedelta(seconds=1)


@report_app.command("kb")
def kb(
    ctx: typer.Context,
    since: MttrSince = None,
    until: MttrUntil = None,
    min_incidents: Annotated[
        int,
        typer.Option(
            "--min", metavar="N", min=1, help="A gap: a category or service of N incidents or more."
        ),
    ] = 3,
    fmt: FormatOption = None,
) -> None:
    """How the knowledge base serves the desk: use per article, first-contact resolution
    with and without an article, and knowledge gaps.

    Counts article uses recorded between --since and --until, and incidents resolved
    (first contact) or reported (gaps) in that period. CSV has the per-article rows.
    """
    from inctrack.kb.report import KB_REPORT_COLUMNS, kb_report
    from inctrack.render.kb import kb_report_view

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        report = kb_report(
            tracker, since=rt.when(since), until=rt.when(until), min_incidents=min_incidents
        )
    chosen = rt.output_format(fmt)
    if chosen is OutputFormat.CSV:
        rt.emit(report.articles, chosen, table=kb_report_view, columns=KB_REPORT_COLUMNS)
    else:
        rt.emit(report.record(), chosen, table=kb_report_view)
