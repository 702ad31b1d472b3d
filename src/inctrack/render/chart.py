"""Terminal charts as plain text: sparklines and horizontal bars in Unicode blocks.

Pure functions of numbers, no Rich and no terminal: the table views put the
strings in their cells (and colour them). Counts are drawn against zero, not
against the smallest value, so a flat series of 5s and a flat series of 500s
both read as full, and zero is always blank.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SPARKS = "▁▂▃▄▅▆▇█"
"""Eight heights; a zero is a space."""
EIGHTHS = " ▏▎▍▌▋▊▉█"
"""Partial blocks for bars, from nothing to a full cell, in eighths."""


def sparkline(values: Sequence[float], *, width: int | None = None) -> str:
    """One character per value (or per group of values when more than ``width``):
    a space for zero, else ``▁`` to ``█`` in proportion to the largest value."""
    points = downsample(values, width) if width is not None else list(values)
    top = max(points, default=0)
    if top <= 0:
        return " " * len(points)
    chars = []
    for value in points:
        if value <= 0:
            chars.append(" ")
        else:
            level = math.ceil(value / top * len(SPARKS)) - 1
            chars.append(SPARKS[min(max(level, 0), len(SPARKS) - 1)])
    return "".join(chars)


def downsample(values: Sequence[float], width: int) -> list[float]:
    """At most ``width`` points: consecutive values summed into equal groups
    (the last group may be smaller)."""
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    if len(values) <= width:
        return list(values)
    size = math.ceil(len(values) / width)
    return [sum(values[start : start + size]) for start in range(0, len(values), size)]


def bar(value: float, top: float, width: int) -> str:
    """A horizontal bar ``width`` cells long at ``top``, to the eighth of a cell;
    any value above zero shows at least a sliver."""
    if value <= 0 or top <= 0 or width <= 0:
        return ""
    eighths = max(1, round(min(value, top) / top * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")
