"""The verbs of the incident process: each one a parse, one tracker call, a record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from inctrack.cli.options import (
    AtOption,
    FormatOption,
    IfVersionOption,
    IncidentArgument,
    LevelChoice,
    QuietOption,
    checked_choice,
    complete_incident_ids,
)
from inctrack.cli.runtime import runtime
from inctrack.domain import HoldReason, MajorRole, Priority, ResolutionCode

if TYPE_CHECKING:
    from datetime import datetime

    from inctrack.incidents.tracker import Tracker
    from inctrack.storage.models import Incident

KbOption = Annotated[
    str | None,
    typer.Option(
        "--kb", metavar="KB-n", help="The knowledge article used (recorded on the incident)."
    ),
]
Reason = Annotated[str, typer.Option("--reason", help="Why (recorded in the timeline).")]
Message = Annotated[str, typer.Argument(metavar="MESSAGE", help="The text to record.")]


def categorize(
    ctx: typer.Context,
    ref: IncidentArgument,
    path: Annotated[str, typer.Argument(metavar="CAT[/SUB]", help="e.g. network/vpn.")],
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """File an incident under a category of the taxonomy (`inctrack category list`)."""
    runtime(ctx).write(
        lambda t, when: t.categorize(ref, path, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def prioritize(
    ctx: typer.Context,
    ref: IncidentArgument,
    impact: Annotated[
        LevelChoice | None, typer.Option(case_sensitive=False, help="How much is hit.")
    ] = None,
    urgency: Annotated[
        LevelChoice | None, typer.Option(case_sensitive=False, help="How soon it hurts.")
    ] = None,
    priority: Annotated[
        Priority | None,
        typer.Option("--priority", case_sensitive=False, help="Override the matrix."),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why the override.")] = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Set impact and urgency (the matrix gives P1-P4), or override with --priority --reason."""
    runtime(ctx).write(
        lambda t, when: t.prioritize(
            ref, impact=impact, urgency=urgency, priority=priority, reason=reason, at=when,
            expected_version=if_version,
        ),
        at=at, fmt=fmt, quiet=quiet,
    )  # fmt: skip


def assign(
    ctx: typer.Context,
    ref: IncidentArgument,
    to: Annotated[str | None, typer.Option("--to", metavar="USER", help="Who works it.")] = None,
    group: Annotated[
        str | None, typer.Option("--group", metavar="GROUP", help="Which team works it.")
    ] = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Assign an incident to a person and/or a group (the service desk stays owner)."""
    runtime(ctx).write(
        lambda t, when: t.assign(ref, to=to, group=group, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def take(
    ctx: typer.Context,
    ref: IncidentArgument,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Assign an incident to yourself."""
    runtime(ctx).write(
        lambda t, when: t.take(ref, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def respond(
    ctx: typer.Context,
    ref: IncidentArgument,
    message: Message,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """First response or initial diagnosis: stops the response clock, new → in_progress."""
    runtime(ctx).write(
        lambda t, when: t.respond(ref, message, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def note(
    ctx: typer.Context,
    ref: IncidentArgument,
    message: Message,
    public: Annotated[
        bool, typer.Option("--public", help="An update the reporter may see.")
    ] = False,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Add a work note (or, with --public, an update for the reporter)."""
    runtime(ctx).write(
        lambda t, when: t.note(ref, message, public=public, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def update(
    ctx: typer.Context,
    ref: IncidentArgument,
    message: Message,
    state: Annotated[
        str,
        typer.Option(
            "--state",
            metavar="investigating|identified|monitoring|resolved",
            help="Where the response stands.",
        ),
    ],
    public: Annotated[
        bool,
        typer.Option(
            "--public", help="For the status page (comms lead, commander, incident manager, admin)."
        ),
    ] = False,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Post a stakeholder update (internal unless --public) on the incident's timeline."""
    runtime(ctx).write(
        lambda t, when: t.updates.post(ref, message, state=state, public=public, at=when)[0],
        at=at, fmt=fmt, quiet=quiet,
    )  # fmt: skip


def escalate(
    ctx: typer.Context,
    ref: IncidentArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="What was tried, so the next tier does not start over.")
    ],
    tier: Annotated[int | None, typer.Option("--tier", min=2, max=3, help="2 or 3.")] = None,
    group: Annotated[
        str | None, typer.Option("--group", metavar="GROUP", help="Hand over to this team.")
    ] = None,
    major: Annotated[
        bool, typer.Option("--major", help="Declare a major incident (raises it to P1).")
    ] = False,
    keep_priority: Annotated[
        bool,
        typer.Option("--keep-priority", help="With --major: keep the priority (incident manager)."),
    ] = False,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Escalate to a higher tier or another group, and/or declare a major incident.

    A major incident is raised to P1, unless an incident manager keeps its
    priority with --keep-priority.
    """
    if keep_priority and not major:
        raise typer.BadParameter("--keep-priority goes with --major", param_hint="--keep-priority")
    runtime(ctx).write(
        lambda t, when: t.escalate(
            ref, reason=reason, tier=tier, group=group, major=major,
            keep_priority=keep_priority, at=when, expected_version=if_version,
        ),
        at=at, fmt=fmt, quiet=quiet,
    )  # fmt: skip


def role(
    ctx: typer.Context,
    ref: IncidentArgument,
    role_name: Annotated[
        str,
        typer.Argument(
            help="commander, manager or comms.", **checked_choice(MajorRole, metavar="ROLE")
        ),
    ],
    name: Annotated[str, typer.Argument(metavar="NAME", help="Who takes the role.")],
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Name a major incident's commander, manager or comms lead."""
    runtime(ctx).write(
        lambda t, when: t.set_role(ref, role_name, name, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def owner(
    ctx: typer.Context,
    ref: IncidentArgument,
    user: Annotated[str, typer.Argument(metavar="USER", help="The service-desk analyst.")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (recorded in the timeline).")
    ] = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Transfer an incident's ownership to another service-desk analyst.

    The owner keeps control of the incident while others work it; service desk,
    incident managers and admins may transfer it.
    """
    runtime(ctx).write(
        lambda t, when: t.set_owner(ref, user, reason=reason, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def hold(
    ctx: typer.Context,
    ref: IncidentArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="What you wait for.", **checked_choice(HoldReason))
    ],
    note: Annotated[str | None, typer.Option("--note", help="Details.")] = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Put an incident on hold: the SLA clock pauses until `resume`."""
    runtime(ctx).write(
        lambda t, when: t.hold(ref, reason, note=note, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def resume(
    ctx: typer.Context,
    ref: IncidentArgument,
    note: Annotated[str | None, typer.Option("--note", help="What came back.")] = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Take an incident off hold: the SLA clock runs again."""
    runtime(ctx).write(
        lambda t, when: t.resume(ref, note=note, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def resolve(
    ctx: typer.Context,
    ref: IncidentArgument,
    code: Annotated[
        str, typer.Option("--code", help="How it was resolved.", **checked_choice(ResolutionCode))
    ],
    note_text: Annotated[str, typer.Option("--note", help="What was done.")],
    kb: KbOption = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Resolve an incident: service restored, awaiting the reporter's confirmation."""

    def action(t: Tracker, when: datetime | None) -> Incident:
        incident = t.resolve(ref, code=code, note=note_text, at=when, expected_version=if_version)
        if kb is not None:
            from inctrack.kb.usage import Usage

            incident = Usage(t).link(ref, kb, resolved=True, at=when)
        return incident

    runtime(ctx).write(action, at=at, fmt=fmt, quiet=quiet)


def close(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="ID", help="INC-42; omit with --stale.", autocompletion=complete_incident_ids
        ),
    ] = None,
    confirmed_by: Annotated[
        str | None, typer.Option("--confirmed-by", metavar="REPORTER", help="Who confirmed.")
    ] = None,
    unconfirmed: Annotated[
        bool, typer.Option("--unconfirmed", help="Close without confirmation (needs --reason).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why no confirmation (with --unconfirmed).")
    ] = None,
    stale: Annotated[
        str | None,
        typer.Option(
            "--stale", metavar="IDLE", help="Close all resolved incidents idle IDLE (7d)."
        ),
    ] = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Close a resolved incident (service desk only), or all stale ones with --stale 7d."""
    rt = runtime(ctx)
    if stale is None:
        if ref is None:
            raise typer.BadParameter("give an incident ID, or --stale IDLE", param_hint="ID")
        rt.write(
            lambda t, when: t.close(
                ref, confirmed_by=confirmed_by, unconfirmed=unconfirmed, reason=reason, at=when,
                expected_version=if_version,
            ),
            at=at, fmt=fmt, quiet=quiet,
        )  # fmt: skip
        return
    if ref is not None:
        raise typer.BadParameter("give an incident ID or --stale, not both", param_hint="ID")
    if if_version is not None:
        raise typer.BadParameter(
            "goes with one incident ID, not --stale", param_hint="--if-version"
        )
    _close_stale(rt, stale, at=at, fmt=fmt, quiet=quiet)


def _close_stale(rt: Any, stale: str, *, at: str | None, fmt: Any, quiet: bool) -> None:
    from inctrack.cli.timeparse import parse_duration
    from inctrack.records import INCIDENT_CSV_COLUMNS
    from inctrack.render.incidents import incident_list

    idle, when = parse_duration(stale), rt.when(at)
    with rt.tracker(write=True, hooks=True) as tracker:
        records = [tracker.record(i) for i in tracker.close_stale(idle, at=when)]
    if quiet:
        for record in records:
            typer.echo(record["id"])
    elif records or rt.output_format(fmt).value != "table":
        rt.emit(records, fmt, table=incident_list, columns=INCIDENT_CSV_COLUMNS)
    # nothing stale, as a table: print nothing, so cron sends no mail


def reopen(
    ctx: typer.Context,
    ref: IncidentArgument,
    reason: Reason,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Reopen a resolved incident whose fix did not hold (resolved → in_progress)."""
    runtime(ctx).write(
        lambda t, when: t.reopen(ref, reason=reason, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def cancel(
    ctx: typer.Context,
    ref: IncidentArgument,
    reason: Reason,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Cancel an incident logged in error or twice (final)."""
    runtime(ctx).write(
        lambda t, when: t.cancel(ref, reason=reason, at=when, expected_version=if_version),
        at=at,
        fmt=fmt,
        quiet=quiet,
    )


def link(
    ctx: typer.Context,
    ref: IncidentArgument,
    duplicate_of: Annotated[
        str | None,
        typer.Option("--duplicate-of", metavar="INC-n", help="The original incident."),
    ] = None,
    problem: Annotated[
        str | None,
        typer.Option("--problem", metavar="PRB-n", help="Its problem record; `none` unlinks it."),
    ] = None,
    kb: KbOption = None,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Link an incident: --duplicate-of INC-n (the original), --problem PRB-n (its cause),
    --kb KB-n (an article used on it)."""
    if duplicate_of is None and problem is None and kb is None:
        raise typer.BadParameter("give --duplicate-of INC-n and/or --problem PRB-n (or --kb KB-n)")

    def action(t: Tracker, when: datetime | None) -> Incident:
        from inctrack.kb.usage import Usage
        from inctrack.problems.verbs import Problems

        incident = None
        if duplicate_of is not None or problem is not None:
            incident = Problems(t).link_from_incident(
                ref,
                duplicate_of=duplicate_of,
                problem=problem,
                at=when,
                expected_version=if_version,
            )
        if kb is not None:
            incident = Usage(t).link(
                ref, kb, at=when, expected_version=if_version if incident is None else None
            )
        assert incident is not None
        return incident

    runtime(ctx).write(action, at=at, fmt=fmt, quiet=quiet)
