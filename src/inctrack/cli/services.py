"""The `service` and `maintenance` commands: the service registry, a service's status,
and scheduled maintenance."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli.options import AtOption, FormatOption, QuietOption
from inctrack.cli.runtime import runtime

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage.models import MaintenanceWindow, Service

service_app = typer.Typer(
    help="The services incidents affect, and their status: list, show, add, retire, status.",
    no_args_is_help=True,
)
maintenance_app = typer.Typer(
    help="Scheduled maintenance of a service: add, list, cancel.", no_args_is_help=True
)

Name = Annotated[str, typer.Argument(metavar="NAME", help="The service, in any case.")]
STATUSES = ("operational", "degraded", "partial-outage", "major-outage")


def _write(
    ctx: typer.Context, fmt: FormatOption, quiet: bool, action: Callable[[Tracker], Service]
) -> None:
    from inctrack.render.services import service_detail
    from inctrack.services.records import SERVICE_CSV_COLUMNS

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        record = tracker.services.record(action(tracker))
    if quiet:
        typer.echo(record["name"])
        return
    rt.emit(record, fmt, table=service_detail, columns=SERVICE_CSV_COLUMNS)


@service_app.command("list")
def service_list(
    ctx: typer.Context,
    include_retired: Annotated[
        bool, typer.Option("--all", "-a", help="Include retired services.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """The registered services with their status now."""
    from inctrack.render.services import service_table
    from inctrack.services.records import SERVICE_CSV_COLUMNS

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        services = tracker.services.all(include_retired=include_retired)
        records = [tracker.services.record(service) for service in services]
    rt.emit(records, fmt, table=service_table, columns=SERVICE_CSV_COLUMNS)


@service_app.command("show")
def service_show(ctx: typer.Context, name: Name, fmt: FormatOption = None) -> None:
    """One service, its status now and every change of it (the status history)."""
    from inctrack.render.services import service_detail

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        service = tracker.services.get_or_raise(name)
        record = tracker.services.record(service, with_history=True)
    rt.emit(record, fmt, table=service_detail)


@service_app.command("add")
def service_add(
    ctx: typer.Context,
    name: Name,
    title: Annotated[
        str | None, typer.Option("--title", help="What people call it (default: NAME).")
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", metavar="GROUP", help="The team that runs it.")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="What it is, for whom.")
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Register a service (admin); adding a retired one brings it back."""
    _write(
        ctx, fmt, quiet,
        lambda t: t.services.add(name, title=title, group=group, description=description),
    )  # fmt: skip


@service_app.command("retire")
def service_retire(
    ctx: typer.Context, name: Name, fmt: FormatOption = None, quiet: QuietOption = False
) -> None:
    """Retire a service: its incidents keep it, new incidents cannot name it (admin)."""
    _write(ctx, fmt, quiet, lambda t: t.services.retire(name))


@service_app.command("status")
def service_status(
    ctx: typer.Context,
    name: Name,
    status: Annotated[
        str | None,
        typer.Argument(
            metavar="STATUS", help=f"One of {', '.join(STATUSES)}; leave out with --auto."
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required when setting a status).")
    ] = None,
    auto: Annotated[
        bool, typer.Option("--auto", help="Clear the status set by hand: follow the incidents.")
    ] = False,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Set a service's status by hand (service desk, incident manager, admin), or --auto."""
    from inctrack.errors import UsageError

    if auto == (status is not None):
        raise UsageError("Give a STATUS with --reason, or --auto to clear it; not both.")
    when = runtime(ctx).when(at)
    _write(ctx, fmt, quiet, lambda t: t.services.set_status(name, status, reason=reason, at=when))


# -- maintenance ---------------------------------------------------------------------


@maintenance_app.command("add")
def maintenance_add(
    ctx: typer.Context,
    message: Annotated[str, typer.Argument(metavar="MESSAGE", help="What is done, and why.")],
    service: Annotated[str, typer.Option("--service", help="The service maintained.")],
    starts: Annotated[str, typer.Option("--from", metavar="WHEN", help="When it starts.")],
    ends: Annotated[str, typer.Option("--until", metavar="WHEN", help="When it ends.")],
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Schedule maintenance of a service (incident manager, admin); prints its MNT-n."""
    rt = runtime(ctx)
    starts_at, ends_at = rt.when(starts), rt.when(ends)
    assert starts_at is not None
    assert ends_at is not None
    _write_window(
        ctx, fmt, quiet,
        lambda t: t.maintenance.add(service, starts_at=starts_at, ends_at=ends_at,
                                    message=message),
    )  # fmt: skip


@maintenance_app.command("cancel")
def maintenance_cancel(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ID", help="MNT-3, mnt-3 or 3.")],
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Cancel maintenance that has not ended (incident manager, admin)."""
    _write_window(ctx, fmt, quiet, lambda t: t.maintenance.cancel(ref))


@maintenance_app.command("list")
def maintenance_list(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Option("--service", help="Only this one.")] = None,
    include_past: Annotated[
        bool, typer.Option("--all", "-a", help="Include past and cancelled maintenance.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Maintenance to come and under way, soonest first."""
    from inctrack.render.services import maintenance_table
    from inctrack.services.records import MAINTENANCE_CSV_COLUMNS, maintenance_record

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        found = tracker.maintenance.list(service=service, include_past=include_past)
        records = [maintenance_record(window, owner) for window, owner in found]
    rt.emit(records, fmt, table=maintenance_table, columns=MAINTENANCE_CSV_COLUMNS)


def _write_window(
    ctx: typer.Context,
    fmt: FormatOption,
    quiet: bool,
    action: Callable[[Tracker], MaintenanceWindow],
) -> None:
    from inctrack.render.services import maintenance_detail
    from inctrack.services.records import MAINTENANCE_CSV_COLUMNS, maintenance_record

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        window = action(tracker)
        record = maintenance_record(window, tracker.maintenance.service_of(window))
    rt.emit_written(
        record, fmt, quiet=quiet, table=maintenance_detail, columns=MAINTENANCE_CSV_COLUMNS
    )
