"""`edit`: correct what was reported, from options, stdin or `$EDITOR`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from inctrack.cli.options import (
    AtOption,
    FormatOption,
    IfVersionOption,
    IncidentArgument,
    QuietOption,
)
from inctrack.cli.output import notice
from inctrack.cli.runtime import Runtime, runtime
from inctrack.domain import Channel
from inctrack.errors import Rejected, UsageError


def edit(
    ctx: typer.Context,
    ref: IncidentArgument,
    title: Annotated[str | None, typer.Option("--title", help="A better title.")] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", help="The details; `-` reads them from stdin."),
    ] = None,
    reporter: Annotated[
        str | None, typer.Option("--reporter", "-r", help="Who reported it.")
    ] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help='How to reach the reporter ("" clears).')
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help='The service affected ("" clears).')
    ] = None,
    channel: Annotated[
        Channel | None, typer.Option("--channel", case_sensitive=False, help="How it came in.")
    ] = None,
    editor: Annotated[
        bool,
        typer.Option(
            "--editor",
            "-e",
            help="Edit in $VISUAL/$EDITOR (the default on a terminal when no option is given).",
        ),
    ] = False,
    at: AtOption = None,
    if_version: IfVersionOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Correct what was reported: title, description, reporter, contact, service, channel.

    Each changed field is one `edited` event with its old and new value; nothing
    else changes. With no option on a terminal (or with --editor), the fields open
    in your editor as `Key: value` lines and the description; save to apply what
    you changed, save it unchanged or empty to change nothing; if the incident
    changed while you were editing, nothing is written (exit 6).
    """
    rt = runtime(ctx)
    given = {"title": title, "description": description, "reporter": reporter,
             "contact": contact, "service": service, "channel": channel}  # fmt: skip
    options: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if options and editor:
        raise UsageError("Give options like --title, or --editor, not both.")
    if options:
        if options.get("description") == "-":
            options["description"] = sys.stdin.read()
        rt.write(
            lambda t, when: t.edit(ref, **options, at=when, expected_version=if_version),
            at=at, fmt=fmt, quiet=quiet,
        )  # fmt: skip
    elif editor or sys.stdin.isatty():
        _edit_in_editor(rt, ref, at=at, if_version=if_version, fmt=fmt, quiet=quiet)
    else:
        raise UsageError(
            "Say what to change: --title, --description, --reporter, --contact, --service or "
            "--channel; or run it on a terminal, or with --editor, to edit in $EDITOR."
        )


def _edit_in_editor(
    rt: Runtime, ref: str, *, at: str | None, if_version: int | None, fmt: FormatOption, quiet: bool
) -> None:
    """Edit in ``$EDITOR``, then write only if the incident is still at the version it was
    opened at (or at ``--if-version``): a change meanwhile is a conflict, never lost."""
    from inctrack.incidents.edits import (
        as_options,
        changed_fields,
        edit_text,
        open_for_edit,
        read_edit_text,
    )

    with rt.tracker(write=False) as tracker:
        incident_id, before, opened = open_for_edit(tracker.work, ref)
    seen = opened if if_version is None else if_version
    after = read_edit_text(run_editor(edit_text(incident_id, before)))
    if after is None:
        raise Rejected(f"The text was emptied, so {incident_id} was not changed.")
    changes: dict[str, Any] = as_options(changed_fields(before, after))
    if not changes:
        notice(f"Nothing changed; {incident_id} is as it was.", no_color=rt.no_color)
        return
    rt.write(
        lambda t, when: t.edit(ref, **changes, expected=before, at=when, expected_version=seen),
        at=at, fmt=fmt, quiet=quiet,
    )  # fmt: skip


def run_editor(text: str) -> str:
    """``text`` as the person left it in ``$VISUAL`` or ``$EDITOR`` (else vi)."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    handle, name = tempfile.mkstemp(prefix="inctrack-edit-", suffix=".txt")
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        try:
            done = subprocess.run([*shlex.split(command), str(path)], check=False)
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise Rejected(
                f"Cannot start the editor {command!r} ({why}); set VISUAL or EDITOR, or give "
                "options like --title."
            ) from None
        if done.returncode != 0:
            raise Rejected(
                f"The editor {command!r} exited with status {done.returncode}, so nothing "
                "was changed."
            )
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
