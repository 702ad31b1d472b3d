"""``search`` as records: incidents and problem records matching a query, best first.

Above the engine (:mod:`inctrack.search`) and the records it finds: each hit
becomes its kind's own record plus ``score`` (higher is better) and
``snippet`` (the best matching words, each marked «so»), best first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlmodel import col

from inctrack.domain import FINAL_STATUSES, ProblemStatus, Status
from inctrack.errors import Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.problems.verbs import Problems
from inctrack.records import Record
from inctrack.search import INCIDENT, PROBLEM, Hit, Search
from inctrack.storage.models import Problem

SEARCHED = (INCIDENT.name, PROBLEM.name)
"""What ``search`` looks through, by default all of it."""
HIDDEN = {
    INCIDENT.name: frozenset(str(s) for s in FINAL_STATUSES),
    PROBLEM.name: frozenset({str(ProblemStatus.CLOSED)}),
}
"""What ``search`` leaves out unless asked for all (``--all``) or by status."""
KNOWN = {
    INCIDENT.name: frozenset(str(s) for s in Status),
    PROBLEM.name: frozenset(str(s) for s in ProblemStatus),
}


def search_records(
    tracker: Tracker,
    text: str,
    *,
    kinds: Sequence[str] = (),
    statuses: Sequence[str] = (),
    include_closed: bool = False,
    limit: int | None = 20,
) -> list[Record]:
    """The records matching ``text``, best first: incidents and problems (or ``kinds``),
    in ``statuses`` (or, without them, all but closed and cancelled ones unless
    ``include_closed``)."""
    chosen = list(kinds or SEARCHED)
    wanted = {str(s).lower() for s in statuses}
    unknown = wanted - set().union(*(KNOWN[k] for k in chosen))
    if unknown:
        raise Rejected(
            f"No status {sorted(unknown)[0]!r} for {' or '.join(chosen)} records; "
            f"choose from {', '.join(sorted(set().union(*(KNOWN[k] for k in chosen))))}."
        )
    allowed: dict[str, Collection[str]] = {}
    for kind in list(chosen):
        if wanted:
            allowed[kind] = wanted & KNOWN[kind]
        elif not include_closed:
            allowed[kind] = KNOWN[kind] - HIDDEN[kind]
        if kind in allowed and not allowed[kind]:
            chosen.remove(kind)
    if not chosen:
        return []
    hits = Search(tracker.session).query(text, kinds=chosen, statuses=allowed, limit=limit)
    return _records(tracker, hits)


def _records(tracker: Tracker, hits: list[Hit]) -> list[Record]:
    incidents = {
        int(str(r["id"]).removeprefix("INC-")): r
        for r in tracker.records([h.number for h in hits if h.kind == INCIDENT.name])
    }
    numbers = [h.number for h in hits if h.kind == PROBLEM.name]
    problems: dict[int, Record] = {}
    if numbers:
        found = list(tracker.session.scalars(select(Problem).where(col(Problem.id).in_(numbers))))
        for record, problem in zip(Problems(tracker).records(found), found, strict=True):
            problems[problem.id] = record
    records = []
    for hit in hits:
        source = incidents if hit.kind == INCIDENT.name else problems
        if hit.number in source:
            records.append({**source[hit.number], "score": hit.score, "snippet": hit.snippet})
    return records
