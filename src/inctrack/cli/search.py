"""search: incidents and problem records by the words in them, best match first."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from inctrack.cli.options import FormatOption
from inctrack.cli.output import notice
from inctrack.cli.runtime import runtime


class SearchKind(StrEnum):
    INCIDENT = "incident"
    PROBLEM = "problem"


def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            metavar="TEXT",
            help='Words (all must match), "a phrase", -word to leave out, prefix*, a OR b.',
        ),
    ],
    kind: Annotated[
        list[SearchKind] | None,
        typer.Option("--kind", "-k", case_sensitive=False, help="Only these (repeatable)."),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help="Only records in these statuses, incident or problem ones (repeatable).",
        ),
    ] = None,
    include_all: Annotated[
        bool, typer.Option("--all", "-a", help="Include closed and cancelled records.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-L", min=0, help="At most this many (0: no limit).")
    ] = 20,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the IDs alone, one per line.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Find incidents and problem records by their words, best match first.

    Searches titles (which count most), descriptions, notes, responses, resolution
    notes and problem records; closed and cancelled ones with `--all`.

    Examples:

        inctrack search printer
        inctrack search '"paper jam" -toner'
        inctrack search 'vpn OR wifi' --kind incident --all -f json
    """
    from inctrack.finding import search_records
    from inctrack.render.search import SEARCH_CSV_COLUMNS, search_list

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        records = search_records(
            tracker, query, kinds=[str(k) for k in kind or ()], statuses=status or (),
            include_closed=include_all, limit=limit or None,
        )  # fmt: skip
    if not records:
        notice(f"No incident or problem matches {query.strip()!r}.", no_color=rt.no_color)
    if quiet:
        typer.echo("".join(f"{record['id']}\n" for record in records), nl=False)
    elif records or (fmt is not None and fmt != "table"):
        rt.emit(records, fmt, table=search_list, columns=SEARCH_CSV_COLUMNS)
