"""Random verb sequences, by random people, never break the lifecycle's invariants.

A Hypothesis state machine drives the library on one SQLite file per run. It
keeps a small hand-written model of each incident (status, tier, hands, major
flag, counts) and predicts from the rules whether each call must go through or
be refused; a refused call must write nothing. After every step the invariants
are checked against what the database holds.

Most steps aim at a verb the lifecycle allows on the chosen incident, so that
runs get deep (resolved, closed, reopened); the rest try anything.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlmodel import col

from inctrack.clock import FixedClock
from inctrack.domain import Status
from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.incidents.queries import IncidentQuery
from inctrack.lifecycle import Verb
from inctrack.records import incident_record
from inctrack.storage import Database
from inctrack.storage.models import Event

from .helpers import EXPECTED, START, Desk

GROUP_OF = {"ada": None, "rex": "network", "ima": None}
"""The registered people: ada is admin and service desk, rex a responder, ima a manager."""
SERVICE_DESK = {"ada"}
DESK_OR_MANAGER = {"ada", "ima"}
MAY = {"close": SERVICE_DESK, "reopen": DESK_OR_MANAGER, "cancel": DESK_OR_MANAGER}
"""Who may do what, where it is not every registered worker."""

ONE_EVENT: dict[Verb, tuple[tuple[Any, ...], dict[str, Any]]] = {
    Verb.RESPOND: (("looking",), {}),
    Verb.NOTE: (("an update",), {"public": True}),
    Verb.HOLD: (("awaiting-vendor",), {}),
    Verb.RESUME: ((), {}),
    Verb.RESOLVE: ((), {"code": "fixed", "note": "restarted it"}),
    Verb.CLOSE: ((), {"unconfirmed": True, "reason": "no answer"}),
    Verb.REOPEN: ((), {"reason": "it broke again"}),
    Verb.CANCEL: ((), {"reason": "logged twice"}),
}
"""Verbs that write exactly one event when they go through, with their arguments."""

FINAL = {Status.CLOSED, Status.CANCELLED}
KIND_TO_VERB = {
    "responded": Verb.RESPOND, "held": Verb.HOLD, "resumed": Verb.RESUME,
    "resolved": Verb.RESOLVE, "closed": Verb.CLOSE, "reopened": Verb.REOPEN,
    "cancelled": Verb.CANCEL,
}  # fmt: skip

ACTOR = st.sampled_from(["ada", "ada", "ada", "rex", "ima", "zed"])  # zed: a stranger
AIM = st.sampled_from([True, True, True, False])
"""Aim at a verb the lifecycle allows (True), or try any verb (False)?"""
WHICH = st.integers(min_value=0, max_value=11)
"""Which incident (or verb) among the candidates, modulo their number."""
LATER = st.sampled_from([0, 1, 5, 30, 240])
"""Minutes on the clock before the next step."""
BACK = st.sampled_from([None] * 6 + [0, 10, 60])
"""``--at``: now (None), or this many minutes ago."""


@dataclass
class Model:
    last_at: datetime
    status: Status = Status.NEW
    tier: int = 1
    group: str | None = None
    assignee: str | None = None
    major: bool = False
    priority: str | None = None
    status_changes: int = 0
    reopens: int = 0
    reassignments: int = 0


class IncidentMachine(RuleBasedStateMachine):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.clock = FixedClock(START)
        self.database = Database.open(str(path))
        self.desk = Desk(self.database, self.clock)
        self.models: dict[str, Model] = {}
        self.last: dict[str, Any] = {}
        """What the database held after the previous step."""
        self.seen_reassignments: dict[str, int] = {}

    def teardown(self) -> None:
        self.database.dispose()

    # -- helpers ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Every incident's record with its events, as ``show`` gives them."""
        with self.desk.tracker(write=False) as tracker:
            events: dict[int, list[Event]] = {}
            for event in tracker.session.scalars(select(Event).order_by(col(Event.id))):
                events.setdefault(event.incident_id, []).append(event)
            return {
                f"INC-{i.id}": incident_record(i, events=events.get(i.id, []))
                for i in tracker.find(IncidentQuery(include_closed=True))
            }

    def when(self, back: int | None) -> datetime | None:
        return None if back is None else self.clock.now() - timedelta(minutes=back)

    def choose(self, verbs: list[Verb], aim: bool, which: int) -> tuple[str, Verb] | None:
        """An incident and a verb; when aiming, a pair the lifecycle allows (None if none is)."""
        pairs = [(ref, verb) for ref in sorted(self.models) for verb in verbs]
        if aim:
            pairs = [(r, v) for r, v in pairs if EXPECTED[(self.models[r].status, v)]]
        return pairs[which % len(pairs)] if pairs else None

    def attempt(
        self,
        ref: str,
        verb: Verb,
        *args: Any,
        actor: str,
        back: int | None,
        refusals: set[type[Exception]],
        events: int,
        **kwargs: Any,
    ) -> bool:
        """Run one verb; it must be refused (writing nothing) iff ``refusals`` says so."""
        model = self.models[ref]
        at = self.when(back)
        if actor not in MAY.get(verb.value, set(GROUP_OF)):
            refusals.add(PermissionDenied)
        target = EXPECTED[(model.status, verb)]
        if target is None:
            refusals.add(Rejected)
        if at is not None and at < model.last_at:
            refusals.add(Rejected)  # a timeline only moves forward
        before = self.last
        try:
            record = self.desk(verb.value, ref, *args, actor=actor, at=at, **kwargs)
        except (Rejected, PermissionDenied, NotFound) as error:
            refused = error
        else:
            refused = None
        if refused is not None:
            assert type(refused) in refusals, f"{verb} {ref} by {actor}: {refused.message}"
            assert self.snapshot() == before, f"the refused {verb} wrote something"
            return False
        assert not refusals, f"{verb} {ref} by {actor} went through; expected {refusals}"
        assert target is not None
        written = record["events"][len(before[ref]["events"]) :]
        assert len(written) == events, [e["kind"] for e in written]
        if target is not model.status:
            model.status, model.status_changes = target, model.status_changes + 1
        if written:
            model.last_at = at or self.clock.now()
        return True

    # -- rules -----------------------------------------------------------------------------

    @initialize()
    def first_incident(self) -> None:
        self.log("rex", None)

    @precondition(lambda self: sum(m.status not in FINAL for m in self.models.values()) < 2)
    @rule(actor=ACTOR, back=BACK)
    def log(self, actor: str, back: int | None) -> None:
        at = self.when(back)
        if actor not in GROUP_OF:
            with pytest.raises(PermissionDenied, match="not a registered user"):
                self.desk("log", "Something broke", actor=actor, at=at)
            return
        record = self.desk("log", "Something broke", actor=actor, at=at)
        assert len(record["events"]) == 1
        self.models[record["id"]] = Model(last_at=at or self.clock.now())

    @rule(
        later=LATER, aim=AIM, which=WHICH, actor=ACTOR, back=BACK,
        tier=st.sampled_from([None, 2, 3]), group=st.sampled_from([None, "network", "apps"]),
        major=st.booleans(), to=st.sampled_from(["ada", "rex", "ima", "zed"]),
    )  # fmt: skip
    def work(
        self, later: int, aim: bool, which: int, actor: str, back: int | None, tier: int | None,
        group: str | None, major: bool, to: str,
    ) -> None:  # fmt: skip
        """Some minutes later, one verb on one incident (unused arguments are ignored)."""
        self.clock.advance(timedelta(minutes=later))
        chosen = self.choose([*ONE_EVENT, Verb.ESCALATE, Verb.ASSIGN], aim, which)
        if chosen is None:  # every incident is closed or cancelled: the phone rings
            self.log(actor, back)
            return
        ref, verb = chosen
        if verb is Verb.ESCALATE:
            self.escalate(ref, actor, back, tier=tier, group=group, major=major)
        elif verb is Verb.ASSIGN:
            self.assign(ref, actor, back, to=to, group=group)
        else:
            args, kwargs = ONE_EVENT[verb]
            # a first-contact fix (resolve from new) is responded to as well: two events
            first_contact = verb is Verb.RESOLVE and self.models[ref].status is Status.NEW
            done = self.attempt(
                ref, verb, *args, actor=actor, back=back, refusals=set(),
                events=1 + first_contact, **kwargs,
            )  # fmt: skip
            if done and first_contact:
                self.models[ref].status_changes += 1
            if done and verb is Verb.REOPEN:
                self.models[ref].reopens += 1

    def escalate(
        self, ref: str, actor: str, back: int | None, *, tier: int | None, group: str | None,
        major: bool,
    ) -> None:  # fmt: skip
        model = self.models[ref]
        refusals: set[type[Exception]] = set()
        if major and actor not in DESK_OR_MANAGER:
            refusals.add(PermissionDenied)
        if tier is not None and not model.tier < tier <= 3:
            refusals.add(Rejected)  # escalation goes up, to tier 3 at most
        if major and model.major:
            refusals.add(Rejected)  # already major
        new_group = group is not None and group != model.group
        if tier is None and not new_group and not major:
            refusals.add(Rejected)  # nothing to escalate
        # one event per field: tier, group, the assignee a new group clears, the major flag,
        # and the priority a major incident is raised to
        raised = major and model.priority != "P1"
        events = (tier is not None) + new_group + (new_group and model.assignee is not None)
        events += major + raised
        done = self.attempt(
            ref, Verb.ESCALATE, actor=actor, back=back, refusals=refusals, events=events,
            tier=tier, group=group, major=major, reason="tried",
        )  # fmt: skip
        if done:
            if tier is not None:
                model.tier = tier
            if new_group:
                model.reassignments += model.group is not None or model.assignee is not None
                model.group, model.assignee = group, None
            model.major = model.major or major
            model.priority = "P1" if major else model.priority

    def assign(self, ref: str, actor: str, back: int | None, *, to: str, group: str | None) -> None:
        model = self.models[ref]
        refusals: set[type[Exception]] = set() if to in GROUP_OF else {NotFound}
        # an explicit group wins; else the assignee's own group; else the group stays
        new_group = group or GROUP_OF.get(to) or model.group
        events = (new_group != model.group) + (to != model.assignee)
        had_it = model.group is not None or model.assignee is not None
        done = self.attempt(
            ref, Verb.ASSIGN, actor=actor, back=back, refusals=refusals, events=events, to=to,
            group=group,
        )  # fmt: skip
        if done:
            model.reassignments += bool(events) and had_it
            model.group, model.assignee = new_group, to

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def the_database_agrees_with_the_rules(self) -> None:
        self.last = self.snapshot()
        for ref, record in self.last.items():
            model = self.models[ref]
            events = record["events"]
            status: Status | None = Status.NEW
            status_events = [e for e in events if e["field"] == "status"]
            for event in status_events:  # the status history follows the table from new
                assert event["old"] == status
                status = EXPECTED[(Status(event["old"]), KIND_TO_VERB[event["kind"]])]
                assert event["new"] == status
            assert record["status"] == status == model.status
            assert len(status_events) == model.status_changes
            ats = [e["at"] for e in events]
            assert ats == sorted(ats), f"{ref}: the timeline goes back in time"
            if record["status"] == "closed":
                assert record["closed_by"] in SERVICE_DESK
                assert status_events[-1]["actor"] in SERVICE_DESK
            reopened = sum(e["kind"] == "reopened" for e in events)
            assert record["reopen_count"] == reopened == model.reopens
            assert record["reassignment_count"] >= self.seen_reassignments.get(ref, 0)
            assert record["reassignment_count"] == model.reassignments
            self.seen_reassignments[ref] = record["reassignment_count"]
            assert (record["tier"], record["group"], record["assignee"], record["major"]) == (
                model.tier, model.group, model.assignee, model.major
            )  # fmt: skip
            assert record["priority"] == model.priority


def test_random_verb_sequences_keep_the_invariants(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    team = tmp_path_factory.mktemp("team") / "team.db"
    desk = Desk(Database.open(str(team)), FixedClock(START))
    desk.groups("network", "apps")
    for name, roles in (
        ("ada", ["admin", "service-desk"]), ("rex", ["responder"]), ("ima", ["incident-manager"])
    ):  # fmt: skip
        with desk.tracker("ada") as tracker:
            tracker.users.add(name, roles=roles, group=GROUP_OF[name])
    desk.database.dispose()

    def machine() -> IncidentMachine:
        """Each run gets its own copy of the registered team's database."""
        path = tmp_path_factory.mktemp("machine") / "machine.db"
        shutil.copyfile(team, path)
        return IncidentMachine(path)

    run_state_machine_as_test(
        machine, settings=settings(max_examples=40, stateful_step_count=25, deadline=None)
    )
