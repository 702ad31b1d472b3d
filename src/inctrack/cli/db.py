"""db path, db upgrade, db check, db grant: where the data lives, whether it is sound,
and who may write it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli import output
from inctrack.cli.options import FormatOption, QuietOption
from inctrack.cli.runtime import runtime
from inctrack.errors import ExitCode

if TYPE_CHECKING:
    from inctrack.storage.engine import Initialized

app = typer.Typer(help="Where the database is, and keeping it sound.", no_args_is_help=True)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the database in use (a file path, or the URL with its password hidden)."""
    from inctrack.storage.location import display_url, resolve_url

    output.echo(display_url(resolve_url(runtime(ctx).settings.db)))


@app.command("init")
def init(
    ctx: typer.Context,
    shared: Annotated[
        bool, typer.Option("--shared", help="A new file is readable and writable by its group too.")
    ] = False,
) -> None:
    """Create the database: a new SQLite file (owner-only unless --shared) with the schema.

    Also sets up an empty PostgreSQL database. An existing inctrack database is left
    as it is (exit 0); anything else that exists is refused (exit 4).
    """
    from inctrack.storage import Database

    rt = runtime(ctx)
    done = Database.init(rt.settings.db, shared=shared, parents=rt.db_is_default)
    output.echo(init_message(done, shared=shared))


def init_message(done: Initialized, *, shared: bool) -> str:
    """The one line ``db init`` prints about what it found and did."""
    from inctrack.storage.migrate import HEAD, SchemaState

    if done.created:
        return f"Created {done.location}" + (" (shared with its group)" if shared else "")
    if done.before is SchemaState.EMPTY:
        return f"Created the inctrack schema in {done.location}"
    known = {
        SchemaState.BEHIND: f"; `inctrack db upgrade` brings it to {HEAD}",
        SchemaState.AHEAD: ", written by a newer inctrack than this one",
    }.get(done.before, "")
    mode = "; --shared changes only new files, so its mode is unchanged" if shared else ""
    return (
        f"{done.location} is already an inctrack database (schema revision {done.revision})"
        f"{known}{mode}."
    )


@app.command("backup")
def backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
) -> None:
    """Copy a SQLite database while it is in use (a consistent snapshot, owner-only)."""
    from inctrack.errors import Rejected
    from inctrack.storage.location import sqlite_path
    from inctrack.storage.migrate import backup_sqlite_to

    database = runtime(ctx).database()
    path = sqlite_path(database.url)
    if path is None:
        raise Rejected(
            f"db backup copies SQLite files; back up {database.location} with the server's "
            "own tools (pg_dump)."
        )
    backup_sqlite_to(path, target)
    output.echo(f"Backed up {database.location} to {target}")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring the schema up to this version of inctrack (a SQLite file is backed up first)."""
    from inctrack.storage import migrate

    database = runtime(ctx).database(upgrade=False)
    with database.translate_errors(), database.connect() as connection:
        before = migrate.current_revision(connection)
    with database.translate_errors():
        backup = migrate.upgrade(database)
    if before == migrate.HEAD:
        output.echo(f"{database.location} is already at schema revision {migrate.HEAD}.")
    else:
        output.echo(
            f"Upgraded {database.location} from schema revision {before or 'none'} to "
            f"{migrate.HEAD}." + (f" Backup: {backup}" if backup else "")
        )


@app.command("check")
def check(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Recompute the stored clock columns that disagree with the events.",
        ),
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Check integrity, schema revision, the append-only guard and the stored clocks;
    exit 4 on a problem (``--repair`` recomputes stored clocks that disagree)."""
    from inctrack.records import finding_record
    from inctrack.render.admin import findings_table
    from inctrack.sla.stored import check as check_stored
    from inctrack.storage.check import check as run_check
    from inctrack.storage.check import verdict

    rt = runtime(ctx)
    database = rt.database(upgrade=False)
    findings = [*run_check(database), check_stored(database, repair=repair)]
    rt.emit([finding_record(f) for f in findings], fmt, table=findings_table)
    if (code := verdict(findings)) is not ExitCode.OK:
        raise typer.Exit(code)


@app.command("verify")
def verify(
    ctx: typer.Context,
    anchor: Annotated[
        Path | None,
        typer.Option(
            "--anchor",
            metavar="FILE",
            help="Check that the history still extends the head kept in FILE; a missing "
            "FILE is written with the current head.",
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Recompute the events' hash chain and check every incident against its events.

    Names the first event that does not match, or the first incident whose row
    disagrees with its events; exit 4 on any problem. Keep the anchor FILE where
    the database's writers cannot reach it (see docs/trust-and-audit.md).
    """
    from inctrack.records import finding_record
    from inctrack.render.admin import findings_table
    from inctrack.storage.check import verdict
    from inctrack.storage.verify import verify as run_verify

    rt = runtime(ctx)
    findings = run_verify(rt.database(), anchor=anchor, now=rt.clock.now())
    rt.emit([finding_record(f) for f in findings], fmt, table=findings_table)
    if (code := verdict(findings)) is not ExitCode.OK:
        raise typer.Exit(code)


@app.command("grant")
def grant(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="USER", help="The inctrack user.")],
    role: Annotated[
        str | None,
        typer.Option(
            "--login",
            metavar="ROLE",
            help="The database role to create or use (default: their OS login, else their name).",
        ),
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Give USER a PostgreSQL role of their own, with only what inctrack needs (admin).

    A session as that role acts as USER, and as anyone else only if USER is an admin.
    The role owns nothing, so it cannot disable the append-only triggers. SQLite has
    no roles: exit 4 (docs/identity.md).
    """
    from inctrack.admin.grants import Grants
    from inctrack.records import USER_CSV_COLUMNS, user_record
    from inctrack.render.admin import user_detail

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        record = user_record(Grants(tracker.work).grant(name, role=role))
    if quiet:
        typer.echo(record["name"])
    else:
        rt.emit(record, fmt, table=user_detail, columns=USER_CSV_COLUMNS)
