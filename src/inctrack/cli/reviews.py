"""Post-incident reviews: `review INC-n`, `review show|edit|complete`, `review action ...`.

`review INC-n` is short for `review create INC-n`: the group reads a first word
that is not one of its commands as the incident to review.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from inctrack.cli.options import FormatOption, IncidentArgument, QuietOption
from inctrack.cli.output import notice
from inctrack.cli.runtime import runtime
from inctrack.errors import UsageError

if TYPE_CHECKING:
    from inctrack.cli.runtime import Runtime
    from inctrack.records import Record
    from inctrack.storage.models import Review


class ReviewGroup(TyperGroup):
    """`review INC-7` runs `review create INC-7`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["create", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=ReviewGroup,
    help="Post-incident reviews: `review INC-n` starts one from the incident's timeline.",
    no_args_is_help=True,
)
action_app = typer.Typer(help="Follow-up actions of reviews (ACT-n).", no_args_is_help=True)
app.add_typer(action_app, name="action")


class ReviewFormat(StrEnum):
    MD = "md"
    HTML = "html"
    JSON = "json"


ReviewFormatOption = Annotated[
    ReviewFormat,
    typer.Option("--format", "-f", case_sensitive=False, help="Markdown, an HTML page or JSON."),
]


@app.command("create")
def create(
    ctx: typer.Context,
    ref: IncidentArgument,
    fmt: ReviewFormatOption = ReviewFormat.MD,
    quiet: QuietOption = False,
) -> None:
    """Start the review of a resolved major or P1/P2 incident (`review INC-n` for short)."""
    _write(runtime(ctx), lambda reviews: reviews.create(ref), fmt=fmt, quiet=quiet)


@app.command("show")
def show(
    ctx: typer.Context, ref: IncidentArgument, fmt: ReviewFormatOption = ReviewFormat.MD
) -> None:
    """Show a review: the timeline's facts, the team's sections and the action items."""
    from inctrack.reviews.verbs import Reviews

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        reviews = Reviews(tracker)
        record = reviews.record(reviews.get_or_raise(ref))
    _print(rt, record, fmt)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: IncidentArgument,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            metavar="NAME",
            help="what-happened, contributing-factors, went-well or to-improve.",
        ),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            metavar="TEXT",
            help='The section\'s Markdown ("" clears it); `-` reads it from stdin.',
        ),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option(
            "--description",
            "-d",
            metavar="TEXT",
            help="The same as --text, by the name log and edit use (`-d -` reads stdin).",
        ),
    ] = None,
    editor: Annotated[
        bool,
        typer.Option("--editor", "-e", help="Edit the whole review as Markdown in $EDITOR."),
    ] = False,
    fmt: ReviewFormatOption = ReviewFormat.MD,
    quiet: QuietOption = False,
) -> None:
    """Write the team's sections: one with --section and --text, or all in $EDITOR.

    In the editor the whole review opens as Markdown; the text under the headings
    What happened, Contributing factors, What went well and What to improve is
    read back, the rest is generated and left as it is.
    """
    rt = runtime(ctx)
    if text is not None and description is not None:
        raise UsageError("Give --text or --description (-d), not both.")
    text = text if description is None else description
    if (section is None) != (text is None):
        raise UsageError("Give --section NAME with --text TEXT (or -d - to read stdin).")
    if section is not None and editor:
        raise UsageError("Give --section and --text, or --editor, not both.")
    if section is not None and text is not None:
        body = sys.stdin.read() if text == "-" else text
        changes = {section: body}
    elif editor or sys.stdin.isatty():
        changes = _from_editor(rt, ref)
        if not changes:
            notice("Nothing changed; the review is as it was.", no_color=rt.no_color)
            return
    else:
        raise UsageError(
            "Say what to write: --section NAME --text TEXT; or run it on a terminal, or "
            "with --editor, to edit the review in $EDITOR."
        )
    _write(rt, lambda reviews: reviews.write(ref, changes), fmt=fmt, quiet=quiet)


@app.command("complete")
def complete(
    ctx: typer.Context,
    ref: IncidentArgument,
    fmt: ReviewFormatOption = ReviewFormat.MD,
    quiet: QuietOption = False,
) -> None:
    """Mark the review agreed (every section written); it is not edited after that."""
    _write(runtime(ctx), lambda reviews: reviews.complete(ref), fmt=fmt, quiet=quiet)


@action_app.command("add")
def action_add(
    ctx: typer.Context,
    ref: IncidentArgument,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What is to be done.")],
    owner: Annotated[str, typer.Option("--owner", metavar="USER", help="Who does it.")],
    due: Annotated[
        str,
        typer.Option(
            "--due", metavar="WHEN", help="By when: a time (2026-12-20 17:00) or a span (14d)."
        ),
    ],
    problem: Annotated[
        str | None,
        typer.Option("--problem", metavar="PRB", help="The problem record it feeds."),
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Add a follow-up action to an incident's review."""
    from inctrack.render.reviews import action_list
    from inctrack.reviews.actions import Actions
    from inctrack.reviews.records import ACTION_COLUMNS

    rt = runtime(ctx)
    when = _due(rt, due)
    with rt.tracker(write=True) as tracker:
        actions = Actions(tracker)
        item = actions.add(ref, text, owner=owner, due=when, problem=problem)
        record = actions.records([item])[0]
    if quiet:
        typer.echo(record["id"])
    else:
        rt.emit([record], fmt, table=action_list, columns=ACTION_COLUMNS)


@action_app.command("done")
def action_done(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ACT", help="ACT-3, act-3 or 3.")],
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Mark an action item done."""
    from inctrack.render.reviews import action_list
    from inctrack.reviews.actions import Actions
    from inctrack.reviews.records import ACTION_COLUMNS

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        actions = Actions(tracker)
        record = actions.records([actions.done(ref)])[0]
    if quiet:
        typer.echo(record["id"])
    else:
        rt.emit([record], fmt, table=action_list, columns=ACTION_COLUMNS)


@action_app.command("list")
def action_list_command(
    ctx: typer.Context,
    incident: Annotated[
        str | None,
        typer.Option("--incident", metavar="INC", help="Only this incident's review."),
    ] = None,
    include_done: Annotated[
        bool, typer.Option("--all", "-a", help="Include action items already done.")
    ] = False,
    fmt: FormatOption = None,
) -> None:
    """Open action items, soonest due first (done ones too with --all)."""
    from inctrack.render.reviews import action_list
    from inctrack.reviews.actions import Actions
    from inctrack.reviews.records import ACTION_COLUMNS

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        actions = Actions(tracker)
        records = actions.records(actions.find(incident=incident, include_done=include_done))
    rt.emit(records, fmt, table=action_list, columns=ACTION_COLUMNS)


def _due(rt: Runtime, text: str) -> Any:
    from inctrack.cli.timeparse import parse_duration
    from inctrack.errors import Rejected

    try:
        span = parse_duration(text)
    except Rejected:
        return rt.when(text)
    return rt.clock.now().replace(microsecond=0) + span


def _write(rt: Runtime, action: Any, *, fmt: ReviewFormat, quiet: bool) -> None:
    from inctrack.domain import format_incident_id
    from inctrack.reviews.verbs import Reviews

    with rt.tracker(write=True) as tracker:
        reviews = Reviews(tracker)
        review: Review = action(reviews)
        record = reviews.record(review)
    if quiet:
        typer.echo(format_incident_id(review.incident_id))
    else:
        _print(rt, record, fmt)


def _print(rt: Runtime, record: Record, fmt: ReviewFormat) -> None:
    from inctrack.render import to_json
    from inctrack.render.reviews import review_html, review_markdown

    tz = rt.settings.timezone
    if fmt is ReviewFormat.JSON:
        typer.echo(to_json(record))
    elif fmt is ReviewFormat.HTML:
        typer.echo(review_html(record, tz=tz), nl=False)
    else:
        typer.echo(review_markdown(record, tz=tz), nl=False)


def _from_editor(rt: Runtime, ref: str) -> dict[str, str]:
    """The sections the person changed in the review opened in their editor."""
    from inctrack.cli.editing import run_editor
    from inctrack.render.reviews import review_markdown
    from inctrack.reviews.sections import parse_markdown
    from inctrack.reviews.verbs import Reviews

    with rt.tracker(write=False) as tracker:
        reviews = Reviews(tracker)
        record = reviews.record(reviews.get_or_raise(ref))
    after = parse_markdown(run_editor(review_markdown(record, tz=rt.settings.timezone)))
    before = {name: body or "" for name, body in record["sections"].items()}
    return {name: body for name, body in after.items() if body != before.get(name, "")}
