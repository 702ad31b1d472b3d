"""What an import did, would do, or could not do: the summary it ends with.

The summary is filled while reading (rows, problems, values the import does
not know) and while writing (created, updated, skipped, conflicts); its
verdict says how the import ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from inctrack.errors import Conflict, InctrackError, Rejected
from inctrack.records import Record

MAX_PROBLEMS = 100
"""Problems an import reports before it stops reading: the file needs fixing anyway."""


class ConflictPolicy(StrEnum):
    SKIP = "skip"
    UPDATE = "update"
    FAIL = "fail"


@dataclass
class Summary:
    """What an import did (or, with ``--dry-run``, would do), and what it could not read."""

    source: str
    format: str
    origin: str = "inctrack"
    dry_run: bool = False
    on_conflict: str = "skip"
    rows: int = 0
    incidents: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    events: int = 0
    categories_added: list[str] = field(default_factory=list)
    groups_added: list[str] = field(default_factory=list)
    services_added: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    unknown_values: dict[tuple[str, str], int] = field(default_factory=dict)
    moved_forward: int = 0
    """Synthesized event times moved up to the event before them."""
    conflicts: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    line_word: str = "line"
    """What ``problems`` count in: lines, or records of a JSON array."""

    def unknown(self, column: str, value: str) -> None:
        """Count a row with a value the import does not know (not fatal: ServiceNow)."""
        key = (column, value)
        if (
            key not in self.unknown_values
            and sum(c == column for c, _ in self.unknown_values) >= 20
        ):
            key = (column, "(other values)")
        self.unknown_values[key] = self.unknown_values.get(key, 0) + 1

    def record(self) -> Record:
        warnings = []
        if self.moved_forward:
            warnings.append(
                f"{self.moved_forward} event time(s) earlier than the event before them were "
                "moved forward to it: a timeline only moves forward"
            )
        return {
            "source": self.source,
            "format": self.format,
            "from": self.origin,
            "dry_run": self.dry_run,
            "on_conflict": self.on_conflict,
            "rows": self.rows,
            "incidents": self.incidents,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "events": self.events,
            "categories_added": list(self.categories_added),
            "groups_added": list(self.groups_added),
            "services_added": list(self.services_added),
            "ignored_columns": list(self.ignored_columns),
            "unknown_values": [
                {"column": column, "value": value, "count": count}
                for (column, value), count in sorted(self.unknown_values.items())
            ],
            "warnings": warnings,
            "conflicts": list(self.conflicts),
            "problems": [{"line": line, "message": text} for line, text in self.problems],
        }

    def verdict(self) -> InctrackError | None:
        """How the import ends: problems (exit 4), else a refused conflict (exit 6)."""
        if self.problems:
            count = len(self.problems)
            shown = "; ".join(f"{self.line_word} {n}: {text}" for n, text in self.problems[:3])
            more = f"; and {count - 3} more" if count > 3 else ""
            many = "at least " if count >= MAX_PROBLEMS else ""
            return Rejected(
                f"{self.source} has {many}{count} problem{'s' if count > 1 else ''}, so nothing "
                f"was imported: {shown}{more}; fix the file (--dry-run lists every problem)."
            )
        if self.conflicts and self.on_conflict == ConflictPolicy.FAIL:
            return Conflict(
                f"{self.conflicts[0]} is already in the database, so nothing would be "
                "imported; use --on-conflict skip or update."
            )
        return None


SUMMARY_CSV_COLUMNS = (
    "source", "format", "from", "dry_run", "on_conflict", "rows", "incidents", "created",
    "updated", "unchanged", "skipped", "events", "categories_added", "ignored_columns",
    "warnings", "conflicts", "groups_added", "services_added",
)  # fmt: skip
"""The summary in CSV: its scalars, and its lists of words joined by commas."""
