"""Import, writing: the :class:`Importer` that turns drafts into incidents.

The readers (``inctrack.transfer.readers``; ServiceNow exports through
``inctrack.transfer.servicenow``) hand it drafts; it writes them with bulk
inserts in the caller's one transaction: a file with a problem writes nothing.
An incident keeps its ``INC-n`` (one from another tool gets a new number and
keeps its own in ``external_id``); one that is already there is skipped,
updated (fields replaced, only the events it lacks appended) or refused.
"""

from __future__ import annotations

import gc
import io
import os
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, Protocol

from sqlalchemy import Index, Table, bindparam, func, insert, select, update
from sqlmodel import SQLModel

from inctrack import search
from inctrack.admin.taxonomy import join
from inctrack.domain import format_incident_id
from inctrack.errors import Conflict
from inctrack.incidents.tracker import Tracker
from inctrack.services.registry import Services
from inctrack.services.status import refresh
from inctrack.sla import stored
from inctrack.storage.bulk import BulkInsert
from inctrack.transfer.summary import MAX_PROBLEMS, ConflictPolicy, Summary
from inctrack.transfer.timeline import EVENT_KEYS, Draft, EventRow

INCIDENTS: Table = SQLModel.metadata.tables["incidents"]
EVENTS: Table = SQLModel.metadata.tables["events"]
CATEGORIES: Table = SQLModel.metadata.tables["categories"]
GROUPS: Table = SQLModel.metadata.tables["groups"]
SERVICES: Table = SQLModel.metadata.tables["services"]
REPORT_INDEXES = frozenset(
    f"ix_incidents_{key}_reported_at"
    for key in ("category_subcategory", "service", "priority", "channel", "group")
)
"""The trend reports' indexes (migration 0005): nothing during an import reads them."""

IMPORT_CHUNK = 2000
"""Incidents written per bulk insert while importing."""


class Progress(Protocol):
    """Told how far a long import has got: ``what`` is being done, ``done`` of ``total``."""

    def __call__(self, what: str, done: int, total: int | None) -> None: ...


class TooManyProblems(Exception):
    """Raised to stop reading: the file needs fixing anyway."""


class Importer:
    """Writes drafts in bulk inside the tracker's transaction, deciding conflicts.

    Nothing is written once a problem is found (reading goes on, to report the
    others), and :meth:`finish` raises so that the caller rolls back; with
    ``dry_run`` every look-up is made and nothing is written.
    """

    def __init__(
        self,
        tracker: Tracker,
        summary: Summary,
        *,
        on_conflict: ConflictPolicy = ConflictPolicy.SKIP,
        dry_run: bool = False,
    ) -> None:
        work = tracker.work
        work.authorize("import")
        self.tracker = tracker
        self.summary = summary
        self.on_conflict = on_conflict
        self.dry_run = dry_run
        self.connection = tracker.session.connection()
        self.bulk = BulkInsert(self.connection)
        self.numbers = work.numbers
        self.now = work.now()
        self.actor = work.actor
        self.pending: list[Draft] = []
        self.given: dict[int, int] = {}
        """INC numbers the file gives -> the line that gave them."""
        self.assigned: set[int] = set()
        """Numbers handed out in this import to incidents that came without one."""
        self.created: set[int] = set()
        self.externals: dict[str, int] = {}
        self.digests: Tally[str] = Tally()
        """How many rows with each digest came so far: identical rows count up."""
        self.links: list[tuple[int, int | None, int]] = []
        """(incident, duplicate_of, line): set once every incident is in."""
        self.categories = {path for (path,) in self.connection.execute(select(CATEGORIES.c.path))}
        self.seen_categories: set[tuple[str, str | None]] = set()
        self.groups: dict[str, str] = {
            str(row.folded): str(row.name)
            for row in self.connection.execute(select(GROUPS.c.folded, GROUPS.c.name))
        }
        """The registry's groups, case-folded name -> its spelling."""
        self.services: dict[str, str] = {
            str(row.folded): str(row.name)
            for row in self.connection.execute(select(SERVICES.c.folded, SERVICES.c.name))
        }
        """The registry's services, case-folded name -> its spelling."""
        self.touched_services: set[str] = set()
        self.written: set[int] = set()
        """Incidents created or changed: their derived columns are refreshed at the end."""
        # Holding the counter's row lock (unless nothing is written): concurrent `log`s wait.
        self.counter = self.numbers.hold("incident", lock=not dry_run)
        top = self.connection.execute(select(func.max(INCIDENTS.c.id))).scalar_one()
        self.next_number = max(self.counter, top or 0)
        empty = top is None and not dry_run
        self.deferred: list[Index] = self._defer_indexes() if empty else []
        """Report indexes dropped while loading an empty database, rebuilt in :meth:`finish`."""
        self.paused = search.pause(self.connection) if empty else None
        """The full-text index, built once in :meth:`finish` rather than row by row
        (and event by event) while loading an empty database."""

    def _defer_indexes(self) -> list[Index]:
        """Drop the report indexes, to rebuild them once over the loaded rows: cheaper than
        keeping five up to date row by row (8,700 -> 10,300 incidents/s, measured); the
        transaction makes the drop invisible to others and undoes it on failure."""
        deferred = [i for i in INCIDENTS.indexes if i.name in REPORT_INDEXES]
        for index in deferred:
            index.drop(self.connection)
        return deferred

    @property
    def writing(self) -> bool:
        return not self.dry_run and not self.summary.problems

    def problem(self, line: int, message: str) -> None:
        self.summary.problems.append((line, message))
        if len(self.summary.problems) >= MAX_PROBLEMS:
            raise TooManyProblems

    def add(self, draft: Draft) -> None:
        self.summary.incidents += 1
        draft.values["source_key"] = self._source_key(draft)
        number, external, word = draft.number, draft.external_id, self.summary.line_word
        if number is not None:
            if number in self.given:
                name = format_incident_id(number)
                self.problem(draft.line, f"{name} is also on {word} {self.given[number]}")
                return
            if number in self.assigned:
                self.problem(
                    draft.line,
                    f"{format_incident_id(number)} was already given to an incident above that "
                    "had no ID; give every incident its ID, or none",
                )
                return
            self.given[number] = draft.line
        elif external is not None:
            if external in self.externals:
                where = f"{word} {self.externals[external]}"
                self.problem(draft.line, f"external_id {external!r} is also on {where}")
                return
            self.externals[external] = draft.line
        self.pending.append(draft)
        if len(self.pending) >= IMPORT_CHUNK:
            self.flush()

    def _source_key(self, draft: Draft) -> str | None:
        """``sha256:DIGEST:N`` for the Nth row with that content: stable from one run of
        the same file to the next, and two identical rows are still two incidents."""
        if draft.digest is None:
            return None
        self.digests[draft.digest] += 1
        return f"sha256:{draft.digest}:{self.digests[draft.digest]}"

    def _imported(self, drafts: list[Draft]) -> set[str]:
        """The source keys of ``drafts`` already on an incident: rows imported before."""
        keys = [d.values["source_key"] for d in drafts if d.values["source_key"] is not None]
        if not keys:
            return set()
        statement = select(INCIDENTS.c.source_key).where(INCIDENTS.c.source_key.in_(keys))
        return {str(key) for key in self.connection.execute(statement).scalars()}

    def flush(self) -> None:
        drafts, self.pending = self.pending, []
        if not drafts:
            return
        numbers = [d.number for d in drafts if d.number is not None]
        existing = set(self._ids(numbers))
        externals = [d.external_id for d in drafts if d.number is None and d.external_id]
        by_external: dict[str, int] = {}
        if externals:
            statement = (
                select(INCIDENTS.c.external_id, func.min(INCIDENTS.c.id))
                .where(INCIDENTS.c.external_id.in_(externals))
                .group_by(INCIDENTS.c.external_id)
            )
            by_external = {str(e): int(i) for e, i in self.connection.execute(statement)}
        imported = self._imported(drafts)
        creates: list[tuple[int, Draft]] = []
        updates: list[tuple[int, Draft]] = []
        for draft in drafts:
            if draft.values["source_key"] in imported:
                self.summary.skipped += 1  # the very same row, imported before: nothing to do
                continue
            if draft.number is not None:
                target = draft.number if draft.number in existing else None
            else:
                target = by_external.get(draft.external_id or "")
            if target is None:
                creates.append((draft.number or self._new_number(), draft))
            elif self.on_conflict is ConflictPolicy.SKIP:
                self.summary.skipped += 1
            elif self.on_conflict is ConflictPolicy.FAIL:
                self._clash(target, draft)
            else:
                updates.append((target, draft))
        for _, draft in creates + updates:
            self._category(draft.values["category"], draft.values["subcategory"])
            self._group(draft)
            self._service(draft)
        self._create(creates)
        if updates:
            self._update(updates)

    def _new_number(self) -> int:
        number = self.next_number + 1
        while number in self.given:
            number += 1
        self.next_number = number
        self.assigned.add(number)
        return number

    def _clash(self, target: int, draft: Draft) -> None:
        name = format_incident_id(target)
        if draft.number is None:
            name = f"{draft.external_id} ({name})"
        if not self.dry_run:
            raise Conflict(
                f"{name} from {self.summary.line_word} {draft.line} is already in the database, "
                "so nothing was imported; use --on-conflict skip or update (--dry-run lists "
                "every clash)."
            )
        if len(self.summary.conflicts) < MAX_PROBLEMS:
            self.summary.conflicts.append(name)

    def _category(self, category: str | None, subcategory: str | None) -> None:
        """A category the taxonomy lacks is added to it (and listed in the summary)."""
        if category is None or (category, subcategory) in self.seen_categories:
            return
        self.seen_categories.add((category, subcategory))
        for path in (category, join(category, subcategory)):
            if path in self.categories:
                continue
            self.categories.add(path)
            self.summary.categories_added.append(path)
            if self.writing:
                self.connection.execute(insert(CATEGORIES).values(path=path, created_at=self.now))

    def _group(self, draft: Draft) -> None:
        """A group the registry lacks is registered (and listed in the summary); one it
        has under another case is written as the registry spells it."""
        name = draft.values.get("assignment_group")
        if name is None or not name.strip():
            return
        folded = name.strip().casefold()
        known = self.groups.get(folded)
        if known is None:
            known = self.groups[folded] = name.strip()
            self._register(known, folded)
        draft.values["assignment_group"] = known

    def _register(self, name: str, folded: str) -> None:
        self.summary.groups_added.append(name)
        if self.writing:
            self.connection.execute(
                insert(GROUPS).values(name=name, folded=folded, created_at=self.now)
            )

    def _service(self, draft: Draft) -> None:
        """A service the registry lacks is registered when the import is written (and
        listed in the summary); one it has under another case is written as it spells it."""
        name = draft.values.get("service")
        if name is None or not name.strip():
            return
        folded = name.strip().casefold()
        known = self.services.get(folded)
        if known is None:
            known = self.services[folded] = name.strip()
            self.summary.services_added.append(known)
        draft.values["service"] = known
        self.touched_services.add(known)

    def _services_status(self) -> None:
        """Register the new services and record the status the imported incidents give
        every service they name."""
        services = Services(self.tracker.work)
        services.register_all(set(self.summary.services_added), at=self.now)
        touched = dict.fromkeys(self.touched_services, (self.now, None))
        refresh(self.tracker.session, touched, actor=self.actor, now=self.now)

    def _create(self, creates: list[tuple[int, Draft]]) -> None:
        self.summary.created += len(creates)
        self.summary.events += sum(len(d.events) for _, d in creates)
        for number, draft in creates:
            self.created.add(number)
            if draft.duplicate_of is not None:
                self.links.append((number, draft.duplicate_of, draft.line))
        if not self.writing or not creates:
            return
        for _, draft in creates:
            draft.values["version"] = len(draft.events)  # one version per event
        self.bulk.incidents((number, d.values) for number, d in creates)
        self.written.update(number for number, _ in creates)
        written = [(number, event) for number, d in creates for event in d.events]
        self._stakeholder_updates(written, self.bulk.events(written), creates)

    def _update(self, updates: list[tuple[int, Draft]]) -> None:
        """Replace the fields (not ``logged_at``/``logged_by``: when and by whom inctrack
        first recorded it) and append the events the incident does not have yet."""
        ids = [target for target, _ in updates]
        rows = self.connection.execute(select(INCIDENTS).where(INCIDENTS.c.id.in_(ids)))
        current = {row.id: row for row in rows}
        have: dict[int, Tally[tuple[Any, ...]]] = defaultdict(Tally)
        columns = [EVENTS.c.incident_id, *(EVENTS.c[key] for key in EVENT_KEYS)]
        for row in self.connection.execute(select(*columns).where(EVENTS.c.incident_id.in_(ids))):
            have[row[0]][tuple(row[1:])] += 1
        appended: list[tuple[int, EventRow]] = []
        for target, draft in updates:
            row = current[target]
            changes = {
                key: value
                for key, value in draft.values.items()
                if key not in ("logged_at", "logged_by", "source_key")
                and getattr(row, key) != value
            }
            seen = have[target]
            missing = []
            for event in draft.events:  # an event is its first eight values (not os_login)
                identity = event[:8]
                if seen[identity] > 0:
                    seen[identity] -= 1
                else:
                    missing.append(event)
            relinked = row.duplicate_of != draft.duplicate_of
            if relinked:
                self.links.append((target, draft.duplicate_of, draft.line))
            if not (changes or missing or relinked):
                self.summary.unchanged += 1
                continue
            self.summary.updated += 1
            self.summary.events += len(missing)
            appended.extend((target, event) for event in missing)
            if self.writing:
                self.written.add(target)
                statement = update(INCIDENTS).where(INCIDENTS.c.id == target)
                version = INCIDENTS.c.version + len(missing)  # one version per event
                self.connection.execute(statement.values(**changes, version=version))
        if self.writing:
            self._stakeholder_updates(appended, self.bulk.events(appended), updates)

    def _stakeholder_updates(
        self, written: list[tuple[int, EventRow]], ids: list[int], drafts: list[tuple[int, Draft]]
    ) -> None:
        """An ``updates`` row for every ``update`` event just written, in the same
        transaction: public when the file lists it among the incident's public updates
        (an export made before updates were exported lists none: all internal)."""
        public = {number: Tally(d.public) for number, d in drafts if d.public}
        rows = []
        for (number, event), event_id in zip(written, ids, strict=True):
            at, _, actor, kind, _, _, state, message, _ = event
            if kind != "update" or state is None or message is None:
                continue
            wanted = public.get(number)
            shown = wanted is not None and wanted[(at, actor, state, message)] > 0
            if shown and wanted is not None:
                wanted[(at, actor, state, message)] -= 1
            rows.append((number, event_id, at, actor, state, shown, message))
        self.bulk.updates(rows)

    def finish(self) -> Summary:
        """Write what is pending, link duplicates, move the ID counter on; unless this is a
        dry run, raise the verdict (the caller rolls back: nothing is written)."""
        try:
            self.flush()
            self._link()
        except TooManyProblems:
            pass
        for index in self.deferred:
            index.create(self.connection)
        if self.paused is not None:
            search.resume(self.paused, kinds=[search.INCIDENT.name])
        if self.writing:
            top = self.connection.execute(select(func.max(INCIDENTS.c.id))).scalar_one() or 0
            if top > self.counter:
                self.numbers.raise_to("incident", top)
            if not self.summary.problems:
                self._services_status()
                stored.refresh(self.connection, self.written, self.tracker.work.policy())
        if not self.dry_run:
            verdict = self.summary.verdict()
            if verdict is not None:
                raise verdict
        return self.summary

    def _link(self) -> None:
        wanted = sorted({t for _, t, _ in self.links if t is not None} - self.created)
        found = set(self._ids(wanted))
        values = []
        for number, target, line in self.links:
            if target is not None and target not in found and target not in self.created:
                name = format_incident_id(target)
                self.problem(
                    line, f"duplicate_of {name} is neither in the file nor in the database"
                )
            values.append({"number": number, "target": target})
        if values and self.writing:
            statement = (
                update(INCIDENTS)
                .where(INCIDENTS.c.id == bindparam("number"))
                .values(duplicate_of=bindparam("target"))
            )
            self.connection.execute(statement, values)

    def _ids(self, numbers: Sequence[int]) -> list[int]:
        """Which of ``numbers`` are incidents in the database."""
        found: list[int] = []
        for start in range(0, len(numbers), IMPORT_CHUNK):
            chunk = numbers[start : start + IMPORT_CHUNK]
            statement = select(INCIDENTS.c.id).where(INCIDENTS.c.id.in_(chunk))
            found.extend(int(n) for n in self.connection.execute(statement).scalars())
        return found


@contextmanager
def few_collections() -> Iterator[None]:
    """Fewer garbage-collector passes while importing: the records read are not cycles and
    die young, yet each pass walks every object alive (a third of the time, measured)."""
    threshold = gc.get_threshold()
    gc.freeze()  # what exists now (modules, metadata, caches) is never collected
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def size_and_position(stream: IO[str]) -> tuple[int | None, Callable[[], int]]:
    """The file's size and how far reading has got, in bytes, for a progress bar."""
    raw = getattr(stream, "buffer", None)
    try:
        size = os.fstat(stream.fileno()).st_size
        position = raw.tell if raw is not None else None
        if position is None:
            return None, lambda: 0
        position()
    except (OSError, AttributeError, io.UnsupportedOperation, ValueError):
        return None, lambda: 0
    return (size or None), lambda: int(position())
