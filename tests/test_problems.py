"""Problem records: the library on real databases with a fixed clock, then the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from inctrack.domain import ProblemStatus
from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.problems.verbs import Problems, next_status

from .helpers import START, Cli, Desk, fails, ok

# -- the status table, pure -------------------------------------------------------------

GRID = """
from         open      known-error  resolved  closed
open         =         known_error  resolved  closed
known-error  -         =            resolved  closed
resolved     reopened  -            =         closed
closed       -         -            -         -
"""
"""(status, new status) -> event kind; ``=`` stays (refused as "already"), ``-`` refused."""


def _grid() -> dict[tuple[ProblemStatus, ProblemStatus], str]:
    header, *rows = (line.split() for line in GRID.strip().splitlines())
    targets = [ProblemStatus(name) for name in header[1:]]
    return {
        (ProblemStatus(row[0]), target): cell
        for row in rows
        for target, cell in zip(targets, row[1:], strict=True)
    }


@pytest.mark.parametrize(("current", "target"), list(_grid()), ids=str)
def test_every_status_pair(current: ProblemStatus, target: ProblemStatus) -> None:
    cell = _grid()[(current, target)]
    if cell not in ("=", "-"):
        assert next_status(current, target, problem_id="PRB-7") == cell
        return
    with pytest.raises(Rejected) as refused:
        next_status(current, target, problem_id="PRB-7")
    message = refused.value.message
    if current is ProblemStatus.CLOSED:
        assert message == "Cannot change PRB-7: it is closed, which is final."
    elif cell == "=":
        assert message == f"PRB-7 is already {current}."
    else:
        allowed = [t.value for (c, t), k in _grid().items() if c is current and k not in "=-"]
        assert message.startswith(f"Cannot make PRB-7 {target}: it is {current}")
        assert all(name in message.split("can become", 1)[1] for name in allowed)


# -- the library ----------------------------------------------------------------------


@contextmanager
def problems(desk: Desk, actor: str = "alice", *, write: bool = True) -> Iterator[Problems]:
    with desk.tracker(actor, write=write) as tracker:
        yield Problems(tracker)


def shown(desk: Desk, ref: str) -> dict[str, Any]:
    with problems(desk, write=False) as p:
        return p.record(p.get_or_raise(ref), with_events=True)


def incident(desk: Desk, ref: str) -> dict[str, Any]:
    with desk.tracker(write=False) as tracker:
        return tracker.record(tracker.get_or_raise(ref), with_events=True)


def events(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e["kind"], e["field"], e["old"], e["new"], e["message"]) for e in record["events"]]


def log(desk: Desk, count: int) -> None:
    for n in range(count):
        desk("log", f"Outlook drops {n + 1}", at=START - timedelta(hours=count - n))


def test_create_links_the_incidents_with_an_event_on_each_side(desk: Desk) -> None:
    log(desk, 3)
    with problems(desk) as p:
        created = p.create(" Outlook drops ", description="Since Tuesday",
                           incidents=["INC-1", "inc-3", "1"])  # fmt: skip
        assert created.id == 1
    record = shown(desk, "prb-1")
    assert {k: v for k, v in record.items() if k not in ("incidents", "events")} == {
        "id": "PRB-1", "title": "Outlook drops", "description": "Since Tuesday",
        "status": "open", "root_cause": None, "workaround": None,
        "created_at": "2026-11-20T09:00:00+00:00", "created_by": "alice",
        "updated_at": "2026-11-20T09:00:00+00:00", "resolved_at": None, "closed_at": None,
        "incident_count": 2, "open_incident_count": 2,
    }  # fmt: skip
    assert record["incidents"] == [
        {"id": "INC-1", "title": "Outlook drops 1", "status": "new", "priority": None,
         "reported_at": "2026-11-20T06:00:00+00:00"},
        {"id": "INC-3", "title": "Outlook drops 3", "status": "new", "priority": None,
         "reported_at": "2026-11-20T08:00:00+00:00"},
    ]  # fmt: skip
    assert events(record) == [
        ("created", None, None, None, "Outlook drops"),
        ("linked", "incident", None, "INC-1", None),
        ("linked", "incident", None, "INC-3", None),
    ]
    first = incident(desk, "INC-1")
    assert first["problem"] == "PRB-1"
    assert events(first)[-1] == ("linked", "problem", None, "PRB-1", None)
    assert incident(desk, "INC-2")["problem"] is None


def test_a_refused_create_writes_nothing(desk: Desk) -> None:
    log(desk, 2)
    with pytest.raises(NotFound, match="no incident INC-9"), problems(desk) as p:
        p.create("Outlook drops", incidents=["INC-1", "INC-9"])
    with pytest.raises(Rejected, match="title is empty"), problems(desk) as p:
        p.create("  ")
    with problems(desk, write=False) as p:
        assert p.find(include_closed=True) == []
    assert incident(desk, "INC-1")["problem"] is None
    with problems(desk) as p:
        assert p.create("Outlook drops").id == 1  # the number was not used up


def test_an_incident_belongs_to_one_problem_at_a_time(desk: Desk) -> None:
    log(desk, 2)
    with problems(desk) as p:
        p.create("Outlook drops", incidents=["INC-1"])
    with pytest.raises(Rejected) as refused, problems(desk) as p:
        p.create("Mail server", incidents=["INC-2", "INC-1"])
    assert refused.value.message == (
        "INC-1 is already linked to PRB-1; to move it, unlink it first with "
        "`inctrack link INC-1 --problem none`."
    )
    assert incident(desk, "INC-2")["problem"] is None  # the whole command rolled back
    with problems(desk) as p:
        p.link_from_incident("INC-1", problem="none")
    with problems(desk) as p:
        p.link_from_incident("INC-1", problem="PRB-1")  # and back again
    with problems(desk) as p:
        p.link("PRB-1", ["INC-1"])  # already there: nothing happens
    assert events(incident(desk, "INC-1"))[1:] == [
        ("linked", "problem", None, "PRB-1", None),
        ("linked", "problem", "PRB-1", None, None),
        ("linked", "problem", None, "PRB-1", None),
    ]
    assert events(shown(desk, "PRB-1"))[1:] == [
        ("linked", "incident", None, "INC-1", None),
        ("unlinked", "incident", "INC-1", None, None),
        ("linked", "incident", None, "INC-1", None),
    ]


def test_closed_incidents_can_be_linked_cancelled_ones_cannot(desk: Desk) -> None:
    log(desk, 2)
    desk("respond", "INC-1", "looking")
    desk("resolve", "INC-1", code="fixed", note="restarted")
    desk("close", "INC-1", confirmed_by="Bob")
    desk("cancel", "INC-2", reason="logged twice")
    with problems(desk) as p:
        p.create("Outlook drops", incidents=["INC-1"])
    assert incident(desk, "INC-1")["status"] == "closed"
    assert events(incident(desk, "INC-1"))[-1] == ("linked", "problem", None, "PRB-1", None)
    with pytest.raises(Rejected) as refused, problems(desk) as p:
        p.link("PRB-1", ["INC-2"])
    final = "Cannot link a problem to INC-2: it is cancelled, which is final."
    assert refused.value.message == final


def test_update_writes_one_event_per_changed_field(desk: Desk) -> None:
    with problems(desk) as p:
        p.create("Outlook drops", description="Since Tuesday")
    desk.clock.advance(timedelta(minutes=5))
    with problems(desk, "bob") as p:
        p.update(
            "PRB-1", title="Outlook drops after KB5031", description="Since Tuesday",
            root_cause="KB5031 breaks MAPI", workaround="Safe mode", note="From the vendor",
        )  # fmt: skip
    desk.clock.advance(timedelta(minutes=5))
    with problems(desk) as p:
        p.update("PRB-1", description="", workaround="Safe mode")  # clears one, keeps one
    record = shown(desk, "PRB-1")
    assert (record["description"], record["root_cause"], record["workaround"]) == (
        None, "KB5031 breaks MAPI", "Safe mode"
    )  # fmt: skip
    assert [(e["actor"], e["at"][11:16], *x) for e, x in zip(record["events"], events(record),
                                                               strict=True)][1:] == [
        ("bob", "09:05", "updated", "title", "Outlook drops", "Outlook drops after KB5031",
         "From the vendor"),
        ("bob", "09:05", "updated", "root_cause", None, "KB5031 breaks MAPI", None),
        ("bob", "09:05", "updated", "workaround", None, "Safe mode", None),
        ("alice", "09:10", "updated", "description", "Since Tuesday", None, None),
    ]  # fmt: skip
    assert record["updated_at"] == "2026-11-20T09:10:00+00:00"
    with pytest.raises(Rejected, match="Say what changes"), problems(desk) as p:
        p.update("PRB-1", note="nothing")


def test_status_moves_need_what_the_status_means(desk: Desk) -> None:
    with problems(desk) as p:
        p.create("Outlook drops")
    with pytest.raises(Rejected) as refused, problems(desk) as p:
        p.update("PRB-1", root_cause="KB5031", status="known-error")
    assert refused.value.message == (
        "PRB-1 needs a workaround to be known-error; give --workaround."
    )
    with pytest.raises(Rejected, match="needs a root cause and a workaround"), problems(desk) as p:
        p.update("PRB-1", status="known-error")
    with pytest.raises(Rejected, match="needs a root cause to be resolved"), problems(desk) as p:
        p.update("PRB-1", status="resolved")
    assert shown(desk, "PRB-1")["root_cause"] is None  # nothing of the refused command stayed
    steps = [
        ({"root_cause": "KB5031", "workaround": "Safe mode", "status": "known-error"},
         "known_error"),
        ({"status": "resolved"}, "resolved"),
        ({"status": "open", "note": "It came back"}, "reopened"),
        ({"status": "closed", "note": "Replaced Outlook"}, "closed"),
    ]  # fmt: skip
    for n, (changes, kind) in enumerate(steps, start=1):
        desk.clock.advance(timedelta(hours=1))
        with problems(desk) as p:
            p.update("PRB-1", **changes)
        record = shown(desk, "PRB-1")
        assert record["status"] == changes["status"]
        assert events(record)[-1][:2] == (kind, "status")
        if n == 2:
            assert record["resolved_at"] == "2026-11-20T11:00:00+00:00"
        if n == 3:
            assert record["resolved_at"] is None
    assert record["closed_at"] == "2026-11-20T13:00:00+00:00"
    assert events(record)[-1] == ("closed", "status", "open", "closed", "Replaced Outlook")
    with pytest.raises(Rejected, match="closed, which is final"), problems(desk) as p:
        p.update("PRB-1", title="again")
    with pytest.raises(Rejected, match="not a problem status"), problems(desk) as p:
        p.update("PRB-1", status="done")


def test_a_change_back_in_time_is_refused(desk: Desk) -> None:
    log(desk, 1)  # INC-1, reported at 08:00
    with problems(desk) as p:
        p.create("Outlook drops", at=START - timedelta(hours=2))
    with pytest.raises(Rejected, match="a timeline only moves forward"), problems(desk) as p:
        p.update("PRB-1", title="x", at=START - timedelta(hours=3))
    with pytest.raises(Rejected, match="before the last change to INC-1"), problems(desk) as p:
        p.link("PRB-1", ["INC-1"], at=START - timedelta(minutes=90))
    with problems(desk) as p:
        p.link("PRB-1", ["INC-1"], at=START - timedelta(minutes=10))
    assert shown(desk, "PRB-1")["events"][-1]["at"] == "2026-11-20T08:50:00+00:00"
    assert incident(desk, "INC-1")["events"][-1]["at"] == "2026-11-20T08:50:00+00:00"


def _incidents_in_every_status(desk: Desk) -> None:
    log(desk, 5)  # INC-1..5
    for ref in ("INC-2", "INC-3", "INC-4", "INC-5"):
        desk("respond", ref, "looking")
    desk("hold", "INC-3", "awaiting-vendor")
    for ref in ("INC-4", "INC-5"):
        desk("resolve", ref, code="fixed", note="restarted it")
    desk("close", "INC-5", confirmed_by="Bob")
    with problems(desk) as p:
        p.create("Outlook drops", incidents=[f"INC-{n}" for n in range(1, 6)])
        p.update("PRB-1", root_cause="KB5031 breaks MAPI")


def test_resolve_resolves_the_open_incidents_through_their_lifecycle(desk: Desk) -> None:
    _incidents_in_every_status(desk)
    desk.clock.advance(timedelta(minutes=30))
    with problems(desk, "bob") as p:
        outcome = p.resolve("PRB-1", note="Rolled back KB5031", resolve_incidents=True,
                            code="workaround")  # fmt: skip
        assert [i.id for i in outcome.resolved] == [2, 3]
        assert [i.id for i in outcome.skipped] == [1]
    record = shown(desk, "PRB-1")
    assert (record["status"], record["resolved_at"]) == ("resolved", "2026-11-20T09:30:00+00:00")
    assert events(record)[-1] == ("resolved", "status", "open", "resolved", "Rolled back KB5031")
    assert [i["status"] for i in record["incidents"]] == [
        "new", "resolved", "resolved", "resolved", "closed"
    ]  # fmt: skip
    for ref, old in (("INC-2", "in_progress"), ("INC-3", "on_hold")):
        done = incident(desk, ref)
        assert (done["resolution_code"], done["resolution_note"]) == (
            "workaround", "Rolled back KB5031 (PRB-1)"
        )  # fmt: skip
        assert events(done)[-1] == ("resolved", "status", old, "resolved",
                                    "workaround: Rolled back KB5031 (PRB-1)")  # fmt: skip
        assert done["events"][-1]["actor"] == "bob"
    assert incident(desk, "INC-4")["resolution_note"] == "restarted it"  # left as it was


def test_resolve_without_incidents_and_its_refusals(desk: Desk) -> None:
    _incidents_in_every_status(desk)
    with pytest.raises(Rejected, match="use fixed or workaround"), problems(desk) as p:
        p.resolve("PRB-1", resolve_incidents=True, code="no-fault")
    with problems(desk) as p:
        p.update("PRB-1", root_cause="")
    with pytest.raises(Rejected, match="needs a root cause"), problems(desk) as p:
        p.resolve("PRB-1", resolve_incidents=True)
    assert incident(desk, "INC-2")["status"] == "in_progress"  # nothing was resolved
    with problems(desk) as p:
        p.resolve("PRB-1", root_cause="KB5031")
    assert incident(desk, "INC-2")["status"] == "in_progress"
    with pytest.raises(Rejected, match="PRB-1 is already resolved"), problems(desk) as p:
        p.resolve("PRB-1")
    with problems(desk) as p:  # a resolved problem can still resolve its incidents
        p.resolve("PRB-1", resolve_incidents=True)
    assert incident(desk, "INC-2")["resolution_note"] == "Resolved with PRB-1: Outlook drops"
    assert events(shown(desk, "PRB-1"))[-1][0] == "resolved"  # no second event


def test_show_names_the_problem_and_its_workaround(desk: Desk) -> None:
    log(desk, 2)
    with problems(desk) as p:
        p.create("Outlook drops", incidents=["INC-1"])
        p.update("PRB-1", root_cause="KB5031", workaround="Start Outlook in safe mode")
    assert incident(desk, "INC-1")["problem_detail"] == {
        "id": "PRB-1", "title": "Outlook drops", "status": "open", "root_cause": "KB5031",
        "workaround": "Start Outlook in safe mode",
    }  # fmt: skip
    assert incident(desk, "INC-2")["problem_detail"] is None
    with desk.tracker(write=False) as tracker:
        assert "problem_detail" not in tracker.record(tracker.get_or_raise("INC-1"))


def test_list_and_unknown_problems(desk: Desk) -> None:
    with problems(desk) as p:
        for title in ("one", "two", "three"):
            p.create(title)
        p.update("PRB-2", status="closed")
        assert [x.id for x in p.find()] == [1, 3]
        assert [x.id for x in p.find(include_closed=True)] == [1, 2, 3]
        assert [x.id for x in p.find(statuses=["closed"])] == [2]
        with pytest.raises(NotFound, match="no problem PRB-9"):
            p.get_or_raise("PRB-9")
        with pytest.raises(Rejected, match="not a problem ID"):
            p.get_or_raise("INC-1")


def test_permissions_once_users_are_registered(desk: Desk) -> None:
    with desk.tracker("ada") as tracker:
        tracker.users.add("ada", roles=["admin"])
        tracker.users.add("rita", roles=["responder"], tier=2)
        tracker.users.add("mo", roles=["incident-manager"])
    with pytest.raises(PermissionDenied) as refused, problems(desk, "ada") as p:
        p.create("Outlook drops")
    assert refused.value.message == (
        "Recording problems needs the service-desk, responder or incident-manager role; "
        "ada has admin."
    )
    with problems(desk, "rita") as p:
        p.create("Outlook drops")
        p.update("PRB-1", root_cause="KB5031", status="resolved")
    with pytest.raises(PermissionDenied) as refused, problems(desk, "rita") as p:
        p.update("PRB-1", status="closed")
    assert refused.value.message == (
        "Closing a problem needs the incident-manager role; rita has responder."
    )
    with problems(desk, "mo") as p:
        p.update("PRB-1", status="closed")


# -- the command line -----------------------------------------------------------------


def cli_log(cli: Cli, *whens: str) -> None:
    if not cli.json("service", "list"):
        cli.services("mail")
    for when in whens:
        ok(cli("log", "Outlook drops", "--service", "mail", "--category", "email/outlook",
               "--at", when, "-q"))  # fmt: skip


def test_cli_a_problem_from_create_to_close(cli: Cli) -> None:
    cli_log(cli, "2025-11-03 09:00", "2025-11-04 09:00", "2025-11-05 09:00")
    assert ok(cli("problem", "create", "Outlook drops", "--incidents", "INC-1, inc-2",
                  "-q")) == "PRB-1\n"  # fmt: skip
    updated = cli("problem", "update", "PRB-1", "--root-cause", "KB5031 breaks MAPI",
                  "--workaround", "Start Outlook in safe mode", "-f", "json")  # fmt: skip
    assert updated.exit_code == 0
    assert json.loads(updated.stdout)["workaround"] == "Start Outlook in safe mode"
    assert updated.stderr.startswith("PRB-1 now has a root cause and a workaround; mark it a "
                                     "known error with")  # fmt: skip
    assert cli.json("problem", "update", "1", "--status", "known-error")["status"] == "known-error"
    assert ok(cli("problem", "link", "PRB-1", "INC-3", "-q")) == "PRB-1\n"

    shown = cli.json("show", "INC-3")
    assert shown["problem"] == "PRB-1"
    assert shown["problem_detail"]["workaround"] == "Start Outlook in safe mode"
    table = ok(cli("show", "INC-3"))
    assert "PRB-1 (known-error): Outlook drops" in table
    assert "Start Outlook in safe mode" in table

    detail = ok(cli("problem", "show", "prb-1"))
    for phrase in ("PRB-1", "known-error", "KB5031 breaks MAPI", "INC-1", "INC-3", "Timeline",
                   "known_error"):  # fmt: skip
        assert phrase in detail
    record = cli.json("problem", "show", "PRB-1")
    assert [e["kind"] for e in record["events"]] == [
        "created", "linked", "linked", "updated", "updated", "known_error", "linked"
    ]  # fmt: skip
    listed = ok(cli("problem", "list", "-f", "csv")).splitlines()
    assert listed[0] == (
        "id,title,description,status,root_cause,workaround,created_at,created_by,updated_at,"
        "resolved_at,closed_at,incident_count,open_incident_count"
    )
    assert listed[1].startswith("PRB-1,Outlook drops,,known-error,KB5031 breaks MAPI,")
    assert listed[1].endswith(",3,3")

    ok(cli("respond", "INC-2", "looking", "-q"))
    resolved = cli("problem", "resolve", "PRB-1", "--resolve-incidents", "--note",
                   "Rolled back KB5031", "-q")  # fmt: skip
    assert (resolved.exit_code, resolved.stdout) == (0, "PRB-1\n")
    assert resolved.stderr.startswith(
        "INC-1 and INC-3 are new, so not resolved: respond first, then `inctrack resolve` each."
    )
    assert cli.json("show", "INC-2")["resolution_note"] == "Rolled back KB5031 (PRB-1)"
    fails(cli("problem", "update", "PRB-1", "--status", "closed", "--at", "2025-01-01"), 4,
          "a timeline only moves forward")  # fmt: skip
    ok(cli("problem", "update", "PRB-1", "--status", "closed", "-q"))
    assert ok(cli("problem", "list")).strip() == "No problems match."
    assert "PRB-1" in ok(cli("problem", "list", "--all"))


def test_cli_create_from_a_pattern(cli: Cli) -> None:
    cli_log(cli, "2025-11-03 09:00", "2025-11-04 09:00", "2025-11-05 09:00", "2025-11-20 09:00")
    span = ("--since", "2025-10-01", "--until", "2025-12-01")
    created = cli.json("problem", "create", "Outlook drops", "--from-pattern", "1", *span)
    assert [i["id"] for i in created["incidents"]] == ["INC-1", "INC-2", "INC-3"]
    again = cli("problem", "create", "Again", "--from-pattern", "1", *span)
    fails(again, 4, "INC-1 is already linked to PRB-1")
    fails(cli("problem", "create", "x", "--from-pattern", "2", *span), 3, "no pattern #2")
    fails(cli("problem", "create", "x", "--from-pattern", "1", "--incidents", "INC-4"), 2)
    fails(cli("problem", "create", "x", "--window", "3d"), 2, "go with --from-pattern")
    fails(cli("problem", "create", "x", "--from-pattern", "1", "--by", "colour"), 4,
          "not a pattern key")  # fmt: skip
    assert cli.json("problem", "list", "--all") == [created]  # nothing else was written


def test_cli_refusals_and_unknown_problems(cli: Cli) -> None:
    cli_log(cli, "2025-11-03 09:00")
    for args in (("problem", "show", "PRB-4"), ("problem", "update", "4", "--title", "x"),
                 ("problem", "link", "PRB-4", "INC-1"), ("problem", "resolve", "PRB-4"),
                 ("link", "INC-1", "--problem", "PRB-4")):  # fmt: skip
        fails(cli(*args), 3, "There is no problem PRB-4")
    ok(cli("problem", "create", "Outlook drops", "-q"))
    fails(cli("problem", "link", "PRB-1", "INC-7"), 3, "There is no incident INC-7")
    fails(cli("problem", "show", "INC-1"), 4, "'INC-1' is not a problem ID")
    fails(cli("problem", "update", "PRB-1", "--status", "resolved"), 4,
          "PRB-1 needs a root cause to be resolved; give --root-cause.")  # fmt: skip
    ok(cli("problem", "update", "PRB-1", "--status", "open", "-q"))  # no change, no event
    fails(cli("problem", "update", "PRB-1", "--status", "done"), 2)
    fails(cli("problem", "resolve", "PRB-1", "--code", "fixed"), 2, "--resolve-incidents")
    fails(cli("link", "INC-1"), 2, "--duplicate-of INC-n and/or --problem PRB-n")
    assert [e["kind"] for e in cli.json("problem", "show", "PRB-1")["events"]] == ["created"]


def test_cli_link_and_unlink_an_incident(cli: Cli) -> None:
    cli_log(cli, "2025-11-03 09:00")
    ok(cli("problem", "create", "Outlook drops", "-q"))
    assert cli.json("link", "INC-1", "--problem", "prb-1")["problem"] == "PRB-1"
    assert cli.json("link", "INC-1", "--problem", "none")["problem"] is None
    assert [(e["kind"], e["field"], e["old"], e["new"]) for e in
            cli.json("show", "INC-1")["events"]][1:] == [
        ("linked", "problem", None, "PRB-1"), ("linked", "problem", "PRB-1", None)
    ]  # fmt: skip


def test_cli_permissions(cli: Cli) -> None:
    cli_log(cli, "2025-11-03 09:00")
    ok(cli("user", "add", "ada", "--role", "admin", "-q"))
    ok(cli("user", "add", "rita", "--role", "responder", "-q", actor="ada"))
    needs = "Recording problems needs the service-desk, responder or incident-manager role"
    fails(cli("problem", "create", "Outlook drops", actor="ada"), 5, needs)
    ok(cli("problem", "create", "Outlook drops", "-q", actor="rita"))
    fails(cli("problem", "update", "PRB-1", "--status", "closed", actor="rita"), 5,
          "Closing a problem needs the incident-manager role; rita has responder.")  # fmt: skip
    fails(cli("link", "INC-1", "--problem", "PRB-1", actor="ada"), 5,
          "Linking incidents to a problem needs")  # fmt: skip
    assert cli.json("problem", "show", "PRB-1", actor="nobody")["status"] == "open"  # reading


def test_cli_resolve_at_a_stated_time(cli: Cli) -> None:
    cli_log(cli, "2025-11-03 09:00")
    ok(cli("respond", "INC-1", "looking", "--at", "2025-11-03 09:10", "-q"))
    ok(cli("problem", "create", "Outlook drops", "--incidents", "1", "--at", "2025-11-03 10:00",
           "-q"))  # fmt: skip
    ok(cli("problem", "resolve", "1", "--root-cause", "KB5031", "--resolve-incidents", "--code",
           "fixed", "--at", "2025-11-04 12:00", "-q"))  # fmt: skip
    record = cli.json("problem", "show", "1")
    assert (record["created_at"], record["resolved_at"]) == (
        "2025-11-03T10:00:00+00:00", "2025-11-04T12:00:00+00:00"
    )  # fmt: skip
    assert cli.json("show", "1")["resolved_at"] == "2025-11-04T12:00:00+00:00"
