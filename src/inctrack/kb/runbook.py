"""Diagnostic runbooks: an article's ``diagnostic`` steps, run and kept as evidence.

``Runbooks(tracker).plan(article, incident)`` checks that the steps may run:
the article is published, its approved revision was published by someone who
holds the publishing role (kb-author or admin) today, and the incident is not
closed or cancelled. :func:`execute` runs one step outside any transaction,
in a shell of its own session (a new process group), with nothing of the
incident in the command: the incident's ID and the database come in the
environment (``INCTRACK_INCIDENT``, ``INCTRACK_DB``). A step past its timeout,
or interrupted (Ctrl-C), is killed with its whole process group.
``Runbooks.record`` then writes the run on the incident's timeline as one
``diagnostic`` event whose message is the evidence as JSON (see
``records.event_record``): article, revision, command, start and end, exit
status, and stdout and stderr, each capped at :data:`CAP` bytes (the cap is
noted) with control and escape sequences removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from inctrack.clock import Clock
from inctrack.domain import (
    FINAL_STATUSES,
    ArticleStatus,
    Role,
    Status,
    format_article_id,
    format_incident_id,
)
from inctrack.errors import Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.kb.articles import KnowledgeBase
from inctrack.kb.markdown import diagnostic_steps
from inctrack.lifecycle import Verb
from inctrack.records import EVIDENCE_KIND
from inctrack.storage.models import ArticleUse

CAP = 64 * 1024
"""At most this many bytes of stdout, and of stderr, are kept per run."""
DEFAULT_TIMEOUT = 60.0

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[@-Z\\-_]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_output(raw: bytes) -> str:
    """Text safe to show on a terminal: escape sequences and control characters removed,
    line ends made ``\\n``, undecodable bytes replaced."""
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


@dataclass(frozen=True)
class Plan:
    """What ``kb run`` may run: the approved revision's steps, for one open incident."""

    article: str
    revision: int
    title: str
    incident: str
    steps: list[str]


@dataclass(frozen=True)
class Stream:
    text: str
    size: int
    """Bytes the step wrote, kept or not."""

    @property
    def truncated(self) -> bool:
        return self.size > CAP


@dataclass(frozen=True)
class Outcome:
    """One step run: when, how it ended, what it said."""

    command: str
    started_at: datetime
    ended_at: datetime
    exit_status: int | None
    """The exit status; None when it was killed (timeout, interrupt)."""
    timed_out: bool
    interrupted: bool
    stdout: Stream
    stderr: Stream

    @property
    def failed(self) -> bool:
        return self.exit_status != 0


class Runbooks:
    """Checks before a run and the evidence after it, in a tracker's transaction."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.kb = KnowledgeBase(tracker)
        self.work = tracker.work

    def plan(self, article_ref: str | int, incident_ref: str | int) -> Plan:
        self.work.authorize("note")
        article = self.kb.get_or_raise(article_ref)
        aid = format_article_id(article.id)
        if article.status != ArticleStatus.PUBLISHED.value or article.published_revision is None:
            raise Rejected(
                f"{aid} is {article.status}; only published articles run "
                f"(a kb-author publishes it with `inctrack kb publish {aid}`)."
            )
        publisher = article.published_by or ""
        if not self.work.people.has_role(publisher, Role.KB_AUTHOR, Role.ADMIN):
            raise Rejected(
                f"{aid} revision {article.published_revision} was published by {publisher}, "
                "who does not hold the kb-author or admin role; a kb-author must publish it "
                "again before it runs."
            )
        incident = self.tracker.get_or_raise(incident_ref)
        iid = format_incident_id(incident.id)
        if Status(incident.status) in FINAL_STATUSES:
            raise Rejected(f"{iid} is {incident.status}; diagnostics run on open incidents only.")
        revision = self.kb.revision(article, article.published_revision)
        steps = diagnostic_steps(revision.body)
        if not steps:
            raise Rejected(
                f"{aid} revision {revision.number} has no steps to run: fenced code blocks "
                "marked ```diagnostic."
            )
        return Plan(aid, revision.number, revision.title, iid, steps)

    def record(self, plan: Plan, step: int, outcome: Outcome) -> None:
        """The run of step ``step`` (from 1) as an evidence event on the incident."""
        incident = self.tracker.get_or_raise(plan.incident)
        if Status(incident.status) in FINAL_STATUSES:
            raise Rejected(
                f"{plan.incident} was {incident.status} while the step ran; its run is not "
                "recorded."
            )
        # The incident locked, its version counted and the event chained, as any write.
        change = self.work.begin(plan.incident, Verb.NOTE, None)
        incident, now = change.incident, change.at
        evidence = evidence_record(plan, step, outcome)
        change.event(
            EVIDENCE_KIND, field="kb", new=plan.article,
            message=json.dumps(evidence, ensure_ascii=False),
        )  # fmt: skip
        number = int(plan.article.split("-")[1])
        self.tracker.session.add(
            ArticleUse(
                article_id=number, incident_id=incident.id, revision=plan.revision, kind="run",
                at=now, actor=self.work.actor,
            )
        )  # fmt: skip


def evidence_record(plan: Plan, step: int, outcome: Outcome) -> dict[str, Any]:
    return {
        "article": plan.article,
        "revision": plan.revision,
        "step": step,
        "command": outcome.command,
        "started_at": outcome.started_at.isoformat(),
        "ended_at": outcome.ended_at.isoformat(),
        "exit_status": outcome.exit_status,
        "timed_out": outcome.timed_out,
        "interrupted": outcome.interrupted,
        "stdout": outcome.stdout.text,
        "stdout_bytes": outcome.stdout.size,
        "stdout_truncated": outcome.stdout.truncated,
        "stderr": outcome.stderr.text,
        "stderr_bytes": outcome.stderr.size,
        "stderr_truncated": outcome.stderr.truncated,
        "cap_bytes": CAP,
    }


def _drain(pipe: IO[bytes], kept: bytearray, size: list[int]) -> None:
    """Read ``pipe`` to its end, keeping the first :data:`CAP` bytes and counting all."""
    while chunk := pipe.read(65536):
        size[0] += len(chunk)
        room = CAP - len(kept)
        if room > 0:
            kept.extend(chunk[:room])
    pipe.close()


def execute(command: str, *, incident: str, db: str, timeout: float, clock: Clock) -> Outcome:
    """Run one step with ``/bin/sh -c`` in a new session; kill its group on timeout or
    Ctrl-C. An interrupt is not raised: the outcome says ``interrupted``, for the
    caller to record before it stops."""
    env = dict(os.environ, INCTRACK_INCIDENT=incident, INCTRACK_DB=db)
    started = clock.now().replace(microsecond=0)
    process = subprocess.Popen(
        ["/bin/sh", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=env, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    kept = (bytearray(), bytearray())
    sizes = ([0], [0])
    readers = [
        threading.Thread(target=_drain, args=(pipe, kept[i], sizes[i]), daemon=True)
        for i, pipe in enumerate((process.stdout, process.stderr))
    ]
    for reader in readers:
        reader.start()
    timed_out = interrupted = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    except KeyboardInterrupt:
        interrupted = True
    if timed_out or interrupted:
        _kill_group(process)
    for reader in readers:
        reader.join(timeout=5)
    ended = clock.now().replace(microsecond=0)
    status = None if timed_out or interrupted else process.returncode
    return Outcome(
        command=command, started_at=started, ended_at=ended, exit_status=status,
        timed_out=timed_out, interrupted=interrupted,
        stdout=Stream(clean_output(bytes(kept[0])), sizes[0][0]),
        stderr=Stream(clean_output(bytes(kept[1])), sizes[1][0]),
    )  # fmt: skip


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
