"""Options shared by many commands, declared once."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from inctrack.domain import Priority, Status


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


def checked_choice(enum: type[StrEnum], *, metavar: str | None = None) -> dict[str, Any]:
    """Keywords for an option or argument whose value the core checks against ``enum``.

    Help lists the choices (the metavar ``{a|b|c}``, which ``cli.helptext`` shows as
    typed) and Tab completes them as for a Typer choice, but a wrong value reaches the
    core, which refuses it like any other value it rejects: one ``Error:`` sentence
    with a did-you-mean, exit 4 (``domain.parse_choice``).
    """
    values = [str(member.value) for member in enum]

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.startswith(incomplete.lower())]

    return {"metavar": metavar or "{" + "|".join(values) + "}", "autocompletion": complete}


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
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="WHEN", help="Evaluate at WHEN, by the times events carry."),
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="WHEN",
        help="When it really happened: ISO 8601, '2h ago', 'yesterday 09:00' (default: now).",
    ),
]  # fmt: skip

IfVersionOption = Annotated[
    int | None,
    typer.Option(
        "--if-version", metavar="N", min=0,
        help="Only if the incident is still at version N (as `show` gave it); else exit 6.",
    ),
]  # fmt: skip


def complete_incident_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion: the open incidents' IDs, with their titles as help.

    Reads the database named by ``--db`` (if already typed), ``INCTRACK_DB`` or
    the config file; imports nothing heavy for a SQLite file, and prints nothing
    on any problem (see ``inctrack.cli.completion``).
    """
    try:
        from inctrack.cli.completion import suggestions
        from inctrack.cli.config import load_settings

        db = ctx.find_root().params.get("db_target")
        return suggestions(load_settings(db=db).db, incomplete)
    except Exception:
        return []


IncidentArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="INC-42, inc-42 or 42.", autocompletion=complete_incident_ids
    ),
]


# -- the incident filters of `list` and `export` ------------------------------------

StatusFilter = Annotated[
    list[Status] | None,
    typer.Option("--status", "-s", case_sensitive=False, help="Only these (repeatable)."),
]
PriorityFilter = Annotated[
    list[Priority] | None,
    typer.Option("--priority", "-p", case_sensitive=False, help="Only these (repeatable)."),
]
CategoryFilter = Annotated[
    str | None, typer.Option("--category", "-c", metavar="CAT[/SUB]", help="Filed here.")
]
AssigneeFilter = Annotated[
    str | None, typer.Option("--assignee", metavar="USER", help="Assigned to USER.")
]
GroupFilter = Annotated[
    str | None, typer.Option("--group", metavar="GROUP", help="Assigned to this team.")
]
OwnerFilter = Annotated[
    str | None, typer.Option("--owner", metavar="USER", help="Owned by USER (the service desk).")
]
UnassignedFilter = Annotated[
    bool, typer.Option("--unassigned", help="Nobody assigned (a group may have it).")
]
MajorFilter = Annotated[bool, typer.Option("--major", help="Major incidents only.")]
ServiceFilter = Annotated[
    str | None, typer.Option("--service", help="Affecting this service or configuration item.")
]
SinceFilter = Annotated[str | None, typer.Option(metavar="WHEN", help="Reported at or after WHEN.")]
UntilFilter = Annotated[str | None, typer.Option(metavar="WHEN", help="Reported before WHEN.")]
SearchFilter = Annotated[
    str | None,
    typer.Option(
        "--search",
        "-S",
        metavar="TEXT",
        help="Words in the incident's text, as `search` takes them.",
    ),
]


SuggestOption = Annotated[
    bool,
    typer.Option(
        "--suggest",
        help="Suggested articles even when the config key suggest is false, and in JSON "
        "(a suggestions key).",
    ),
]
NoSuggestOption = Annotated[
    bool, typer.Option("--no-suggest", help="No suggested articles under the incident.")
]


def suggesting(suggest: bool, no_suggest: bool) -> bool | None:
    """``--suggest`` (True), ``--no-suggest`` (False), or neither (None: the config says)."""
    if suggest and no_suggest:
        raise typer.BadParameter("give --suggest or --no-suggest, not both", param_hint="--suggest")
    return True if suggest else False if no_suggest else None
