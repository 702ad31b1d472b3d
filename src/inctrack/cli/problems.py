"""Problem records: `problem create|show|list|update|resolve|link`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli.options import AtOption, FormatOption, QuietOption
from inctrack.cli.output import notice
from inctrack.cli.report import (
    PatternBy,
    PatternMin,
    PatternSince,
    PatternUntil,
    PatternWindow,
    pattern_query,
)
from inctrack.cli.runtime import Runtime, runtime
from inctrack.domain import ProblemStatus

if TYPE_CHECKING:
    from datetime import datetime

    from inctrack.problems.verbs import Problems
    from inctrack.storage.models import Problem

problem_app = typer.Typer(
    help="Problem records: the causes behind recurring incidents.", no_args_is_help=True
)

ProblemArgument = Annotated[str, typer.Argument(metavar="PRB", help="PRB-7, prb-7 or 7.")]


class IncidentFix(StrEnum):
    """How `problem resolve --resolve-incidents` resolves the open incidents."""

    FIXED = "fixed"
    WORKAROUND = "workaround"


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
    window: PatternWindow = None,
    min_count: PatternMin = None,
    by: PatternBy = None,
    since: PatternSince = None,
    until: PatternUntil = None,
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
    query = (
        pattern_query(rt, window=window, min_count=min_count, by=by, since=since, until=until)
        if from_pattern is not None
        else None
    )

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
