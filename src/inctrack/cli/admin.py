"""Team data: the category taxonomy and the registered users."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inctrack.cli import output
from inctrack.cli.options import FormatOption, QuietOption
from inctrack.cli.runtime import runtime
from inctrack.domain import Role

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage.models import User

category_app = typer.Typer(
    help="The category taxonomy: list, add, rename, retire.", no_args_is_help=True
)
user_app = typer.Typer(help="People and their roles: add, list, update.", no_args_is_help=True)

Path = Annotated[str, typer.Argument(metavar="CAT[/SUB]", help="e.g. network or network/vpn.")]
Roles = Annotated[
    list[Role] | None, typer.Option("--role", case_sensitive=False, help="Repeat for several.")
]
Tier = Annotated[int | None, typer.Option("--tier", min=1, max=3, help="Responder tier, 1-3.")]
Group = Annotated[str | None, typer.Option("--group", metavar="GROUP", help="Their team.")]
Email = Annotated[str | None, typer.Option("--email", help="How to reach them.")]
Login = Annotated[
    str | None,
    typer.Option(
        "--login", metavar="LOGIN",
        help="Bind to this OS login: it acts as them, and only an admin's login may act as "
        "them ('' unbinds).",
    ),
]  # fmt: skip


def _categories(ctx: typer.Context, fmt: FormatOption, action: Callable[[Tracker], Any]) -> None:
    from inctrack.records import CATEGORY_CSV_COLUMNS, category_record
    from inctrack.render.admin import category_tree

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        action(tracker)
        records = [category_record(c) for c in tracker.taxonomy.all(include_retired=True)]
    rt.emit(records, fmt, table=category_tree, columns=CATEGORY_CSV_COLUMNS)


@category_app.command("list")
def category_list(
    ctx: typer.Context,
    include_retired: Annotated[
        bool, typer.Option("--all", "-a", help="Include retired categories.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """The taxonomy: categories and their subcategories."""
    from inctrack.records import CATEGORY_CSV_COLUMNS, category_record
    from inctrack.render.admin import category_tree

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        nodes = tracker.taxonomy.all(include_retired=include_retired)
        records = [category_record(node) for node in nodes]
    rt.emit(records, fmt, table=category_tree, columns=CATEGORY_CSV_COLUMNS)


@category_app.command("add")
def category_add(ctx: typer.Context, path: Path, fmt: FormatOption = None) -> None:
    """Add a category or subcategory (admin); prints the taxonomy."""
    _categories(ctx, fmt, lambda t: t.categories.add(path))


@category_app.command("rename")
def category_rename(
    ctx: typer.Context,
    old: Path,
    new: Annotated[str, typer.Argument(metavar="NEW", help="The new name, on the same level.")],
    fmt: FormatOption = None,
) -> None:
    """Rename a category or subcategory and relabel its incidents (admin)."""
    _categories(ctx, fmt, lambda t: t.categories.rename(old, new))


@category_app.command("retire")
def category_retire(ctx: typer.Context, path: Path, fmt: FormatOption = None) -> None:
    """Retire a category (never deleted: old incidents keep it) (admin)."""
    _categories(ctx, fmt, lambda t: t.categories.retire(path))


def _user(
    ctx: typer.Context, fmt: FormatOption, quiet: bool, action: Callable[[Tracker], User]
) -> None:
    from inctrack.records import USER_CSV_COLUMNS, user_record
    from inctrack.render.admin import user_detail

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        record = user_record(action(tracker))
    if quiet:
        output.echo(record["name"])
        return
    rt.emit(record, fmt, table=user_detail, columns=USER_CSV_COLUMNS)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="As they pass it to --as.")],
    roles: Roles = None,
    tier: Tier = None,
    group: Group = None,
    email: Email = None,
    login: Login = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Register a person with roles (admin; the first user must be an admin)."""
    _user(
        ctx, fmt, quiet,
        lambda t: t.users.add(
            name, roles=roles or [], tier=tier, group=group, email=email, login=login
        ),
    )  # fmt: skip


@user_app.command("update")
def user_update(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Who, as they pass it to --as.")],
    roles: Roles = None,
    tier: Tier = None,
    group: Group = None,
    email: Email = None,
    login: Login = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Reactivate or deactivate.")
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Change a person's roles, tier, group, email, OS login or whether they are active
    (admin)."""
    _user(
        ctx, fmt, quiet,
        lambda t: t.users.update(
            name, roles=roles, tier=tier, group=group, email=email, active=active, login=login
        ),
    )  # fmt: skip


@user_app.command("list")
def user_list(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """Registered people and their roles."""
    from inctrack.records import USER_CSV_COLUMNS, user_record
    from inctrack.render.admin import user_table

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        records = [user_record(user) for user in tracker.users.all()]
    rt.emit(records, fmt, table=user_table, columns=USER_CSV_COLUMNS)
