"""config show, config set, config unset: your personal settings, and where each
value in effect comes from (a flag, the environment, your config file or a default)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from inctrack.cli import output
from inctrack.cli.options import FormatOption, QuietOption
from inctrack.cli.runtime import runtime

app = typer.Typer(
    help="Your personal settings (database, name, output format, time zone): show, set, unset.",
    no_args_is_help=True,
)


class Key(StrEnum):
    """The keys of the config file."""

    DB = "db"
    USER = "user"
    FORMAT = "format"
    TIMEZONE = "timezone"
    DAYFIRST = "dayfirst"
    SUGGEST = "suggest"


KeyArgument = Annotated[
    Key, typer.Argument(metavar="KEY", help="db, user, format, timezone, dayfirst or suggest.")
]


@app.command("show")
def show(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The settings in effect and where each came from: a flag, an environment variable,
    your config file (named in the first row), or the default."""
    from inctrack.cli.config_file import SETTING_KEYS, settings_records
    from inctrack.render.admin import settings_table

    rt = runtime(ctx)
    rt.emit(settings_records(rt.settings), fmt, table=settings_table, columns=SETTING_KEYS)


@app.command("set")
def set_(
    ctx: typer.Context,
    key: KeyArgument,
    value: Annotated[
        str,
        typer.Argument(
            metavar="VALUE",
            help="A database file or URL; your name; table, json or csv; an IANA time zone "
            "such as Europe/London.",
        ),
    ],
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write KEY = VALUE into your config file (created, owner-only, if there is none),
    once the value is checked; the rest of the file stays as it is."""
    _write(ctx, key, value, fmt=fmt, quiet=quiet)


@app.command("unset")
def unset(
    ctx: typer.Context, key: KeyArgument, fmt: FormatOption = None, quiet: QuietOption = False
) -> None:
    """Remove KEY from your config file: the environment or the default applies again."""
    _write(ctx, key, None, fmt=fmt, quiet=quiet)


def _write(
    ctx: typer.Context, key: Key, value: str | None, *, fmt: FormatOption, quiet: bool
) -> None:
    from inctrack.cli.config_file import SETTING_KEYS, configure
    from inctrack.render.admin import settings_table

    rt = runtime(ctx)
    record, notes = configure(rt.settings, key.value, value)
    for note in notes:
        output.warning(note, no_color=rt.no_color)
    if quiet:
        output.echo(record["key"])
    else:
        rt.emit(record, fmt, table=settings_table, columns=SETTING_KEYS)
