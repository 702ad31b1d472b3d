"""The public status page: `statuspage build DIR` writes it, `statuspage show` prints it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inctrack.cli.options import FormatOption
from inctrack.cli.runtime import runtime

app = typer.Typer(
    help="The public status page: a static site built from the public updates.",
    no_args_is_help=True,
)

Title = Annotated[
    str, typer.Option("--title", help="The page's name, shown at the top of every page.")
]
SERVICE_COLUMNS = ("id", "name", "status", "uptime", "description")
Days = Annotated[
    int, typer.Option("--days", min=1, max=366, help="How many days of history the bars show.")
]


@app.command("build")
def build(
    ctx: typer.Context,
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="Where the site goes: a new or empty directory, or one built here before "
            "(replaced whole).",
        ),
    ],
    title: Title = "Service status",
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="Where the site is published (e.g. https://status.example.com), for the "
            "feed's and the API's links.",
        ),
    ] = "",
    days: Days = 90,
    fmt: FormatOption = None,
) -> None:
    """Write the status page to DIR: HTML pages, an Atom feed and the Statuspage API v2 JSON."""
    from inctrack.render.statuspage import build_summary
    from inctrack.statuspage.site import StatusPage

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        record = StatusPage(tracker.work).build(
            directory, title=title, base_url=base_url, days=days
        )
    rt.emit(record, fmt, table=build_summary)


@app.command("show")
def show(
    ctx: typer.Context, title: Title = "Service status", days: Days = 90, fmt: FormatOption = None
) -> None:
    """What the status page shows now, in the terminal (JSON: the API v2 summary; CSV: one
    row per service)."""
    from inctrack.cli.options import OutputFormat
    from inctrack.render.statuspage import status_view
    from inctrack.statuspage.api import terminal_record
    from inctrack.statuspage.site import StatusPage

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        record = terminal_record(StatusPage(tracker.work).gather(title=title, days=days))
    if rt.output_format(fmt) is OutputFormat.CSV:
        rt.emit(record["components"], fmt, table=status_view, columns=SERVICE_COLUMNS)
        return
    rt.emit(record, fmt, table=status_view)
