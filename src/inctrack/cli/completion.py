"""Shell completion of incident IDs: the open incidents of the configured database.

Completion runs on every Tab press, so it must be quick and must never print an
error or change anything: the lookup (:func:`inctrack.storage.lookup.open_incidents`)
reads without SQLModel or the ORM and answers [] on any problem; this module only
matches the IDs to what the user typed and shortens the titles shown.
"""

from __future__ import annotations

import re

from inctrack.storage.lookup import open_incidents

_TITLE = 60
"""Longest title shown next to an ID."""
_SPACES = re.compile(r"\s+")


def suggestions(target: str, incomplete: str) -> list[tuple[str, str]]:
    """IDs written the way the user started (``INC-4``, ``inc-4``, ``4``), with titles."""
    prefix = _prefix(incomplete)
    if prefix is None:
        return []
    found = []
    for number, title in open_incidents(target):
        value = f"{prefix}{number}"
        if value.startswith(incomplete):
            shown = _SPACES.sub(" ", title).strip()
            if len(shown) > _TITLE:
                shown = shown[: _TITLE - 1] + "…"
            found.append((value, shown))
    return found


def _prefix(typed: str) -> str | None:
    """What goes before the number: ``INC-`` by default, the user's own spelling of it
    (``inc-``), nothing after digits; None when the text cannot start an ID."""
    if typed.isdigit():
        return ""
    lowered = typed.lower()
    if lowered.startswith("inc-"):
        return typed[:4]
    if "inc-".startswith(lowered):  # "", "i", "in", "inc"
        return typed + ("inc-" if typed and typed.islower() else "INC-")[len(typed) :]
    return None
