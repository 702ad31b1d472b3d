"""db path, db upgrade, db check: where the data lives and whether it is sound."""

from __future__ import annotations

import typer

from inctrack.cli.options import FormatOption
from inctrack.cli.runtime import runtime

app = typer.Typer(help="Where the database is, and keeping it sound.", no_args_is_help=True)


@app.command("path")
def path(ctx: typer.Context) -> None:
    """Print the database in use (a file path, or the URL with its password hidden)."""
    from inctrack.storage.engine import display_url, resolve_url

    typer.echo(display_url(resolve_url(runtime(ctx).settings.db)))


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
        typer.echo(f"{database.location} is already at schema revision {migrate.HEAD}.")
    else:
        typer.echo(
            f"Upgraded {database.location} from schema revision {before or 'none'} to "
            f"{migrate.HEAD}." + (f" Backup: {backup}" if backup else "")
        )


@app.command("check")
def check(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """Check integrity, schema revision and the append-only guard; exit 4 on a problem."""
    from inctrack.render.table import findings_table
    from inctrack.storage.check import check as run_check

    rt = runtime(ctx)
    findings = [
        {"check": f.check, "ok": f.ok, "detail": f.detail}
        for f in run_check(rt.database(upgrade=False))
    ]
    rt.emit(findings, fmt, table=findings_table)
    if not all(f["ok"] for f in findings):
        raise typer.Exit(4)
