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
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from inctrack.render.text import clean
from inctrack.render.text import safe_text as safe_text  # the views take it from here

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


Cell = tuple[str, str]
"""A table cell: its (cleaned) text and a style name."""


def cell(value: Any, style: str = "") -> Cell:
    """A value as a :data:`Cell` of a :class:`Listing`, cleaned as :func:`safe_text` cleans it."""
    return ("", style) if value is None else (clean(str(value), lines=False), style)


@dataclass(frozen=True)
class Column:
    header: str
    right: bool = False
    fold: bool = False
    """Cells too long for the column wrap onto more lines (the others are cut with "…")."""
    min_width: int = 0
    max_width: int | None = None
    """Longer cells are cut with an ellipsis."""
    shrink: int = 0
    """When the table is wider than the terminal, the columns with a ``shrink`` give up
    width, 1 first, down to ``min_width`` or ``shrink_to``; 0 never shrinks."""
    shrink_to: int = 0
    """The width this column keeps while others can still give up theirs or drop out
    (then it goes down to its header's width)."""
    drop: int = 0
    """When shrinking is not enough, the columns with a ``drop`` are left out, 1 first."""
    separator: str | None = None
    """A cut cell ends after the last whole item between these (``INC-1, INC-2, …``)."""


class Listing:
    """A table of one-line cells drawn straight to segments, in the look of
    ``rich.table.Table`` with ``box.SIMPLE_HEAD``: one line per row, however narrow
    the terminal (the columns shrink, then drop out, as each :class:`Column` says),
    and no line ends in spaces.

    A queue or report can have ten thousand rows; Rich's general table measures
    and pads every cell through several layers and took seconds for that, this
    takes a fraction of one. A cell is a :data:`Cell`, or a ``Text`` when it needs
    more than one style.
    """

    GAP = "   "

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Cell | Text]],
        *,
        caption: str | None = None,
    ) -> None:
        self.columns = columns
        self.rows = rows
        self.caption = caption
        """A note under the table, wrapped to its width."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown, widths = self._layout(options.max_width)
        columns = [self.columns[i] for i in shown]
        everything = len(shown) == len(self.columns)
        yield Segment.line()
        yield from self._line(console, columns, [(c.header, "bold") for c in columns], widths)
        rule = "─" * (sum(widths) + len(self.GAP) * (len(widths) - 1))
        yield Segment(f" {rule}", console_style("dim"))
        yield Segment.line()
        for row in self.rows:
            chosen = row if everything else [row[i] for i in shown]
            cells = [
                _fitted(console, column, width, content)
                for column, width, content in zip(columns, widths, chosen, strict=True)
            ]
            for index in range(max(len(lines) for lines in cells)):
                parts = [lines[index] if index < len(lines) else ("", "") for lines in cells]
                yield from self._line(console, columns, parts, widths)
        yield Segment.line()
        if self.caption:
            width = min(len(rule) + 2, options.max_width)
            caption = Trimmed(Text(self.caption, style="dim italic"))
            yield from console.render(caption, options.update(width=width))

    def _line(
        self,
        console: Console,
        columns: Sequence[Column],
        cells: Sequence[Cell | Text],
        widths: Sequence[int],
    ) -> RenderResult:
        """One line: a segment per styled cell, and one for each run of plain text (the
        spaces between cells and the unstyled cells): the console handles each segment
        on its own, and a long report has a hundred thousand of them."""
        space = " "
        plain = ""
        last = len(cells) - 1
        for index, (content, column, width) in enumerate(zip(cells, columns, widths, strict=True)):
            if isinstance(content, Text):
                text, style = content.plain, ""
            else:
                text, style = content
            pad = " " * (width - cell_len(text))
            if column.right:
                space += pad
            if isinstance(content, Text) and text:
                yield Segment(plain + space)
                yield from content.render(console)
                plain = space = ""
            elif text and style:
                yield Segment(plain + space)
                yield Segment(text, console_style(style))
                plain = space = ""
            elif text:
                plain += space + text
                space = ""
            if index != last:
                space += ("" if column.right else pad) + self.GAP
        yield Segment(plain + "\n")

    def _layout(self, available: int) -> tuple[list[int], list[int]]:
        """The columns shown and their widths: each as wide as its widest cell (up to its
        ``max_width``); if that is too wide, the ``shrink`` columns give up width, then
        the ``drop`` columns go, until the table fits in ``available``."""
        natural = [self._natural(index) for index in range(len(self.columns))]
        shown = list(range(len(self.columns)))
        leaving = sorted((c.drop, i) for i, c in enumerate(self.columns) if c.drop)
        while True:
            room = available - 2 - len(self.GAP) * (len(shown) - 1)
            widths = self._shrunk(shown, [natural[i] for i in shown], room, last=False)
            if sum(widths) <= room:
                return shown, widths
            if not leaving:
                return shown, self._shrunk(shown, [natural[i] for i in shown], room, last=True)
            shown.remove(leaving.pop(0)[1])

    def _natural(self, index: int) -> int:
        column = self.columns[index]
        widest = max(
            [cell_len(column.header), column.min_width]
            + [_cell_width(row[index]) for row in self.rows]
        )
        return min(widest, column.max_width or widest)

    def _shrunk(self, shown: list[int], widths: list[int], room: int, *, last: bool) -> list[int]:
        """``widths`` less what the shrinking columns can give to fit in ``room``; as
        ``last`` resort (nothing left to drop), down to their headers' widths."""
        excess = sum(widths) - room
        ranked = [
            (self.columns[i].shrink or int(self.columns[i].fold), n) for n, i in enumerate(shown)
        ]
        for rank, n in sorted(ranked):
            column = self.columns[shown[n]]
            floor = max(column.min_width, cell_len(column.header))
            if not last:
                floor = max(floor, column.shrink_to)
            given = max(0, min(excess, widths[n] - floor)) if rank else 0
            widths[n] -= given
            excess -= given
        return widths


def _cell_width(content: Cell | Text) -> int:
    return content.cell_len if isinstance(content, Text) else cell_len(content[0])


def _fitted(
    console: Console, column: Column, width: int, content: Cell | Text
) -> list[Cell | Text]:
    """A cell's lines in a column ``width`` wide: the cell itself when it fits, else
    wrapped (a ``fold`` column) or cut with an ellipsis."""
    if _cell_width(content) <= width:
        return [content]
    text = content if isinstance(content, Text) else Text(content[0])
    if column.fold:
        lines: list[Text] = list(text.wrap(console, width, overflow="fold"))
        for line in lines:
            line.rstrip()
    else:
        lines = [_cut(text, width, column.separator)]
    if isinstance(content, Text):
        return list(lines)
    return [(line.plain, content[1]) for line in lines]


def _cut(text: Text, width: int, separator: str | None) -> Text:
    """``text`` in ``width`` cells, ending in "…": after the last whole item when the
    column has a separator, else without the spaces before the ellipsis."""
    kept = text.copy()
    kept.truncate(max(0, width - 1), overflow="crop")
    plain = kept.plain
    end = len(plain.rstrip())
    if separator and separator in plain:
        end = plain.rindex(separator) + len(separator)
    if end < len(plain):  # right_crop(0) would crop everything
        kept.right_crop(len(plain) - end)
    kept.append("…")
    return kept


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


class Trimmed:
    """A renderable whose lines end in no spaces: Rich pads every cell of a table or
    grid to its column's width, invisible on a terminal but not to ``grep``, ``diff``
    or an editor that shows trailing whitespace."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in console.render_lines(self.renderable, options, pad=False):
            while line and _blank(line[-1]):
                line.pop()
            if line and not line[-1].control:
                last = line[-1]
                line[-1] = Segment(last.text.rstrip(" "), last.style)
            yield from line
            yield Segment.line()


def _blank(segment: Segment) -> bool:
    """Only spaces, and none that a background colour makes visible."""
    style = segment.style
    return (
        not segment.control
        and not segment.text.strip(" ")
        and (style is None or style.bgcolor is None)
    )


def trimmed(renderable: RenderableType) -> RenderableType:
    """``renderable`` without spaces at the ends of its lines: a :class:`Listing`
    draws none, so it is itself (a queue of ten thousand rows is not drawn twice)."""
    return renderable if isinstance(renderable, Listing) else Trimmed(renderable)
