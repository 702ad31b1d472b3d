"""What every Rich view shares: styles, safe text, cells and the fast table.

User text is never parsed as markup: it goes in as ``Text`` after control
characters are stripped. Times are shown in the reader's time zone. The views
themselves are one module per kind of record (``incidents``, ``sla``,
``problems``, ``admin``, ``transfer``, ``reports``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from inctrack.render.text import clean

PRIORITY_STYLES = {"P1": "bold red", "P2": "red", "P3": "yellow", "P4": "green", "P5": "blue"}
STATUS_STYLES = {
    "new": "bold cyan",
    "in_progress": "cyan",
    "on_hold": "magenta",
    "resolved": "green",
    "closed": "dim",
    "cancelled": "dim strike",
}


def local_time(value: str | None, tz: tzinfo) -> str:
    if value is None:
        return ""
    return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def safe_text(value: Any, style: str = "") -> Text:
    """User text as Rich ``Text``: control characters stripped and never read as markup,
    so that a title cannot restyle or rewrite the terminal."""
    if value is None:
        return Text("")
    return Text(clean(str(value)), style=style)


Cell = tuple[str, str]
"""A table cell: its (cleaned) text and a style name."""


def cell(value: Any, style: str = "") -> Cell:
    """A value as a :data:`Cell` of a :class:`Listing`, cleaned as :func:`safe_text` cleans it."""
    return ("", style) if value is None else (clean(str(value)), style)


@dataclass(frozen=True)
class Column:
    header: str
    right: bool = False
    fold: bool = False
    """The one column that takes the width left over, its text wrapped onto more lines."""
    min_width: int = 0
    max_width: int | None = None
    """Longer cells are cut with an ellipsis."""


class Listing:
    """A table of one-line cells drawn straight to segments, in the look of
    ``rich.table.Table`` with ``box.SIMPLE_HEAD``.

    A queue or report can have ten thousand rows; Rich's general table measures
    and pads every cell through several layers and took seconds for that, this
    takes a fraction of one.
    """

    GAP = "   "

    def __init__(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> None:
        self.columns = columns
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self._widths(options.max_width)
        yield Segment.line()
        yield from self._line([(c.header, "bold") for c in self.columns], widths)
        rule = "─" * (sum(widths) + len(self.GAP) * (len(widths) - 1))
        yield Segment(f" {rule}", console_style("dim"))
        yield Segment.line()
        for row in self.rows:
            cells: list[list[Cell]] = []
            for column, width, (text, style) in zip(self.columns, widths, row, strict=True):
                if cell_len(text) <= width:
                    cells.append([(text, style)])
                elif column.fold:
                    lines = Text(text).wrap(console, width, overflow="fold")
                    cells.append([(line.plain.rstrip(), style) for line in lines])
                else:
                    cut = Text(text)
                    cut.truncate(width, overflow="ellipsis")
                    cells.append([(cut.plain, style)])
            for index in range(max(len(lines) for lines in cells)):
                parts = [lines[index] if index < len(lines) else ("", "") for lines in cells]
                yield from self._line(parts, widths)
        yield Segment.line()

    def _line(self, cells: Sequence[Cell], widths: Sequence[int]) -> RenderResult:
        """One line: a segment per styled cell, and one for each run of plain text (the
        spaces between cells and the unstyled cells): the console handles each segment
        on its own, and a long report has a hundred thousand of them."""
        space = " "
        plain = ""
        last = len(cells) - 1
        for index, ((text, style), column, width) in enumerate(
            zip(cells, self.columns, widths, strict=True)
        ):
            pad = " " * (width - cell_len(text))
            if column.right:
                space += pad
            if text and style:
                yield Segment(plain + space)
                yield Segment(text, console_style(style))
                plain = space = ""
            elif text:
                plain += space + text
                space = ""
            if index != last:
                space += ("" if column.right else pad) + self.GAP
        yield Segment(plain + "\n")

    def _widths(self, available: int) -> list[int]:
        widths = []
        for index, column in enumerate(self.columns):
            natural = max(
                [cell_len(column.header), column.min_width]
                + [cell_len(row[index][0]) for row in self.rows]
            )
            widths.append(min(natural, column.max_width or natural))
        folding = [i for i, c in enumerate(self.columns) if c.fold]
        if folding:
            index = folding[0]
            others = sum(w for i, w in enumerate(widths) if i != index)
            room = available - 2 - len(self.GAP) * (len(widths) - 1) - others
            widths[index] = max(self.columns[index].min_width, min(widths[index], room))
        return widths


def console_style(style: str) -> Style | None:
    """A style name parsed once."""
    return _parsed_style(style) if style else None


@lru_cache(maxsize=64)
def _parsed_style(name: str) -> Style:
    return Style.parse(name)


def age(value: str | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: 45s, 12m, 5h, 3d, 7w."""
    if value is None:
        return ""
    seconds = max(0, int((now - datetime.fromisoformat(value)).total_seconds()))
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit == "w" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def priority_text(value: str | None) -> Text:
    """A priority in its colour, or ``untriaged`` while it has none."""
    return Text(*priority_cell(value))


def priority_cell(value: str | None) -> Cell:
    """:func:`priority_text` as a :data:`Cell`, for the fast table of the queue."""
    if value is None:
        return ("untriaged", "bold magenta")
    return (value, PRIORITY_STYLES.get(value, ""))


def duration(seconds: float | None) -> str:
    """12m, 3h 20m, 33h: in hours, because a business day is not 24 of them."""
    if seconds is None:
        return ""
    hours, minutes = divmod(round(abs(seconds) / 60), 60)
    if hours >= 10 or (hours and not minutes):
        return f"{hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"
