"""SLA: one incident's clocks explained, the policy, the calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli.options import AsOfOption, FormatOption, IncidentArgument
from inctrack.cli.runtime import runtime
from inctrack.domain import Priority

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker
    from inctrack.sla.policy import Policy

policy_app = typer.Typer(help="SLA targets per priority, at-risk threshold, matrix.")
calendar_app = typer.Typer(help="The business calendar: hours, time zone, holidays.")
holiday_app = typer.Typer(help="Days without working time.", no_args_is_help=True)
calendar_app.add_typer(holiday_app, name="holiday")


def sla(
    ctx: typer.Context,
    ref: IncidentArgument,
    as_of: AsOfOption = None,
    fmt: FormatOption = None,
) -> None:
    """Both SLA clocks of one incident, segment by segment, with what began each."""
    from inctrack.render.sla import sla_detail
    from inctrack.reports.sla import explain

    rt = runtime(ctx)
    moment = rt.when(as_of) or rt.clock.now().replace(microsecond=0)
    with rt.tracker(write=False) as tracker:
        record = explain(tracker, ref, as_of=moment)
    rt.emit(record, fmt, table=sla_detail)


def _policy(
    ctx: typer.Context, fmt: FormatOption, action: Callable[[Tracker], Policy] | None = None
) -> None:
    from inctrack.render.sla import policy_table

    rt = runtime(ctx)
    with rt.tracker(write=action is not None) as tracker:
        policy = action(tracker) if action else tracker.policy()
        record = policy.record()
    rt.emit(record, fmt, table=policy_table)


@policy_app.command("show")
def policy_show(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The SLA targets per priority, the at-risk threshold, the matrix and the calendar."""
    _policy(ctx, fmt)


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    priority: Annotated[
        Priority | None,
        typer.Argument(
            metavar="PRIORITY", case_sensitive=False, help="The priority whose targets change."
        ),
    ] = None,
    respond: Annotated[
        str | None, typer.Option("--respond", metavar="DURATION", help="e.g. 15m, 4h, 1d.")
    ] = None,
    resolve: Annotated[
        str | None, typer.Option("--resolve", metavar="DURATION", help="e.g. 4h, 3d.")
    ] = None,
    calendar: Annotated[
        str | None,
        typer.Option(
            "--calendar", metavar="24x7|business", help="Count round the clock or business hours."
        ),
    ] = None,
    update_every: Annotated[
        str | None,
        typer.Option(
            "--update-every",
            metavar="DURATION|none",
            help="Stakeholder update cadence, e.g. 30m (`report comms`); none for no cadence.",
        ),
    ] = None,
    at_risk: Annotated[
        str | None, typer.Option("--at-risk", metavar="PERCENT", help="e.g. 75%.")
    ] = None,
    matrix: Annotated[
        list[str] | None,
        typer.Option("--matrix", metavar="IMPACT/URGENCY=P", help="e.g. high/low=P2."),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Change the policy (admin): `policy set P3 --respond 4h --resolve 3d --calendar business`."""
    targets = any(v is not None for v in (respond, resolve, calendar, update_every))
    if targets and priority is None:
        raise typer.BadParameter("say which priority, e.g. policy set P3 --respond 4h")
    if priority is not None and not targets:
        raise typer.BadParameter(
            "say what changes: --respond, --resolve, --calendar or --update-every"
        )
    if not targets and at_risk is None and not matrix:
        raise typer.BadParameter("nothing to change; see inctrack policy set --help")

    def change(tracker: Tracker) -> Policy:
        if priority is not None and (respond or resolve or calendar):
            tracker.settings.set_target(
                priority, respond=respond, resolve=resolve, calendar=calendar
            )
        if priority is not None and update_every is not None:
            tracker.settings.set_update_every(priority, update_every)
        if at_risk is not None:
            tracker.settings.set_at_risk(at_risk)
        if matrix:
            tracker.settings.set_matrix(matrix)
        return tracker.policy()

    _policy(ctx, fmt, change)


@calendar_app.command("show")
def calendar_show(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The business calendar: time zone, hours and holidays."""
    _calendar(ctx, fmt)


@calendar_app.command("set")
def calendar_set(
    ctx: typer.Context,
    timezone: Annotated[
        str | None, typer.Option("--timezone", metavar="ZONE", help="e.g. Europe/London.")
    ] = None,
    hours: Annotated[
        str | None,
        typer.Option("--hours", metavar="SPEC", help='e.g. "Mon-Fri 09:00-17:00".'),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Set the business calendar's time zone and working hours (admin)."""
    if timezone is None and hours is None:
        raise typer.BadParameter("say --timezone and/or --hours")
    _calendar(ctx, fmt, lambda t: t.settings.set_calendar(timezone=timezone, hours=hours))


def _calendar(
    ctx: typer.Context, fmt: FormatOption, action: Callable[[Tracker], Policy] | None = None
) -> None:
    from inctrack.render.sla import calendar_table

    rt = runtime(ctx)
    with rt.tracker(write=action is not None) as tracker:
        policy = action(tracker) if action else tracker.policy()
        record = policy.record()["calendar"]
    rt.emit(record, fmt, table=calendar_table)


Day = Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD.")]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD") from None


@holiday_app.command("add")
def holiday_add(
    ctx: typer.Context,
    day: Day,
    name: Annotated[
        str | None, typer.Option("--name", help="What the day is, e.g. Christmas.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Add a holiday (admin)."""
    when = _day(day)
    _calendar(ctx, fmt, lambda t: t.settings.add_holiday(when, name=name))


@holiday_app.command("remove")
def holiday_remove(ctx: typer.Context, day: Day, fmt: FormatOption = None) -> None:
    """Remove a holiday (admin)."""
    when = _day(day)
    _calendar(ctx, fmt, lambda t: t.settings.remove_holiday(when))


@holiday_app.command("list")
def holiday_list(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The holidays of the business calendar."""
    from inctrack.render.sla import holiday_table

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        records = tracker.policy().record()["calendar"]["holidays"]
    rt.emit(records, fmt, table=holiday_table, columns=("date", "name"))


@holiday_app.command("import")
def holiday_import(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", metavar="CC", help="ISO code, e.g. GB.")],
    years: Annotated[str, typer.Option("--years", metavar="YYYY[-YYYY]", help="e.g. 2026-2027.")],
    subdivision: Annotated[
        str | None, typer.Option("--subdivision", metavar="CODE", help="e.g. SCT, CA.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Import a country's public holidays (admin), from the holidays package."""
    first, _, last = years.partition("-")
    four_digits = all(len(y) == 4 and y.isdigit() for y in (first, last or first))
    if not four_digits:
        raise typer.BadParameter("write --years 2026 or --years 2026-2027")
    span = range(int(first), int(last or first) + 1)
    if not 0 < len(span) <= 20:
        raise typer.BadParameter("give at most 20 years, first to last")

    def import_them(t: Tracker) -> Policy:
        t.settings.import_holidays(country, list(span), subdivision=subdivision)
        return t.policy()

    _calendar(ctx, fmt, import_them)
