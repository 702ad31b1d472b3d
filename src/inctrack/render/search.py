"""The view of ``search``: one line per hit, best first, with its matching words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich.console import RenderableType
from rich.text import Text

from inctrack.records import Record
from inctrack.render.problems import PROBLEM_STYLES
from inctrack.render.table import STATUS_STYLES, Column, Listing, cell, safe_text

SEARCH_CSV_COLUMNS = ("id", "status", "title", "score", "snippet")
"""What ``search -f csv`` prints of each hit (JSON carries the whole record)."""


def search_list(records: Sequence[Record], *, tz: tzinfo, now: datetime) -> RenderableType:
    columns = (
        Column("ID"), Column("Status"), Column("Title", min_width=12, shrink=2, shrink_to=24),
        Column("Match", min_width=20, shrink=1),
    )  # fmt: skip
    rows = [
        (
            cell(record["id"], "bold"),
            cell(record["status"], {**STATUS_STYLES, **PROBLEM_STYLES}.get(record["status"], "")),
            cell(record["title"]),
            marked(record["snippet"]),
        )
        for record in records
    ]
    return Listing(columns, rows)


def marked(snippet: str | None) -> Text:
    """The snippet with each matching word bold, between the « » the engine put there
    (so that it stands out without colour too)."""
    text = safe_text(snippet or "")
    text.highlight_regex(r"«[^«»]*»", "bold")
    return text
