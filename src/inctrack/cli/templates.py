"""Log templates: named sets of `log` values for the calls that come in every week."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from inctrack.cli import output
from inctrack.cli.incidents import (
    CategoryOption,
    ChannelOption,
    Contact,
    DedupKey,
    Description,
    Impact,
    Reporter,
    Service,
    Urgency,
)
from inctrack.cli.options import FormatOption, QuietOption
from inctrack.cli.runtime import runtime

app = typer.Typer(
    help="Log templates: preset values for `log --template NAME`.", no_args_is_help=True
)

Name = Annotated[str, typer.Argument(metavar="NAME", help="e.g. printer-jam.")]


@app.command("add")
def template_add(
    ctx: typer.Context,
    name: Name,
    title: Annotated[
        str | None, typer.Option("--title", help="The title, when the template has one.")
    ] = None,
    reporter: Reporter = None,
    contact: Contact = None,
    description: Description = None,
    channel: ChannelOption = None,
    service: Service = None,
    category: CategoryOption = None,
    impact: Impact = None,
    urgency: Urgency = None,
    dedup_key: DedupKey = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Save values that `log --template NAME` starts from (service desk or admin)."""
    from inctrack.incidents.requests import LogRequest
    from inctrack.records import TEMPLATE_CSV_COLUMNS, template_record
    from inctrack.render.admin import template_detail

    preset = LogRequest(
        title=title, reporter=reporter, contact=contact, channel=channel, service=service,
        description=sys.stdin.read() if description == "-" else description,
        category=category, impact=impact, urgency=urgency, dedup_key=dedup_key,
    )  # fmt: skip
    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        record = template_record(tracker.templates.add(name, preset))
    if quiet:
        output.echo(record["name"])
        return
    rt.emit(record, fmt, table=template_detail, columns=TEMPLATE_CSV_COLUMNS)


@app.command("list")
def template_list(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """Every template and what it presets."""
    from inctrack.records import TEMPLATE_CSV_COLUMNS, template_record
    from inctrack.render.admin import template_table

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        records = [template_record(t) for t in tracker.templates.all()]
    rt.emit(records, fmt, table=template_table, columns=TEMPLATE_CSV_COLUMNS)


@app.command("show")
def template_show(ctx: typer.Context, name: Name, fmt: FormatOption = None) -> None:
    """One template's preset values."""
    from inctrack.records import TEMPLATE_CSV_COLUMNS, template_record
    from inctrack.render.admin import template_detail

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        record = template_record(tracker.templates.get_or_raise(name))
    rt.emit(record, fmt, table=template_detail, columns=TEMPLATE_CSV_COLUMNS)


@app.command("remove")
def template_remove(
    ctx: typer.Context, name: Name, fmt: FormatOption = None, quiet: QuietOption = False
) -> None:
    """Delete a template (service desk or admin); incidents logged with it keep their values."""
    from inctrack.records import TEMPLATE_CSV_COLUMNS, template_record
    from inctrack.render.admin import template_detail

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        record = template_record(tracker.templates.remove(name))
    if quiet:
        output.echo(record["name"])
        return
    rt.emit(record, fmt, table=template_detail, columns=TEMPLATE_CSV_COLUMNS)
