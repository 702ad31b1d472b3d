"""The Typer tree, the global options, and the one error boundary."""

from __future__ import annotations

import gc
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from inctrack import __version__
from inctrack.cli import (
    admin,
    configure,
    db,
    editing,
    groups,
    incidents,
    kb,
    lifecycle,
    output,
    problems,
    report,
    reviews,
    search,
    services,
    sla,
    statuspage,
    templates,
    transfer,
)
from inctrack.cli.helptext import install, polish
from inctrack.cli.runtime import Runtime
from inctrack.clock import SystemClock
from inctrack.domain import unicode_text
from inctrack.errors import ExitCode, InctrackError, UsageError

ISSUES_URL = "https://github.com/inctrack/inctrack/issues"
_PASS_THROUGH = (typer.TyperException, typer.Exit, typer.Abort, EOFError)


class BoundaryGroup(TyperGroup):
    """Every command runs inside this group's ``invoke``: the one error boundary.

    Tracker errors become one sentence on stderr and their exit code; anything
    unexpected is reported as a bug (``ExitCode.INTERNAL``), with the traceback only
    when ``INCTRACK_DEBUG=1``. Typer's own usage errors pass through (``ExitCode.USAGE``).
    Building it polishes the help of the whole command tree (``cli.helptext``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        polish(self)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Every argument must be text before anything reads it: bytes that are not UTF-8
        (``log $'caf\\xe9'``) are refused here, once for every command."""
        for arg in () if ctx.resilient_parsing else args:  # completion guesses quietly
            try:
                unicode_text(arg, "The argument")
            except InctrackError as exc:
                output.error(exc.message)
                raise typer.Exit(exc.exit_code) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        no_color = isinstance(ctx.obj, Runtime) and ctx.obj.no_color
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except InctrackError as exc:
            output.error(exc.message, no_color=no_color)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # The reader (`| head`) went away: stop quietly, as cat and grep do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitCode.OK) from None
        except Exception as exc:
            if os.environ.get("INCTRACK_DEBUG") == "1":
                raise
            output.error(
                f"inctrack hit an internal error, which is a bug: {type(exc).__name__}: {exc}. "
                f"Please report it at {ISSUES_URL} with the output of the same command run "
                "with INCTRACK_DEBUG=1.",
                no_color=no_color,
            )
            raise typer.Exit(ExitCode.INTERNAL) from None


install()
app = typer.Typer(
    cls=BoundaryGroup,
    name="inctrack",
    help="A terminal-first incident tracker for IT service desks (ITIL incident process).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"inctrack {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db_target: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH|URL",
            show_default=False,
            help="Database file or SQLAlchemy URL (also INCTRACK_DB; default: a file in the "
            "platform's user data dir, see `inctrack db path`).",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as", metavar="NAME", help="Act as NAME (also INCTRACK_USER; default: OS login)."
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour, even on a terminal.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    if db_target is not None and not db_target.strip():
        raise UsageError("--db needs a file path or URL; leave it out to use the default.")
    given = ctx.obj  # a caller (a test, a program embedding the CLI) may pass its own clock
    clock = given.clock if isinstance(given, Runtime) else SystemClock()
    ctx.obj = Runtime(db_option=db_target, as_option=actor, no_color=no_color, clock=clock)
    ctx.call_on_close(ctx.obj.close)


app.command("log")(incidents.log)
app.command("show")(incidents.show)
app.command("edit")(editing.edit)
app.command("list")(incidents.list_incidents)
app.command("search")(search.search)
app.command("queue", help="Open incidents, worst first (the same as `list`).")(
    incidents.list_incidents
)
for verb in (
    lifecycle.categorize, lifecycle.prioritize, lifecycle.assign, lifecycle.take,
    lifecycle.respond, lifecycle.note, lifecycle.escalate, lifecycle.hold, lifecycle.resume,
    lifecycle.resolve, lifecycle.close, lifecycle.reopen, lifecycle.cancel, lifecycle.role,
    lifecycle.link, lifecycle.update,
):  # fmt: skip
    app.command(verb.__name__)(verb)
app.command("owner")(lifecycle.owner)
app.command("sla")(sla.sla)
app.command("export")(transfer.export)
app.command("import")(transfer.import_)
app.add_typer(report.report_app, name="report")
app.add_typer(sla.policy_app, name="policy")
app.add_typer(sla.calendar_app, name="calendar")
app.add_typer(problems.problem_app, name="problem")
app.add_typer(kb.app, name="kb")
app.add_typer(reviews.app, name="review")
app.add_typer(admin.category_app, name="category")
app.add_typer(templates.app, name="template")
app.add_typer(admin.user_app, name="user")
app.add_typer(groups.app, name="group")
app.add_typer(services.service_app, name="service")
app.add_typer(services.maintenance_app, name="maintenance")
app.add_typer(db.app, name="db")
app.add_typer(configure.app, name="config")
app.add_typer(statuspage.app, name="statuspage")


def main() -> None:
    # A report builds tens of thousands of small objects that all live until the
    # process ends; the default thresholds rescan them all in full collections,
    # which cost a 10,000-row `report sla` over a second. A command is a short
    # process: collect young objects as usual, the old ones only rarely.
    gc.set_threshold(10_000, 50, 1000)
    app()
