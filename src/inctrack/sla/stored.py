"""Stored clock outcomes: incident columns derived from the timeline, kept in step.

Some facts about an incident are a pure function of its row (``reported_at``,
``logged_by``, ``priority``, ``status``), its status and priority events and the
team's SLA policy, and never of the moment they are read: the due time of the
clock that runs now (``next_due_at``: a running clock's due is
``add_working(start of the running stretch, target - elapsed before it)``,
whenever one asks). Such facts can be stored, so that the queue is one ordered
query instead of every open incident's clocks evaluated in Python.

A set of derived columns is one :class:`Derived`, registered here
(:func:`register`); :func:`refresh` recomputes every registered set for some
incidents, in batches of plain rows, and writes the values that changed. Who
calls it:

- every unit of work (:func:`watch`, installed by :class:`inctrack.work.UnitOfWork`):
  each flush that adds an incident, changes its status or priority, or adds a
  status or priority event refreshes those incidents, in the same transaction;
- the bulk writers (``log --batch``, ``import``) call :func:`refresh` with the
  connection and the numbers they wrote;
- a change of the targets, or of the business calendar or its holidays, refreshes
  the sets that read it (:attr:`Derived.reads`) over every open incident
  (:func:`refresh_policy`: a set with ``scope="all"`` also refreshes closed ones);
- ``db check`` compares stored and recomputed values (:func:`disagreements`) and
  ``db check --repair`` rewrites them.

A provider module (this one for the clocks) lives in ``sla/`` or below and
registers its set at import; :data:`PROVIDERS` names the modules imported before
the first refresh, so every writer knows every set.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Table,
    bindparam,
    event,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import NullType
from sqlmodel import Session, SQLModel

from inctrack.domain import OPEN_STATUSES, format_incident_id
from inctrack.sla.evaluate import Step, evaluate
from inctrack.sla.policy import Policy
from inctrack.sla.policy import load as load_policy
from inctrack.storage.models import Event, Incident

if TYPE_CHECKING:  # db check's row only: every write imports this module
    from inctrack.storage.check import Finding
    from inctrack.storage.engine import Database

INCIDENTS: Table = SQLModel.metadata.tables["incidents"]
EVENTS: Table = SQLModel.metadata.tables["events"]
BATCH = 2000
"""Incidents read per query (SQLite limits the number of bound values)."""
OPEN = tuple(sorted(s.value for s in OPEN_STATUSES))
WATCHED = ("status", "priority")
"""Event fields (and incident columns) the derived columns read."""

Bind = Session | Connection
_NONE: Column[Any] = Column("none")


class Timeline(NamedTuple):
    """What a derived column may read of one incident: its row's clock fields and its
    status and priority events, oldest first (plain rows, never ORM objects)."""

    id: int
    reported_at: datetime
    logged_by: str
    priority: str | None
    status: str
    steps: list[Step]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


PolicyPart = Literal["targets", "calendar"]
"""What a policy change moves: the targets per priority (their length and calendar), or
the business calendar (hours, time zone, holidays)."""


@dataclass(frozen=True)
class Derived:
    """One set of derived incident columns and the function that computes them."""

    name: str
    columns: tuple[str, ...]
    compute: Callable[[Timeline, Policy], dict[str, Any]]
    """The values of ``columns`` for one incident (every column, each time)."""
    scope: Literal["open", "all"] = "open"
    """Which incidents a policy change refreshes and ``db check`` compares: ``open``
    when closed incidents hold nothing (NULL), ``all`` when they hold a value too."""
    reads: frozenset[PolicyPart] = frozenset({"targets", "calendar"})
    """The parts of the policy the values depend on: a change of another part (a
    target, when the set stores durations and leaves the verdict to the report) needs
    no refresh, which over a million closed incidents takes minutes."""


REGISTRY: dict[str, Derived] = {}
PROVIDERS: tuple[str, ...] = ("inctrack.sla.stored", "inctrack.sla.outcomes")
"""Modules that register a :class:`Derived` at import, loaded before any refresh."""


def register(derived: Derived) -> Derived:
    """Add (or replace, by name) a set of derived columns."""
    missing = [c for c in derived.columns if not INCIDENTS.c.get(c, _NONE).info.get("derived")]
    if missing:  # models.DERIVED marks them, so that whole-row writers leave them out
        raise ValueError(f"incidents has no derived column {', '.join(missing)}")
    REGISTRY[derived.name] = derived
    return derived


def registered() -> list[Derived]:
    """Every registered set, its providers imported first."""
    for module in PROVIDERS:
        importlib.import_module(module)
    return list(REGISTRY.values())


def columns() -> tuple[str, ...]:
    """Every derived column: what writers of whole rows leave to :func:`refresh`."""
    return tuple(c for d in registered() for c in d.columns)


# -- the clocks ----------------------------------------------------------------------------


def next_due(timeline: Timeline, policy: Policy) -> dict[str, Any]:
    """``next_due_at``: the due time of the clock that matters now (response until
    answered, then resolution), as :attr:`inctrack.sla.evaluate.Clocks.next_due` says at
    any moment from the last change on; NULL for a closed incident."""
    if not timeline.is_open:
        return {"next_due_at": None}
    last = max([timeline.reported_at, *(s.at for s in timeline.steps)])
    # Evaluated as of its last change, the running stretch has just begun: its due time
    # is add_working(start, target - elapsed), the same as at any later moment.
    clocks = evaluate(cast(Incident, timeline), timeline.steps, policy, last)
    return {"next_due_at": clocks.next_due}


CLOCKS = register(Derived("clocks", ("next_due_at",), next_due))


# -- the open queue, in the order of its index ---------------------------------------------


class OpenQueue(ColumnElement[bool]):
    """``status`` is open, as the predicate of ``ix_incidents_open_queue`` says it
    (migration 0014): a planner only uses a partial index for a query that says the
    same, in literals (SQLite looks into no bound parameter)."""

    # Not Boolean: SQLite would be given "(...) = 1", another predicate than the index's.
    type = NullType()  # type: ignore[assignment]
    inherit_cache = True


class QueueKey(ColumnElement[Any]):
    """``priority`` in the queue's order, untriaged first (last with ``reverse``), as
    the index keeps it: SQLite sorts NULL first already, and an explicit NULLS FIRST
    stops it from reading the index in order."""

    inherit_cache = True

    def __init__(self, *, reverse: bool) -> None:
        self.reverse = reverse


_OPEN_SQL = f"incidents.status IN ({', '.join(repr(s) for s in OPEN)})"


@compiles(OpenQueue)
def _open_queue(element: OpenQueue, compiler: Any, **kw: Any) -> str:
    return _OPEN_SQL


@compiles(OpenQueue, "sqlite")
def _open_queue_sqlite(element: OpenQueue, compiler: Any, **kw: Any) -> str:
    return f"+{_OPEN_SQL}"  # what ix_incidents_status_priority cannot serve (migration 0014)


@compiles(QueueKey)
def _queue_key(element: QueueKey, compiler: Any, **kw: Any) -> str:
    return (
        "incidents.priority DESC NULLS LAST"
        if element.reverse
        else ("incidents.priority ASC NULLS FIRST")
    )


@compiles(QueueKey, "sqlite")
def _queue_key_sqlite(element: QueueKey, compiler: Any, **kw: Any) -> str:
    return "incidents.priority DESC" if element.reverse else "incidents.priority ASC"


# -- computing and writing -----------------------------------------------------------------


def timelines(bind: Bind, incident_ids: Iterable[int]) -> Iterator[tuple[Timeline, Any]]:
    """Each incident's timeline and its row (with the stored derived columns), in
    batches of :data:`BATCH`."""
    ids = sorted(set(incident_ids))
    stored = [INCIDENTS.c[c] for c in columns()]
    fields = [INCIDENTS.c[name] for name in Timeline._fields[:-1]]
    steps = [EVENTS.c[name] for name in Step._fields]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = bind.execute(select(*fields, *stored).where(INCIDENTS.c.id.in_(chunk))).all()
        found: dict[int, list[Step]] = defaultdict(list)
        statement = (
            select(*steps)
            .where(EVENTS.c.incident_id.in_(chunk))
            .where(EVENTS.c.field.in_(WATCHED))
            .order_by(EVENTS.c.incident_id, EVENTS.c.id)
        )
        for row in bind.execute(statement):
            found[row[0]].append(Step(*row))
        for row in rows:
            yield Timeline(*row[: len(fields)], found.get(row[0], [])), row  # type: ignore[call-arg]


def computed(
    timeline: Timeline, policy: Policy, sets: Sequence[Derived] | None = None
) -> dict[str, Any]:
    """The derived columns of one incident: every registered set's, or those of ``sets``."""
    values: dict[str, Any] = {}
    for derived in registered() if sets is None else sets:
        values.update(derived.compute(timeline, policy))
    return values


def refresh(
    bind: Bind,
    incident_ids: Iterable[int],
    policy: Policy | None = None,
    sets: Sequence[Derived] | None = None,
) -> int:
    """Recompute the derived columns of these incidents and write those that changed, in
    the caller's transaction; returns how many incidents changed. ``bind`` is a session
    (a unit of work's) or a connection (a bulk writer's); ``policy`` defaults to the
    team's, read through ``bind``; ``sets`` (default: all) limits it to some sets."""
    policy = policy if policy is not None else _policy(bind)
    names = columns() if sets is None else tuple(c for d in sets for c in d.columns)
    changed: list[dict[str, Any]] = []
    for timeline, row in timelines(bind, incident_ids):
        values = computed(timeline, policy, sets)
        if any(getattr(row, name) != values[name] for name in names):
            changed.append({"_id": timeline.id, **values})
    if changed:
        statement = (
            update(INCIDENTS)
            .where(INCIDENTS.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in names})
        )
        for start in range(0, len(changed), BATCH):
            bind.execute(statement, changed[start : start + BATCH])
        if isinstance(bind, Session):
            _sync(bind, changed, names)
    return len(changed)


def scope_ids(bind: Bind, scope: Literal["open", "all"]) -> list[int]:
    """The incidents a set of ``scope`` covers: the open ones, or every one."""
    statement = select(INCIDENTS.c.id)
    if scope == "open":
        statement = statement.where(INCIDENTS.c.status.in_(OPEN))
    return [int(i) for i in bind.execute(statement).scalars()]


def refresh_policy(
    bind: Bind, policy: Policy | None = None, changed: PolicyPart | None = None
) -> int:
    """After a policy change: refresh the sets that read the part ``changed`` (every
    set when not said), over the open incidents, or every incident when one of those
    sets has ``scope="all"``."""
    sets = [d for d in registered() if changed is None or changed in d.reads]
    if not sets:
        return 0
    scope: Literal["open", "all"] = "all" if any(d.scope == "all" for d in sets) else "open"
    return refresh(bind, scope_ids(bind, scope), policy, sets)


class Disagreement(NamedTuple):
    incident_id: int
    column: str
    stored: Any
    computed: Any


def disagreements(bind: Bind, policy: Policy | None = None) -> list[Disagreement]:
    """Every stored derived value that differs from the one recomputed from events
    (for ``db check``): the sets' scopes, plus any closed incident holding a value
    where an ``open`` set says NULL."""
    policy = policy if policy is not None else _policy(bind)
    sets = registered()
    scope: Literal["open", "all"] = "all" if any(d.scope == "all" for d in sets) else "open"
    ids = set(scope_ids(bind, scope))
    if scope == "open":
        held = [INCIDENTS.c[c].is_not(None) for d in sets for c in d.columns]
        closed = select(INCIDENTS.c.id).where(INCIDENTS.c.status.not_in(OPEN))
        ids.update(int(i) for i in bind.execute(closed.where(or_(*held))).scalars())
    found: list[Disagreement] = []
    for timeline, row in timelines(bind, ids):
        for name, value in computed(timeline, policy).items():
            if getattr(row, name) != value:
                found.append(Disagreement(timeline.id, name, getattr(row, name), value))
    return found


SHOWN = 5
"""Incidents named in a finding; the rest are counted."""


def check(database: Database, *, repair: bool = False) -> Finding:
    """``db check``'s ``stored clocks``: do the stored derived columns agree with what the
    events give? With ``repair``, the ones that do not are recomputed (and the finding
    says which were). Skipped on a database not at this inctrack's revision."""
    from inctrack.storage.check import Finding
    from inctrack.storage.migrate import HEAD, current_revision

    with database.translate_errors(), database.connect() as connection:
        if current_revision(connection) != HEAD:
            return Finding("stored clocks", True, "not checked: the schema is not current")
    with database.transaction(write=repair) as session:
        found = disagreements(session)
        if not found:
            return Finding("stored clocks", True, "agree with the events")
        ids = sorted({d.incident_id for d in found})
        named = ", ".join(
            f"{format_incident_id(d.incident_id)} {d.column}" for d in found[:SHOWN]
        ) + (f" and {len(found) - SHOWN} more" if len(found) > SHOWN else "")
        many = f"{len(ids)} incident{'s' if len(ids) != 1 else ''}"
        if not repair:
            return Finding(
                "stored clocks", False,
                f"{many} {'disagree' if len(ids) != 1 else 'disagrees'} with the events "
                f"({named}); "
                "`inctrack db check --repair` recomputes them",
            )  # fmt: skip
        refresh(session, ids)
        return Finding("stored clocks", True, f"repaired {many} ({named})")


def upgraded(connection: Connection, revision: str) -> None:
    """After ``storage.migrate.upgrade`` took a database from ``revision`` to HEAD: fill
    the derived columns the migrations since then added (0014: ``next_due_at``)."""
    if revision < "0014":  # later revisions' sets fill their own columns (their hooks)
        refresh(connection, scope_ids(connection, "open"), sets=[CLOCKS])


def _policy(bind: Bind) -> Policy:
    if isinstance(bind, Session):
        return load_policy(bind)
    with Session(bind=bind) as session:
        return load_policy(session)


def _sync(session: Session, changed: Sequence[dict[str, Any]], names: Sequence[str]) -> None:
    """Tell the incidents this session holds what was just written beneath it."""
    for values in changed:
        incident = session.identity_map.get(session.identity_key(Incident, values["_id"]))
        if incident is not None:
            for name in names:
                set_committed_value(incident, name, values[name])


# -- at write time ---------------------------------------------------------------------------

_PENDING = "inctrack.stored.pending"
_POLICY = "inctrack.stored.policy"


def watch(session: Session, policy: Callable[[], Policy]) -> None:
    """Make every flush of ``session`` refresh the incidents it added or whose status or
    priority it changed (or gave a status or priority event), in the same transaction."""
    session.info[_POLICY] = policy
    if not event.contains(session, "after_flush", _collect):
        event.listen(session, "after_flush", _collect)
        event.listen(session, "after_flush_postexec", _refresh)


def _collect(session: Session, _context: Any) -> None:
    pending: set[int] = session.info.setdefault(_PENDING, set())
    for item in session.new:
        if isinstance(item, Incident) or (isinstance(item, Event) and item.field in WATCHED):
            pending.add(item.id if isinstance(item, Incident) else item.incident_id)
    for item in session.dirty:
        if isinstance(item, Incident):
            state = inspect(item)
            if any(state.attrs[name].history.has_changes() for name in WATCHED):
                pending.add(item.id)


def _refresh(session: Session, _context: Any) -> None:
    pending: set[int] = session.info.pop(_PENDING, set())
    if pending:
        policy: Callable[[], Policy] = session.info.get(_POLICY) or (lambda: _policy(session))
        with session.no_autoflush:
            refresh(session, pending, policy())
