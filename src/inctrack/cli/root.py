"""The Typer tree, the global options, and the one error boundary."""

from __future__ import annotations

import gc
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from inctrack import __version__
from inctrack.cli.commands import Commands, Entry, build
from inctrack.cli.helptext import install
from inctrack.errors import ExitCode, InctrackError, UsageError

ISSUES_URL = "https://github.com/inctrack/inctrack/issues"
_PASS_THROUGH = (typer.TyperException, typer.Exit, typer.Abort, EOFError)


class BoundaryGroup(TyperGroup):
    """Every command runs inside this group's ``invoke``: the one error boundary.

    Tracker errors become one sentence on stderr and their exit code; anything
    unexpected is reported as a bug (``ExitCode.INTERNAL``), with the traceback only
    when ``INCTRACK_DEBUG=1``. Typer's own usage errors pass through (``ExitCode.USAGE``).

    Its commands are :class:`~inctrack.cli.commands.Commands`: named by a table, each
    imported, built and polished (``cli.helptext``) only when it is run or its help is
    asked for, so that a command, `--help` and completion import only what they use.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = self.table = Commands(self._build)

    def _build(self, entry: Entry) -> Any:
        return build(
            entry,
            markup=self.rich_markup_mode,
            short=app.pretty_exceptions_short,
            suggest=self.suggest_commands,
        )

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names alone: Typer's own builds every command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with self.table.listing():
            super().format_help(ctx, formatter)

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        with self.table.listing():
            return super().shell_complete(ctx, incomplete)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Every argument must be text before anything reads it: bytes that are not UTF-8
        (``log $'caf\\xe9'``) are refused here, once for every command."""
        for arg in () if ctx.resilient_parsing else args:  # completion guesses quietly
            if arg.isascii() and "\x00" not in arg:
                continue  # text, as domain.unicode_text would say, without importing it
            from inctrack.domain import unicode_text

            try:
                unicode_text(arg, "The argument")
            except InctrackError as exc:
                from inctrack.cli import output

                output.error(exc.message)
                raise typer.Exit(exc.exit_code) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        given = ctx.obj  # what a caller passed: the callback replaces it
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except InctrackError as exc:
            from inctrack.cli import output

            output.error(exc.message, no_color=_no_color(given))
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # The reader (`| head`) went away: stop quietly, as cat and grep do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitCode.OK) from None
        except Exception as exc:
            if os.environ.get("INCTRACK_DEBUG") == "1":
                raise
            from inctrack.cli import output

            output.error(
                f"inctrack hit an internal error, which is a bug: {type(exc).__name__}: {exc}. "
                f"Please report it at {ISSUES_URL} with the output of the same command run "
                "with INCTRACK_DEBUG=1.",
                no_color=_no_color(given),
            )
            raise typer.Exit(ExitCode.INTERNAL) from None


def _no_color(given: Any) -> bool:
    """Whether the Runtime a caller passed in turns colour off (imported only then)."""
    if given is None:
        return False
    from inctrack.cli.runtime import Runtime

    return isinstance(given, Runtime) and given.no_color


class _Converter:
    """What Typer converts a parameter's value with, built only when there is a value.

    Typer builds each parameter's converter (a Pydantic TypeAdapter: importing Pydantic
    costs about 75 ms) the first time the parameter is processed, even when its value is
    None, which converts to None (or ``()``) without it. Completion and the global
    options of every command are mostly such values: they need no Pydantic.
    """

    def __init__(self, param: Any, build: Any) -> None:
        self._param, self._build = param, build

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # as Typer's RuntimeParam.coerce answers, without building it
            return () if param.multiple or param.nargs == -1 else None
        return self._build(self._param).coerce(value, param=param, ctx=ctx)


def _defer_conversion() -> None:
    """Give every parameter a :class:`_Converter` over the one Typer builds."""
    for cls in (TyperOption, TyperArgument):
        built = cls.get_runtime_param

        def deferred(self: Any, built: Any = built) -> Any:
            return _Converter(self, built)

        cls.get_runtime_param = deferred  # type: ignore[method-assign]


install()
_defer_conversion()
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
    from inctrack.cli.runtime import Runtime
    from inctrack.clock import SystemClock

    given = ctx.obj  # a caller (a test, a program embedding the CLI) may pass its own clock
    clock = given.clock if isinstance(given, Runtime) else SystemClock()
    ctx.obj = Runtime(db_option=db_target, as_option=actor, no_color=no_color, clock=clock)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    # A report builds tens of thousands of small objects that all live until the
    # process ends; the default thresholds rescan them all in full collections,
    # which cost a 10,000-row `report sla` over a second. A command is a short
    # process: collect young objects as usual, the old ones only rarely.
    gc.set_threshold(10_000, 50, 1000)
    app()
