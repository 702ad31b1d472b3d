"""The one sanitiser of text that reaches a terminal: tables, details, errors, echoes.

User text (a title, a name, an argument echoed back in an error) is data. Before it
is printed, control characters are removed (an escape sequence loses its ESC and
cannot move the cursor, clear the screen or restyle the terminal), and so are the
invisible characters that make a line read differently from what it holds: the
bidirectional marks and overrides (ALM, LRM, RLM, U+202A-202E, U+2066-2069). Line
breaks (LF, U+2028, U+2029) are kept as line feeds where a text may span lines (a
description, a note, a message) and shown as ``␤`` where it may not (a title, a
table cell), so that no text can fake a line of its own (``x\\nAssignee  mallory``).
"""

from __future__ import annotations

import re

from rich.text import Text

NEWLINE_SIGN = "\u2424"
"""``␤``, what a line break looks like inside a one-line field."""

# C0 and C1 controls except tab and newline, DEL, and the bidirectional marks and
# overrides that can make a line read differently from what it contains.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"\r?\n|[\u2028\u2029]")


def clean(text: str, *, lines: bool = True) -> str:
    """``text`` safe for a terminal; with ``lines=False``, on one line (breaks as ``␤``)."""
    # Nearly all text is printable, which str.isprintable tells far faster than a regex.
    if text.isprintable():
        return text
    text = _BREAKS.sub("\n" if lines else NEWLINE_SIGN, text)
    return _UNSAFE.sub("", text)


def safe_text(value: object, style: str = "", *, lines: bool = False) -> Text:
    """User text as Rich ``Text``, cleaned by :func:`clean` (on one line unless
    ``lines``) and never read as markup, so that it cannot restyle or rewrite the
    terminal."""
    if value is None:
        return Text("")
    return Text(clean(str(value), lines=lines), style=style)
