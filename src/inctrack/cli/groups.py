"""The `group` commands: the registry of resolver groups that incidents and users name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli import output
from inctrack.cli.options import FormatOption, QuietOption
from inctrack.cli.runtime import runtime

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage.models import Group

app = typer.Typer(
    help="The resolver groups incidents are assigned to: list, add, rename, retire.",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(metavar="NAME", help="The group, in any case.")]


def _write(
    ctx: typer.Context, fmt: FormatOption, quiet: bool, action: Callable[[Tracker], Group]
) -> None:
    from inctrack.records import GROUP_CSV_COLUMNS
    from inctrack.render.admin import group_detail

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        record = tracker.groups.record(action(tracker))
    if quiet:
        output.echo(record["name"])
        return
    rt.emit(record, fmt, table=group_detail, columns=GROUP_CSV_COLUMNS)


@app.command("list")
def group_list(
    ctx: typer.Context,
    include_retired: Annotated[
        bool, typer.Option("--all", "-a", help="Include retired groups.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """The registered groups, with their members and open incidents."""
    from inctrack.records import GROUP_CSV_COLUMNS
    from inctrack.render.admin import group_table

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        groups = tracker.groups.all(include_retired=include_retired)
        records = [tracker.groups.record(group) for group in groups]
    rt.emit(records, fmt, table=group_table, columns=GROUP_CSV_COLUMNS)


@app.command("add")
def group_add(
    ctx: typer.Context,
    name: Name,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="What the team looks after.")
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Register a group (admin); adding a retired one brings it back."""
    _write(ctx, fmt, quiet, lambda t: t.groups.add(name, description=description))


@app.command("rename")
def group_rename(
    ctx: typer.Context,
    old: Name,
    new: Annotated[str, typer.Argument(metavar="NEW", help="The new name.")],
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Rename a group and relabel its incidents and users (admin)."""
    _write(ctx, fmt, quiet, lambda t: t.groups.rename(old, new))


@app.command("retire")
def group_retire(
    ctx: typer.Context, name: Name, fmt: FormatOption = None, quiet: QuietOption = False
) -> None:
    """Retire a group: its incidents and users keep it, new work cannot go to it (admin)."""
    _write(ctx, fmt, quiet, lambda t: t.groups.retire(name))
