"""Where output goes: data to stdout, messages to stderr; colour only on a TTY.

Every message and plain line printed here goes through the one sanitiser
(:mod:`inctrack.render.text`): an argument echoed in an error cannot carry an escape
sequence or a bidirectional override to the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import typer
from rich.console import Console, RenderableType
from rich.text import Text

from inctrack.cli.options import OutputFormat
from inctrack.render.text import clean, safe_text

if TYPE_CHECKING:
    from inctrack.records import Record


def console(*, stderr: bool = False, no_color: bool = False) -> Console:
    # Rich already honours NO_COLOR and turns colour off when not on a TTY.
    return Console(stderr=stderr, no_color=no_color or None, highlight=False, emoji=False)


def error(message: str, *, no_color: bool = False) -> None:
    console(stderr=True, no_color=no_color).print(
        Text.assemble(("Error: ", "bold red"), safe_text(message, lines=True)), soft_wrap=True
    )


def warning(message: str, *, no_color: bool = False) -> None:
    """A problem that did not stop the command (a failing hook)."""
    console(stderr=True, no_color=no_color).print(
        Text.assemble(("Warning: ", "bold yellow"), safe_text(message, lines=True)),
        soft_wrap=True,
    )


def notice(message: str, *, no_color: bool = False) -> None:
    console(stderr=True, no_color=no_color).print(
        safe_text(message, "dim", lines=True), soft_wrap=True
    )


def echo(text: str, *, err: bool = False, nl: bool = True, lines: bool = False) -> None:
    """A plain line (a name, a path, a message) with its text made safe for a terminal;
    ``lines`` keeps line breaks (a hook's output)."""
    typer.echo(clean(text, lines=lines), err=err, nl=nl)


def emit(
    data: Record | Sequence[Record],
    fmt: OutputFormat,
    *,
    table: Callable[..., RenderableType],
    tz: tzinfo,
    now: datetime,
    no_color: bool = False,
    columns: Sequence[str] | None = None,
) -> None:
    """Render one record or a list of records in the chosen format."""
    from inctrack import render

    if fmt is OutputFormat.JSON:
        _write_json(data)
    elif fmt is OutputFormat.CSV:
        rows = [data] if isinstance(data, dict) else list(data)
        _write(render.to_csv(rows, columns=columns))
    else:
        from inctrack.render.table import trimmed

        console(no_color=no_color).print(trimmed(table(data, tz=tz, now=now)))


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _write_json(data: Record | Sequence[Record]) -> None:
    """The JSON as bytes straight to stdout's buffer when it has one: a big report's
    text is not built as a ``str`` (twice as big as the bytes once it holds a ``·``)."""
    from inctrack import render

    encoded = render.json_bytes(data)
    buffer = getattr(sys.stdout, "buffer", None)
    if encoded is None or buffer is None:
        _write(render.to_json(data) + "\n")
        return
    sys.stdout.flush()
    buffer.write(encoded)
    buffer.write(b"\n")
    buffer.flush()
