"""Every verb of the incident process through the library, on real databases.

Each ``desk(...)`` call is one transaction, as a script would make it; the
clock stands at 2026-11-20 09:00 UTC until a test moves it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from inctrack.clock import FixedClock
from inctrack.errors import NotFound, PermissionDenied, Rejected

from .helpers import START, Desk

Record = dict[str, Any]


def changes(record: Record, since: int = 0) -> list[tuple[Any, ...]]:
    """The incident's events from index ``since`` as (kind, field, old, new, message)."""
    return [
        (e["kind"], e["field"], e["old"], e["new"], e["message"]) for e in record["events"][since:]
    ]


def show(desk: Desk, ref: str = "INC-1") -> Record:
    with desk.tracker(write=False) as tracker:
        return tracker.record(tracker.get_or_raise(ref), with_events=True)


def refused(
    desk: Desk, error: type[Exception], match: str, verb: str, *args: Any, **kw: Any
) -> Any:
    """Run a verb that must be refused; check it wrote nothing; return the error."""
    before = show(desk, str(args[0])) if args else None
    with pytest.raises(error, match=match) as caught:
        desk(verb, *args, **kw)
    if before is not None:
        assert show(desk, str(args[0])) == before
    return caught.value


@pytest.fixture
def team(desk: Desk) -> Desk:
    """Registered people: ada (admin, service desk), rex (responder, network), ima (manager)."""
    desk.groups("network")
    for name, roles, group in (
        ("ada", ["admin", "service-desk"], None),
        ("rex", ["responder"], "network"),
        ("ima", ["incident-manager"], None),
    ):
        with desk.tracker("ada") as tracker:
            tracker.users.add(name, roles=roles, group=group)
    return desk


# -- categorize --------------------------------------------------------------------------------


def test_categorize_files_the_incident_and_records_each_change(desk: Desk) -> None:
    desk("log", "VPN drops")
    record = desk("categorize", "INC-1", "Network/VPN")
    assert (record["category"], record["subcategory"]) == ("network", "vpn")
    record = desk("categorize", "INC-1", "network")
    assert (record["category"], record["subcategory"]) == ("network", None)
    record = desk("categorize", "INC-1", "network")  # no change, no event
    assert changes(record, 1) == [
        ("categorized", "category", None, "network/vpn", None),
        ("categorized", "category", "network/vpn", "network", None),
    ]


def test_an_unknown_category_is_not_found_with_a_suggestion(desk: Desk) -> None:
    desk("log", "VPN drops")
    error = refused(desk, NotFound, "no category network/vnp", "categorize", "INC-1", "network/vnp")
    assert "did you mean network/vpn" in error.message
    assert error.exit_code == 3


def test_a_retired_category_is_refused(desk: Desk) -> None:
    desk("log", "Printer jams")
    with desk.tracker() as tracker:
        tracker.categories.retire("hardware/printer")
    refused(
        desk, Rejected, "hardware/printer is retired", "categorize", "INC-1", "hardware/printer"
    )
    assert desk("categorize", "INC-1", "hardware/monitor")["subcategory"] == "monitor"


# -- prioritize --------------------------------------------------------------------------------

MATRIX = [  # PRODUCT.md: impact x urgency -> priority
    ("high", "high", "P1"), ("high", "medium", "P2"), ("high", "low", "P3"),
    ("medium", "high", "P2"), ("medium", "medium", "P3"), ("medium", "low", "P4"),
    ("low", "high", "P3"), ("low", "medium", "P4"), ("low", "low", "P4"),
]  # fmt: skip


def test_prioritize_follows_every_cell_of_the_matrix(desk: Desk) -> None:
    for number, (impact, urgency, priority) in enumerate(MATRIX, start=1):
        desk("log", f"{impact} x {urgency}")
        record = desk("prioritize", f"INC-{number}", impact=impact, urgency=urgency)
        assert record["priority"] == priority, (impact, urgency)


def test_prioritize_takes_partial_updates_and_numbers(desk: Desk) -> None:
    desk("log", "Email slow")
    record = desk("prioritize", "INC-1", impact="high")
    assert (record["impact"], record["urgency"], record["priority"]) == ("high", None, None)
    record = desk("prioritize", "INC-1", urgency="3")
    assert (record["urgency"], record["priority"]) == ("low", "P3")
    record = desk("prioritize", "INC-1", urgency="high")
    assert record["priority"] == "P1"
    record = desk("prioritize", "INC-1", impact="2")
    assert record["priority"] == "P2"
    assert changes(record, 1) == [
        ("prioritized", "impact", None, "high", None),
        ("prioritized", "urgency", None, "low", None),
        ("prioritized", "priority", None, "P3", None),
        ("prioritized", "urgency", "low", "high", None),
        ("prioritized", "priority", "P3", "P1", None),
        ("prioritized", "impact", "high", "medium", None),
        ("prioritized", "priority", "P1", "P2", None),
    ]


def test_a_priority_override_needs_a_reason_and_is_recorded(desk: Desk) -> None:
    desk("log", "CEO laptop", impact="low", urgency="low")
    refused(desk, Rejected, "needs a --reason", "prioritize", "INC-1", priority="P1")
    refused(desk, Rejected, "needs a --reason", "prioritize", "INC-1", priority="P1", reason=" ")
    record = desk("prioritize", "INC-1", priority="p1", reason="board meeting in 1h")
    assert record["priority"] == "P1"
    assert changes(record, 1) == [
        ("priority_overridden", "priority", "P4", "P1", "board meeting in 1h")
    ]


# -- assign and take ---------------------------------------------------------------------------


def test_reassignment_counts_only_when_someone_already_had_it(desk: Desk) -> None:
    desk("log", "Disk full")
    record = desk("assign", "INC-1", to="bob")
    assert (record["assignee"], record["reassignment_count"]) == ("bob", 0)
    record = desk("assign", "INC-1", to="carol")
    assert (record["assignee"], record["reassignment_count"]) == ("carol", 1)
    record = desk("assign", "INC-1", to="carol")  # already hers: nothing happens
    assert record["reassignment_count"] == 1
    record = desk("take", "INC-1", actor="dave")
    assert (record["assignee"], record["reassignment_count"]) == ("dave", 2)
    assert record["owner"] == "alice"  # the desk keeps ownership
    assert changes(record, 1) == [
        ("assigned", "assignee", None, "bob", None),
        ("assigned", "assignee", "bob", "carol", None),
        ("assigned", "assignee", "carol", "dave", None),
    ]
    desk("log", "Printer")
    desk.groups("desk")
    assert desk("assign", "INC-2", group="desk")["reassignment_count"] == 0


def test_assigning_a_user_fills_their_group_and_unknown_users_are_not_found(team: Desk) -> None:
    team("log", "VPN drops", actor="ada")
    record = team("assign", "INC-1", to="rex", actor="ada")
    assert (record["assignee"], record["group"]) == ("rex", "network")
    refused(team, NotFound, "no active user zed", "assign", "INC-1", to="zed", actor="ada")


# -- respond and note --------------------------------------------------------------------------


def test_respond_stops_the_response_clock_at_the_given_time(desk: Desk) -> None:
    desk("log", "Email down", at=START - timedelta(minutes=30))
    record = desk("respond", "INC-1", "Checking the mail relay", at=START - timedelta(minutes=20))
    assert record["status"] == "in_progress"
    assert record["responded_at"] == "2026-11-20T08:40:00+00:00"
    assert changes(record, 1) == [
        ("responded", "status", "new", "in_progress", "Checking the mail relay")
    ]
    refused(desk, Rejected, "it is in_progress", "respond", "INC-1", "again")


def test_notes_private_and_public_keep_the_status(desk: Desk) -> None:
    desk("log", "Email down")
    desk("note", "INC-1", "relay queue at 5000")
    record = desk("note", "INC-1", "We are on it", public=True)
    assert record["status"] == "new"
    assert changes(record, 1) == [
        ("note", None, None, None, "relay queue at 5000"),
        ("public_note", None, None, None, "We are on it"),
    ]
    refused(desk, Rejected, "note is empty", "note", "INC-1", "   ")


# -- escalate and major incidents --------------------------------------------------------------


def test_escalation_needs_a_reason(desk: Desk) -> None:
    desk("log", "VPN drops")
    refused(
        desk, Rejected, "reason for escalating is empty", "escalate", "INC-1", reason=" ", tier=2
    )


def test_escalation_goes_up_one_or_two_tiers_to_at_most_3(desk: Desk) -> None:
    desk("log", "VPN drops")
    record = desk("escalate", "INC-1", tier=2, reason="reset the tunnel, no luck")
    assert record["tier"] == 2
    assert changes(record, 1) == [("escalated", "tier", "1", "2", "reset the tunnel, no luck")]
    refused(desk, Rejected, "escalation goes up", "escalate", "INC-1", tier=2, reason="again")
    refused(desk, Rejected, "goes up, to tier 3", "escalate", "INC-1", tier=4, reason="higher")
    assert desk("escalate", "INC-1", tier=3, reason="vendor bug")["tier"] == 3
    refused(desk, Rejected, "already at tier 3", "escalate", "INC-1", tier=3, reason="more")


def test_escalating_to_another_group_clears_the_assignee_and_counts(desk: Desk) -> None:
    desk.groups("desk", "network")
    desk("log", "VPN drops")
    desk("assign", "INC-1", to="bob", group="desk")
    record = desk("escalate", "INC-1", group="network", reason="not a client problem")
    assert (record["group"], record["assignee"]) == ("network", None)
    assert record["reassignment_count"] == 1
    assert changes(record, 3) == [
        ("escalated", "group", "desk", "network", "not a client problem"),
        ("escalated", "assignee", "bob", None, None),
    ]
    refused(
        desk, Rejected, "already with network", "escalate", "INC-1", group="network", reason="x"
    )


def test_declaring_a_major_incident_takes_the_desk_or_a_manager(team: Desk) -> None:
    team("log", "Everything is down", actor="ada")
    needs = "needs the service-desk or incident-manager role; rex has responder"
    error = refused(team, PermissionDenied, needs, "escalate", "INC-1", major=True,
                    reason="whole site", actor="rex")  # fmt: skip
    assert error.exit_code == 5
    record = team("escalate", "INC-1", major=True, reason="whole site", actor="ima")
    assert record["major"] is True
    assert changes(record, 1) == [
        ("major_declared", "major", "false", "true", "whole site"),
        ("priority_overridden", "priority", None, "P1", "a major incident is P1"),
    ]
    refused(team, Rejected, "already a major incident", "escalate", "INC-1", major=True,
            reason="again", actor="ima")  # fmt: skip


def test_a_refused_verb_writes_nothing_even_after_a_first_change(desk: Desk) -> None:
    desk("log", "Everything is down")
    desk("escalate", "INC-1", major=True, reason="whole site")
    # the tier would change first, then the second declaration is refused: all or nothing
    refused(desk, Rejected, "already a major", "escalate", "INC-1", tier=2, major=True, reason="x")
    assert show(desk)["tier"] == 1


def test_major_incident_roles(team: Desk) -> None:
    team("log", "Everything is down", actor="ada")
    refused(team, Rejected, "not a major incident", "set_role", "INC-1", "commander", "ima",
            actor="ima")  # fmt: skip
    team("escalate", "INC-1", major=True, reason="whole site", actor="ima")
    record = team("set_role", "INC-1", "Commander", "ima", actor="ima")
    assert record["roles"] == {"commander": "ima", "manager": None, "comms": None}
    assert changes(record, 3) == [("role_assigned", "roles.commander", None, "ima", None)]
    refused(team, NotFound, "no active user zed", "set_role", "INC-1", "comms", "zed", actor="ima")
    refused(team, PermissionDenied, "needs the incident-manager role", "set_role", "INC-1",
            "comms", "rex", actor="ada")  # fmt: skip


# -- hold, resume, resolve ---------------------------------------------------------------------


def test_hold_sets_and_resume_clears_the_reason(desk: Desk) -> None:
    desk("log", "Laptop broken")
    desk("respond", "INC-1", "ordered a part")
    refused(desk, Rejected, "not a hold reason", "hold", "INC-1", "lunch")
    record = desk("hold", "INC-1", "awaiting-parts", note="ETA Monday")
    assert (record["status"], record["hold_reason"]) == ("on_hold", "awaiting-parts")
    record = desk("resume", "INC-1")
    assert (record["status"], record["hold_reason"]) == ("in_progress", None)
    assert changes(record, 2) == [
        ("held", "status", "in_progress", "on_hold", "awaiting-parts: ETA Monday"),
        ("resumed", "status", "on_hold", "in_progress", "after awaiting-parts"),
    ]


def test_resolve_needs_a_code_and_a_note(desk: Desk) -> None:
    desk("log", "Laptop broken")
    desk("respond", "INC-1", "on it")
    desk("hold", "INC-1", "awaiting-parts")
    refused(desk, Rejected, "not a resolution code", "resolve", "INC-1", code="magic", note="x")
    refused(desk, Rejected, "resolution note is empty", "resolve", "INC-1", code="fixed", note="")
    record = desk("resolve", "INC-1", code="fixed", note="new keyboard", at=START)
    assert record["status"] == "resolved"
    assert (record["resolution_code"], record["resolution_note"]) == ("fixed", "new keyboard")
    assert record["resolved_at"] == "2026-11-20T09:00:00+00:00"
    assert record["hold_reason"] is None
    assert changes(record, 3) == [
        ("resolved", "status", "on_hold", "resolved", "fixed: new keyboard")
    ]


# -- close -------------------------------------------------------------------------------------


def _resolved(desk: Desk, title: str = "Laptop broken", actor: str = "alice") -> str:
    number = desk("log", title, actor=actor)["id"]
    desk("respond", number, "on it", actor=actor)
    desk("resolve", number, code="fixed", note="replaced", actor=actor)
    return str(number)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Say who confirmed"),
        ({"confirmed_by": "Bob", "unconfirmed": True, "reason": "x"}, "Say who confirmed"),
        ({"unconfirmed": True}, "needs a --reason"),
    ],
)
def test_close_needs_a_confirmation_or_a_reason(
    desk: Desk, kwargs: dict[str, Any], message: str
) -> None:
    refused(desk, Rejected, message, "close", _resolved(desk), **kwargs)


def test_close_records_who_closed_and_who_confirmed(desk: Desk) -> None:
    _resolved(desk)
    _resolved(desk, "Printer")
    record = desk("close", "INC-1", confirmed_by="Bob", actor="carol")
    assert (record["status"], record["closed_by"], record["confirmed_by"]) == (
        "closed", "carol", "Bob"
    )  # fmt: skip
    assert record["closed_at"] == "2026-11-20T09:00:00+00:00"
    assert changes(record)[-1] == ("closed", "status", "resolved", "closed", "confirmed by Bob")
    record = desk("close", "INC-2", unconfirmed=True, reason="reporter on leave")
    assert record["confirmed_by"] is None
    assert changes(record)[-1][-1] == "unconfirmed: reporter on leave"


def test_only_the_service_desk_closes_once_users_exist(team: Desk) -> None:
    number = _resolved(team, actor="ada")
    error = refused(team, PermissionDenied, "needs the service-desk role; ima has incident-manager",
                    "close", number, confirmed_by="Bob", actor="ima")  # fmt: skip
    assert error.exit_code == 5
    assert team("close", number, confirmed_by="Bob", actor="ada")["closed_by"] == "ada"


def test_close_stale_closes_resolved_incidents_idle_that_long(
    desk: Desk, clock: FixedClock
) -> None:
    _resolved(desk, "A: idle exactly 7 days")  # INC-1, last change at START
    desk("log", "B: still open")  # INC-2
    _resolved(desk, "C: noted later")  # INC-3
    clock.advance(timedelta(days=1))
    _resolved(desk, "D: resolved a day later")  # INC-4
    clock.advance(timedelta(days=1))
    desk("note", "INC-3", "reporter says thanks")  # a change two days after START
    clock.advance(timedelta(days=5))  # START + 7 days

    with desk.tracker("carol") as tracker:
        closed = [i.id for i in tracker.close_stale(timedelta(days=7))]
    assert closed == [1]
    record = show(desk, "INC-1")
    assert (record["status"], record["closed_by"], record["confirmed_by"]) == (
        "closed", "carol", None
    )  # fmt: skip
    kind, field, old, new, message = changes(record)[-1]
    assert (kind, field, old, new) == ("closed", "status", "resolved", "closed")
    assert message.startswith("unconfirmed: stale")
    assert "7d" in message

    clock.advance(timedelta(days=1))
    with desk.tracker("carol") as tracker:
        assert [i.id for i in tracker.close_stale(timedelta(days=7))] == [4]
    assert show(desk, "INC-2")["status"] == "new"
    assert show(desk, "INC-3")["status"] == "resolved"


# -- reopen, cancel, link ----------------------------------------------------------------------


def test_reopen_counts_and_clears_the_resolution(desk: Desk) -> None:
    number = _resolved(desk)
    refused(desk, Rejected, "reason for reopening is empty", "reopen", number, reason="")
    record = desk("reopen", number, reason="still broken")
    assert (record["status"], record["reopen_count"]) == ("in_progress", 1)
    assert record["resolution_code"] is record["resolution_note"] is record["resolved_at"] is None
    assert changes(record)[-1] == ("reopened", "status", "resolved", "in_progress", "still broken")
    desk("resolve", number, code="workaround", note="use the web client")
    assert desk("reopen", number, reason="web client too")["reopen_count"] == 2


@pytest.mark.parametrize("path", [[], ["respond"], ["respond", "hold"]])
def test_cancel_from_every_open_status_is_final(desk: Desk, path: list[str]) -> None:
    desk("log", "Logged twice")
    if "respond" in path:
        desk("respond", "INC-1", "looking")
    if "hold" in path:
        desk("hold", "INC-1", "awaiting-reporter")
    refused(desk, Rejected, "reason for cancelling is empty", "cancel", "INC-1", reason=" ")
    record = desk("cancel", "INC-1", reason="duplicate of a phone call")
    assert record["status"] == "cancelled"
    assert changes(record)[-1][0] == "cancelled"
    assert changes(record)[-1][-1] == "duplicate of a phone call"
    refused(desk, Rejected, "cancelled, which is final", "note", "INC-1", "hello?")


def test_cancelling_an_incident_on_hold_clears_the_hold_reason(desk: Desk) -> None:
    desk("log", "Logged twice")
    desk("respond", "INC-1", "looking")
    desk("hold", "INC-1", "awaiting-vendor")
    record = desk("cancel", "INC-1", reason="logged in error")
    assert record["hold_reason"] is None  # a cancelled incident waits for nothing


def test_link_duplicates_refuses_self_and_circles(desk: Desk) -> None:
    for title in ("original", "second call", "third call"):
        desk("log", title)
    record = desk("link", "INC-2", duplicate_of="1")
    assert record["duplicate_of"] == "INC-1"
    assert changes(record, 1) == [("linked", "duplicate_of", None, "INC-1", None)]
    desk("link", "INC-3", duplicate_of="INC-2")
    refused(desk, Rejected, "round in a circle", "link", "INC-1", duplicate_of="INC-1")
    refused(desk, Rejected, "round in a circle", "link", "INC-1", duplicate_of="INC-3")
    refused(desk, NotFound, "no incident INC-9", "link", "INC-1", duplicate_of="INC-9")


# -- time order and transactions ---------------------------------------------------------------


def test_a_change_before_the_last_one_is_refused(desk: Desk) -> None:
    desk("log", "Email down", at=START - timedelta(hours=2))
    desk("respond", "INC-1", "looking", at=START - timedelta(hours=1))
    refused(desk, Rejected, "before the last change to INC-1", "note", "INC-1", "earlier",
            at=START - timedelta(hours=1, minutes=1))  # fmt: skip
    refused(desk, Rejected, "before the last change", "hold", "INC-1", "awaiting-vendor",
            at=START - timedelta(hours=2))  # fmt: skip
    record = desk("note", "INC-1", "same minute", at=START - timedelta(hours=1))
    assert [e["at"] for e in record["events"]] == [
        "2026-11-20T07:00:00+00:00", "2026-11-20T08:00:00+00:00", "2026-11-20T08:00:00+00:00"
    ]  # fmt: skip


def test_a_refused_move_writes_no_event(desk: Desk) -> None:
    _resolved(desk)
    for verb, args, kwargs in [
        ("respond", ("INC-1", "again"), {}),
        ("hold", ("INC-1", "awaiting-vendor"), {}),
        ("cancel", ("INC-1",), {"reason": "too late"}),
        ("assign", ("INC-1",), {"to": "bob"}),
    ]:
        refused(desk, Rejected, "allowed moves are", verb, *args, **kwargs)
    assert len(show(desk)["events"]) == 3


# -- people and roles --------------------------------------------------------------------------


def test_with_no_users_everyone_may_do_everything(desk: Desk) -> None:
    desk("log", "Everything is down", actor="anyone")
    desk("escalate", "INC-1", major=True, reason="whole site", actor="someone")
    desk("set_role", "INC-1", "comms", "whoever", actor="else")
    with desk.tracker("nobody-in-particular") as tracker:
        tracker.categories.add("facilities/hvac")
    number = _resolved(desk, actor="x")
    assert desk("close", number, confirmed_by="y", actor="z")["closed_by"] == "z"


def test_the_first_user_must_be_an_admin(desk: Desk) -> None:
    with pytest.raises(Rejected, match="first user must have the admin role"), desk.tracker() as t:
        t.users.add("rex", roles=["responder"])
    with desk.tracker(write=False) as tracker:
        assert tracker.users.all() == []
    with desk.tracker() as tracker:
        assert tracker.users.add("ada", roles=["admin"]).name == "ada"


def test_a_team_can_be_registered_in_one_transaction(desk: Desk) -> None:
    with desk.tracker("ada") as tracker:
        tracker.users.add("ada", roles=["admin"])
        tracker.users.add("rex", roles=["responder"])  # ada is registered now: not the first
    with desk.tracker(write=False) as tracker:
        assert [user.name for user in tracker.users.all()] == ["ada", "rex"]


def test_an_unknown_identity_is_refused_with_the_role_it_needs(team: Desk) -> None:
    number = _resolved(team, actor="ada")
    error = refused(team, PermissionDenied, "zed", "close", number, confirmed_by="Bob", actor="zed")
    assert error.exit_code == 5
    assert "service-desk" in error.message  # what to ask the admin for


def test_a_deactivated_user_is_refused(team: Desk) -> None:
    team("log", "VPN drops", actor="rex")
    with team.tracker("ada") as tracker:
        tracker.users.update("rex", active=False)
    refused(team, PermissionDenied, "rex is deactivated", "note", "INC-1", "hi", actor="rex")
    refused(team, NotFound, "no active user rex", "assign", "INC-1", to="rex", actor="ada")


def test_the_last_active_admin_stays(team: Desk) -> None:
    for change in ({"roles": ["service-desk"]}, {"active": False}):
        with (
            pytest.raises(Rejected, match="ada is the last active admin"),
            team.tracker("ada") as t,
        ):
            t.users.update("ada", **change)
    with team.tracker("ada") as tracker:
        tracker.users.update("ima", roles=["incident-manager", "admin"])
        tracker.users.update("ada", roles=["service-desk"])
    with team.tracker(write=False) as tracker:
        assert {u.name: u.roles for u in tracker.users.all()} == {
            "ada": "service-desk", "ima": "incident-manager,admin", "rex": "responder"
        }  # fmt: skip


def test_a_user_without_the_admin_role_cannot_manage_users(team: Desk) -> None:
    denied = pytest.raises(PermissionDenied, match="Managing users needs the admin role")
    with denied, team.tracker("ima") as tracker:
        tracker.users.add("zed", roles=["responder"])


def test_the_owner_is_the_service_desk_analyst_who_logged_it(desk: Desk) -> None:
    assert desk("log", "solo desk", actor="alice")["owner"] == "alice"
    with desk.tracker("ada") as tracker:
        tracker.users.add("ada", roles=["admin", "service-desk"])
    with desk.tracker("ada") as tracker:
        tracker.users.add("rex", roles=["responder"])
    assert desk("log", "by the desk", actor="ada")["owner"] == "ada"
    assert desk("log", "by a responder", actor="rex")["owner"] is None


# -- taxonomy ----------------------------------------------------------------------------------


def paths(desk: Desk, *, include_retired: bool = False) -> set[str]:
    with desk.tracker(write=False) as tracker:
        return {node.path for node in tracker.taxonomy.all(include_retired=include_retired)}


def test_adding_a_subcategory_creates_its_category(desk: Desk) -> None:
    with desk.tracker() as tracker:
        added = [node.path for node in tracker.categories.add("Facilities/HVAC")]
    assert added == ["facilities", "facilities/hvac"]
    assert {"facilities", "facilities/hvac"} <= paths(desk)
    desk("log", "Too hot", category="facilities/hvac")
    with pytest.raises(Rejected, match="already exists"), desk.tracker() as tracker:
        tracker.categories.add("facilities/hvac")


def test_retiring_a_category_retires_its_subcategories(desk: Desk) -> None:
    desk("log", "VPN drops", category="network/vpn")
    with desk.tracker() as tracker:
        tracker.categories.retire("network")
    assert not {p for p in paths(desk) if p.split("/")[0] == "network"}
    assert {"network", "network/vpn", "network/dns"} <= paths(desk, include_retired=True)
    refused(desk, Rejected, "network/dns is retired", "categorize", "INC-1", "network/dns")
    assert show(desk)["subcategory"] == "vpn"  # old incidents keep their category


def test_rename_stays_on_its_level_and_relabels_incidents(desk: Desk) -> None:
    desk("log", "VPN drops", category="network/vpn")
    desk("log", "DNS slow", category="network/dns")
    for old, new in (("network/vpn", "security/vpn"), ("network", "network/lan")):
        with pytest.raises(Rejected, match="stays on its level"), desk.tracker() as tracker:
            tracker.categories.rename(old, new)
    with desk.tracker() as tracker:
        tracker.categories.rename("network", "networking")
        tracker.categories.rename("networking/vpn", "networking/remote-access")
    assert {"networking", "networking/remote-access", "networking/dns"} <= paths(desk)
    assert not {p for p in paths(desk) if p.split("/")[0] == "network"}
    first, second = show(desk, "INC-1"), show(desk, "INC-2")
    assert (first["category"], first["subcategory"]) == ("networking", "remote-access")
    assert (second["category"], second["subcategory"]) == ("networking", "dns")
    assert changes(first)[0][0] == "logged"
    assert len(first["events"]) == 1  # a relabel, not a recategorization


def test_adding_a_retired_category_brings_it_back(desk: Desk) -> None:
    with desk.tracker() as tracker:
        tracker.categories.retire("hardware/printer")
        tracker.categories.add("hardware/printer")
    desk("log", "Printer jams", category="hardware/printer")
    assert "hardware/printer" in paths(desk)


def test_adding_a_subcategory_of_a_retired_category_brings_the_category_back(desk: Desk) -> None:
    with desk.tracker() as tracker:
        tracker.categories.retire("network")
        tracker.categories.add("network/vpn")
    assert {"network", "network/vpn"} <= paths(desk)
    assert "network/dns" not in paths(desk)


def test_assigning_the_same_group_keeps_the_assignee(desk: Desk) -> None:
    desk.groups("network")
    desk("log", "VPN drops")
    desk("assign", "INC-1", to="bob", group="network")
    record = desk("assign", "INC-1", group="network")
    assert (record["group"], record["assignee"], record["reassignment_count"]) == (
        "network", "bob", 0,
    )  # fmt: skip
