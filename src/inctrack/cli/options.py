"""Options shared by many commands, declared once."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class LevelChoice(StrEnum):
    """Impact and urgency as typed: high, medium, low, or 1, 2, 3."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    ONE = "1"
    TWO = "2"
    THREE = "3"


FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format", "-f", case_sensitive=False,
        help="Output format (default: table, or `format` in your config file).",
    ),
]  # fmt: skip
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only the ID of the record written.")
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="WHEN",
        help="When it really happened: ISO 8601, '2h ago', 'yesterday 09:00' (default: now).",
    ),
]  # fmt: skip
IncidentArgument = Annotated[str, typer.Argument(metavar="ID", help="INC-42, inc-42 or 42.")]
