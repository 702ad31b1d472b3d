"""Problem records (`problem create|show|list|update|resolve|link`) and `report patterns`."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli.options import AtOption, FormatOption, QuietOption
from inctrack.cli.output import notice
from inctrack.cli.runtime import Runtime, runtime
from inctrack.domain import ProblemStatus

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from inctrack.problems.patterns import PatternQuery
    from inctrack.problems.verbs import Problems
    from inctrack.storage.models import Problem

problem_app = typer.Typer(
    help="Problem records: the causes behind recurring incidents.", no_args_is_help=True
)

ProblemArgument = Annotated[str, typer.Argument(metavar="PRB", help="PRB-7, prb-7 or 7.")]
Window = Annotated[
    str | None,
    typer.Option(
        "--window", "-w", metavar="DURATION", show_default=False,
        help="How close together incidents must come to recur: 7d, 48h (default: 7d).",
    ),
]  # fmt: skip
MinCount = Annotated[
    int | None,
    typer.Option(
        "--min", "-m", min=2, show_default=False,
        help="How many within one window make a pattern (default: 3).",
    ),
]  # fmt: skip
By = Annotated[
    str | None,
    typer.Option(
        "--by", metavar="FIELDS", show_default=False,
        help="The key incidents share, from service, category, subcategory, channel, group "
        "(default: service,category,subcategory).",
    ),
]  # fmt: skip
Since = Annotated[
    str | None,
    typer.Option(
        metavar="WHEN", help="Reported at or after WHEN (default: 90 days before --until)."
    ),
]
Until = Annotated[
    str | None, typer.Option(metavar="WHEN", help="Reported before WHEN (default: now).")
]


class IncidentFix(StrEnum):
    """How `problem resolve --resolve-incidents` resolves the open incidents."""

    FIXED = "fixed"
    WORKAROUND = "workaround"


def report_patterns(
    ctx: typer.Context,
    window: Window = None,
    min_count: MinCount = None,
    by: By = None,
    since: Since = None,
    until: Until = None,
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
    query = _pattern_query(rt, window, min_count, by, since, until, unlinked=unlinked)
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


@problem_app.command("create")
def create(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="The problem, in a few words.")],
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", help="The details; `-` reads them from stdin."),
    ] = None,
    incidents: Annotated[
        str | None,
        typer.Option("--incidents", "-i", metavar="INC-1,INC-2", help="Link these incidents."),
    ] = None,
    from_pattern: Annotated[
        int | None,
        typer.Option(
            "--from-pattern",
            metavar="N",
            min=1,
            help="Link the incidents of candidate #N of `report patterns` (same options).",
        ),
    ] = None,
    window: Window = None,
    min_count: MinCount = None,
    by: By = None,
    since: Since = None,
    until: Until = None,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Record a problem, optionally with its incidents (--incidents or --from-pattern)."""
    pattern_options = (window, min_count, by, since, until)
    if incidents is not None and from_pattern is not None:
        raise typer.BadParameter("give --incidents or --from-pattern, not both")
    if from_pattern is None and any(o is not None for o in pattern_options):
        raise typer.BadParameter(
            "--window, --min, --by, --since and --until go with --from-pattern"
        )
    rt = runtime(ctx)
    text = sys.stdin.read() if description == "-" else description
    refs = [r for r in (incidents or "").replace(" ", ",").split(",") if r.strip()]
    query = _pattern_query(rt, *pattern_options) if from_pattern is not None else None

    def action(problems: Problems, when: datetime | None) -> Problem:
        if query is not None and from_pattern is not None:
            return problems.create_from_pattern(
                title, query, from_pattern, description=text, at=when
            )
        return problems.create(title, description=text, incidents=refs, at=when)

    _write(rt, action, at=at, fmt=fmt, quiet=quiet)


@problem_app.command("show")
def show(ctx: typer.Context, ref: ProblemArgument, fmt: FormatOption = None) -> None:
    """Show a problem: its fields, root cause, workaround, incidents and timeline."""
    from inctrack.problems.verbs import Problems
    from inctrack.records import PROBLEM_CSV_COLUMNS
    from inctrack.render.problems import problem_detail

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        problems = Problems(tracker)
        record = problems.record(problems.get_or_raise(ref), with_events=True)
    rt.emit(record, fmt, table=problem_detail, columns=PROBLEM_CSV_COLUMNS)


@problem_app.command("list")
def list_problems(
    ctx: typer.Context,
    status: Annotated[
        list[ProblemStatus] | None,
        typer.Option("--status", "-s", case_sensitive=False, help="Only these (repeatable)."),
    ] = None,
    include_all: Annotated[
        bool, typer.Option("--all", "-a", help="Include closed problems.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Problems by number; closed ones only with --all or --status closed."""
    from inctrack.problems.verbs import Problems
    from inctrack.records import PROBLEM_CSV_COLUMNS
    from inctrack.render.problems import problem_list

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        problems = Problems(tracker)
        records = problems.records(problems.find(statuses=status or (), include_closed=include_all))
    rt.emit(records, fmt, table=problem_list, columns=PROBLEM_CSV_COLUMNS)


@problem_app.command("update")
def update(
    ctx: typer.Context,
    ref: ProblemArgument,
    title: Annotated[str | None, typer.Option("--title", help="A better title.")] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="`-` reads it from stdin.")
    ] = None,
    root_cause: Annotated[
        str | None, typer.Option("--root-cause", help="Why the incidents happen ('' clears).")
    ] = None,
    workaround: Annotated[
        str | None,
        typer.Option("--workaround", help="How to restore service meanwhile ('' clears)."),
    ] = None,
    status: Annotated[
        ProblemStatus | None,
        typer.Option("--status", case_sensitive=False, help="Move it on (docs/problems.md)."),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Why (recorded with the change).")
    ] = None,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Change a problem's title, description, root cause, workaround or status."""
    rt = runtime(ctx)
    text = sys.stdin.read() if description == "-" else description
    _write(
        rt,
        lambda p, when: p.update(
            ref, title=title, description=text, root_cause=root_cause, workaround=workaround,
            status=status, note=note, at=when,
        ),
        at=at, fmt=fmt, quiet=quiet, hint=True,
    )  # fmt: skip


@problem_app.command("resolve")
def resolve(
    ctx: typer.Context,
    ref: ProblemArgument,
    root_cause: Annotated[
        str | None, typer.Option("--root-cause", help="The cause that was removed.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was done.")] = None,
    resolve_incidents: Annotated[
        bool,
        typer.Option("--resolve-incidents", help="Resolve its open incidents too (not new ones)."),
    ] = False,
    code: Annotated[
        IncidentFix | None,
        typer.Option(
            "--code", case_sensitive=False, help="With --resolve-incidents (default: fixed)."
        ),
    ] = None,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Resolve a problem: its root cause is removed; --resolve-incidents resolves its incidents."""
    if code is not None and not resolve_incidents:
        raise typer.BadParameter("--code goes with --resolve-incidents")
    rt = runtime(ctx)
    skipped: list[str] = []

    def action(problems: Problems, when: datetime | None) -> Problem:
        outcome = problems.resolve(
            ref, root_cause=root_cause, note=note, resolve_incidents=resolve_incidents,
            code=code or IncidentFix.FIXED, at=when,
        )  # fmt: skip
        skipped.extend(f"INC-{incident.id}" for incident in outcome.skipped)
        return outcome.problem

    _write(rt, action, at=at, fmt=fmt, quiet=quiet)
    if skipped:
        names = ", ".join(skipped[:-1]) + f" and {skipped[-1]}" if len(skipped) > 1 else skipped[0]
        verb = "are" if len(skipped) > 1 else "is"
        notice(
            f"{names} {verb} new, so not resolved: respond first, then `inctrack resolve` "
            f"{'each' if len(skipped) > 1 else 'it'}.",
            no_color=rt.no_color,
        )


@problem_app.command("link")
def link(
    ctx: typer.Context,
    ref: ProblemArgument,
    incidents: Annotated[list[str], typer.Argument(metavar="INC...", help="Incidents to link.")],
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Link incidents to a problem (`link INC-n --problem none` unlinks one)."""
    rt = runtime(ctx)
    _write(rt, lambda p, when: p.link(ref, incidents, at=when), at=at, fmt=fmt, quiet=quiet)


def _write(
    rt: Runtime,
    action: Callable[[Problems, datetime | None], Problem],
    *,
    at: str | None,
    fmt: FormatOption,
    quiet: bool,
    hint: bool = False,
) -> None:
    """Every problem write: parse --at, one call in one transaction, print the problem."""
    from inctrack.problems.verbs import Problems, known_error_hint
    from inctrack.records import PROBLEM_CSV_COLUMNS
    from inctrack.render.problems import problem_detail

    when = rt.when(at)
    with rt.tracker(write=True) as tracker:
        problems = Problems(tracker)
        problem = action(problems, when)
        record = problems.record(problem)
        nudge = known_error_hint(problem) if hint else None
    rt.emit_written(record, fmt, quiet=quiet, table=problem_detail, columns=PROBLEM_CSV_COLUMNS)
    if nudge:
        notice(nudge, no_color=rt.no_color)


def _pattern_query(
    rt: Runtime,
    window: str | None,
    min_count: int | None,
    by: str | None,
    since: str | None,
    until: str | None,
    *,
    unlinked: bool = False,
) -> PatternQuery:
    from inctrack.cli.timeparse import parse_duration
    from inctrack.problems import patterns

    return patterns.PatternQuery(
        window=parse_duration(window) if window is not None else patterns.DEFAULT_WINDOW,
        min_count=min_count if min_count is not None else patterns.DEFAULT_MIN,
        by=patterns.parse_by(by) if by is not None else patterns.DEFAULT_BY,
        since=rt.when(since), until=rt.when(until), unlinked=unlinked,
    )  # fmt: skip


def _limited(query: PatternQuery, limit: int | None) -> PatternQuery:
    from dataclasses import replace

    return replace(query, limit=limit)


def _now(rt: Runtime) -> datetime:
    """Now, rounded up to a whole second: the report reads everything logged so far, and
    the --until it pins prints without a fraction."""
    now = rt.clock.now()
    return now if now.microsecond == 0 else now.replace(microsecond=0) + timedelta(seconds=1)
