"""`kb run KB-n --incident INC-n`: an article's diagnostic steps, each run recorded as
evidence on the incident's timeline."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from inctrack.cli import output
from inctrack.cli.options import FormatOption, OutputFormat, complete_incident_ids
from inctrack.cli.runtime import runtime
from inctrack.errors import UsageError


def run(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="KB", help="KB-3, kb-3 or 3.")],
    incident: Annotated[
        str,
        typer.Option(
            "--incident",
            "-i",
            metavar="INC-n",
            help="The incident the evidence is for.",
            autocompletion=complete_incident_ids,
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Run every step without asking.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print the steps; run and record nothing.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", metavar="SECONDS", min=0.1, help="Kill a step after this long."),
    ] = 60.0,
    fmt: FormatOption = None,
) -> None:
    """Run an article's ```diagnostic steps for an incident, recording each run as evidence.

    Only published articles run, at the revision a kb-author published. Each step is
    shown and asked about (or --yes); it runs in `sh` with INCTRACK_INCIDENT and
    INCTRACK_DB in its environment (never the incident's text), is killed with its
    process group after --timeout, and its command, times, exit status and output
    (64 KiB each of stdout and stderr) go on the incident's timeline.

    Examples:
      inctrack kb run KB-3 --incident INC-42
      inctrack kb run KB-3 -i INC-42 --yes --timeout 30
    """
    from inctrack.kb.runbook import Runbooks, evidence_record, execute
    from inctrack.render.kb import step_text

    rt = runtime(ctx)
    chosen = rt.output_format(fmt)
    with rt.tracker(write=False) as tracker:
        plan = Runbooks(tracker).plan(ref, incident)
    show = chosen is OutputFormat.TABLE
    console = output.console(no_color=rt.no_color)
    results: list[dict[str, Any]] = []
    total = len(plan.steps)
    for number, command in enumerate(plan.steps, 1):
        if show:
            console.print(step_text(number, total, command))
        if dry_run:
            results.append({"article": plan.article, "revision": plan.revision,
                            "step": number, "command": command})  # fmt: skip
            continue
        if not yes and not _confirm(number):
            if show:
                console.print("  skipped", style="dim")
            continue
        outcome = execute(
            command, incident=plan.incident, db=rt.settings.db, timeout=timeout, clock=rt.clock
        )
        with rt.tracker(write=True, hooks=True) as tracker:
            Runbooks(tracker).record(plan, number, outcome)
        evidence = evidence_record(plan, number, outcome)
        results.append(evidence)
        if show:
            _print_outcome(console, evidence)
        if outcome.interrupted:
            output.error(f"Interrupted: step {number} was killed and recorded.")
            raise typer.Exit(130)
    if not show:
        rt.emit(results, chosen, table=None,
                columns=("article", "revision", "step", "command", "exit_status", "timed_out",
                         "started_at", "ended_at", "stdout_bytes", "stderr_bytes"))  # fmt: skip
    elif not dry_run:
        console.print(f"Recorded on {plan.incident}: `inctrack show {plan.incident}`.", style="dim")


def _confirm(number: int) -> bool:
    try:
        return typer.confirm(f"Run step {number}?", default=False, err=True)
    except typer.Abort:
        raise UsageError(
            "No answer to the question (input ended); give --yes to run every step, or "
            "--dry-run to only see them."
        ) from None


def _print_outcome(console: Any, evidence: dict[str, Any]) -> None:
    from inctrack.render.text import clean

    if evidence["timed_out"]:
        console.print("  timed out: killed with its process group", style="bold red")
    else:
        status = evidence["exit_status"]
        console.print(f"  exit status {status}", style="green" if status == 0 else "bold red")
    for stream in ("stdout", "stderr"):
        text = evidence[stream].rstrip("\n")
        if text:
            console.print(clean(text), markup=False, highlight=False)
        if evidence[f"{stream}_truncated"]:
            console.print(
                f"  ({stream} cut at {evidence['cap_bytes']} of "
                f"{evidence[f'{stream}_bytes']} bytes)",
                style="dim",
            )
