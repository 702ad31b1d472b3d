"""Making user text safe for a terminal."""

from __future__ import annotations

import re

# C0 and C1 controls except tab and newline, DEL, and the bidirectional
# overrides that can make a line read differently from what it contains.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Strip terminal control characters (escape sequences lose their ESC)."""
    # Nearly all text is printable, which str.isprintable tells far faster than a regex.
    return text if text.isprintable() else _UNSAFE.sub("", text)
