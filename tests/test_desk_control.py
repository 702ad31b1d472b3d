"""The service desk keeps control: owners, the queue's filters, major incidents that stand
out, and the duplicates an original lists."""

from __future__ import annotations

import json
import re

import pytest

from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.incidents.queries import IncidentQuery

from .helpers import Cli, Desk, fails, ok


@pytest.fixture
def team(desk: Desk) -> Desk:
    """ada (admin, service desk), sue (service desk), rex (responder), ima (manager),
    old (service desk, deactivated)."""
    for name, roles in (
        ("ada", ["admin", "service-desk"]), ("sue", ["service-desk"]), ("rex", ["responder"]),
        ("ima", ["incident-manager"]), ("old", ["service-desk"]),
    ):  # fmt: skip
        with desk.tracker("ada") as tracker:
            tracker.users.add(name, roles=roles)
    with desk.tracker("ada") as tracker:
        tracker.users.update("old", active=False)
    return desk


def test_owner_transfers_with_an_event(team: Desk) -> None:
    assert team("log", "VPN drops", actor="ada")["owner"] == "ada"
    record = team("set_owner", "INC-1", "sue", reason="shift handover", actor="ima")
    assert record["owner"] == "sue"
    event = record["events"][-1]
    assert (event["kind"], event["field"], event["old"], event["new"], event["message"]) == (
        "owner_changed", "owner", "ada", "sue", "shift handover"
    )  # fmt: skip
    again = team("set_owner", "INC-1", "sue", actor="sue")  # already hers: nothing to record
    assert len(again["events"]) == len(record["events"])


@pytest.mark.parametrize(
    ("actor", "owner", "error", "match"),
    [
        ("rex", "sue", PermissionDenied, "needs the service-desk, incident-manager or admin"),
        ("ada", "rex", Rejected, "an owner is a service-desk analyst, and rex has responder"),
        ("ada", "nobody", NotFound, "no active user nobody"),
        ("ada", "old", NotFound, "no active user old"),
    ],
)
def test_owner_is_refused(
    team: Desk, actor: str, owner: str, error: type[Exception], match: str
) -> None:
    team("log", "VPN drops", actor="ada")
    with pytest.raises(error, match=match):
        team("set_owner", "INC-1", owner, actor=actor)
    with team.tracker(write=False) as tracker:
        assert tracker.get_or_raise("INC-1").owner == "ada"


def test_a_solo_desk_may_name_anyone_and_a_closed_incident_keeps_its_owner(desk: Desk) -> None:
    desk("log", "VPN drops")
    assert desk("set_owner", "1", "kim")["owner"] == "kim"
    desk("resolve", "1", code="fixed", note="restarted")
    assert desk("set_owner", "1", "lee")["owner"] == "lee"  # resolved: the desk still owns it
    desk("close", "1", confirmed_by="Ann")
    with pytest.raises(Rejected, match="Cannot change the owner of INC-1: it is closed"):
        desk("set_owner", "1", "kim")


def test_the_queue_filters_by_owner_unassigned_and_major(desk: Desk) -> None:
    desk("log", "VPN drops", actor="kim")  # INC-1, owned by kim
    desk("log", "Mail slow", actor="lee")  # INC-2
    desk("assign", "2", to="rex")
    desk("log", "Site down", actor="lee")  # INC-3
    desk("escalate", "3", major=True, reason="everyone")
    desk.groups("network")
    desk("assign", "3", group="network")  # a group, nobody in person: still unassigned

    def found(**filters: object) -> list[int]:
        with desk.tracker(write=False) as tracker:
            return sorted(i.id for i in tracker.find(IncidentQuery(**filters)))  # type: ignore[arg-type]

    assert found(owner="lee") == [2, 3]
    assert found(unassigned=True) == [1, 3]
    assert found(major=True) == [3]
    assert found(owner="lee", unassigned=True, major=True) == [3]


def test_declaring_a_major_incident_raises_it_to_p1(team: Desk) -> None:
    team("log", "Site down", impact="low", urgency="low", actor="ada")
    record = team("escalate", "INC-1", major=True, reason="every customer", actor="sue")
    assert (record["major"], record["priority"]) == (True, "P1")
    assert [(e["kind"], e["old"], e["new"], e["message"]) for e in record["events"][1:]] == [
        ("major_declared", "false", "true", "every customer"),
        ("priority_overridden", "P4", "P1", "a major incident is P1"),
    ]
    assert record["sla"]["response"]["target"] == "15m"


def test_only_an_incident_manager_keeps_a_major_incidents_priority(team: Desk) -> None:
    team("log", "Site down", impact="low", urgency="low", actor="ada")
    with pytest.raises(PermissionDenied, match="Keeping a major incident's priority below P1"):
        team("escalate", "INC-1", major=True, keep_priority=True, reason="x", actor="sue")
    with pytest.raises(Rejected, match="--keep-priority goes with --major"):
        team("escalate", "INC-1", tier=2, keep_priority=True, reason="x", actor="ima")
    record = team("escalate", "INC-1", major=True, keep_priority=True, reason="x", actor="ima")
    assert (record["major"], record["priority"]) == (True, "P4")
    assert [e["kind"] for e in record["events"]] == ["logged", "major_declared"]


def test_an_original_lists_its_duplicates(desk: Desk) -> None:
    for title in ("Mail down", "Mail down again", "Other", "Outlook dead"):
        desk("log", title)
    desk("link", "4", duplicate_of="1")
    desk("link", "2", duplicate_of="1")
    assert desk("get_or_raise", "1")["duplicates"] == ["INC-2", "INC-4"]  # as `show` has it
    assert desk("get_or_raise", "3")["duplicates"] == []
    with desk.tracker(write=False) as tracker:
        assert "duplicates" not in tracker.record(tracker.get_or_raise("1"))  # `show` only


# -- the command line ----------------------------------------------------------------------


def test_owner_at_the_command_line(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "--role", "service-desk", "-q", actor="ada"))
    ok(cli("user", "add", "sue", "--role", "service-desk", "-q", actor="ada"))
    ok(cli("user", "add", "rex", "--role", "responder", "-q", actor="ada"))
    cli("log", "VPN drops", "-q", actor="ada")
    assert ok(cli("owner", "INC-1", "sue", "--reason", "handover", "-q", actor="ada")) == "INC-1\n"
    assert cli.json("show", "1", actor="ada")["owner"] == "sue"
    fails(cli("owner", "1", "ada", actor="rex"), 5, "rex has responder")
    fails(cli("owner", "1", "rex", actor="ada"), 4, "an owner is a service-desk analyst")
    fails(cli("owner", "1", "zed", actor="ada"), 3, "no active user zed")
    fails(cli("owner", "9", "sue", actor="ada"), 3, "no incident INC-9")
    fails(cli("owner", "1", actor="ada"), 2, "Missing argument 'USER'")
    assert "owner_changed" in ok(cli("show", "1", actor="ada"))


def test_list_filters_and_the_major_marker(cli: Cli) -> None:
    cli("log", "VPN drops", "-q", actor="kim")
    cli("log", "Mail slow", "-q", actor="lee")
    cli("assign", "2", "--to", "rex", "-q")
    cli("log", "Site down", "--at", "20m ago", "-q", actor="lee")
    cli("escalate", "3", "--major", "--reason", "everyone", "-q")  # P1: 15m to respond

    def ids(*args: str) -> list[str]:
        return [r["id"] for r in cli.json("list", *args)]

    assert ids("--owner", "lee") == ["INC-2", "INC-3"]  # untriaged first
    assert ids("--unassigned") == ["INC-1", "INC-3"]
    assert ids("--major") == ["INC-3"]
    table = ok(cli("list"))
    assert table.count("▲MAJOR") == 1
    assert "INC-3   P1 ▲MAJOR" in table
    breaches = ok(cli("report", "sla"))
    assert "INC-3   P1 ▲MAJOR" in breaches
    fails(cli("list", "--unassigned", "--mine"), 2, "--unassigned cannot go with")
    exported = ok(cli("export", "--major")).splitlines()
    assert [json.loads(line)["id"] for line in exported] == ["INC-3"]


def test_escalate_keep_priority_at_the_command_line(cli: Cli) -> None:
    cli("log", "Site down", "--impact", "low", "--urgency", "low", "-q")
    fails(cli("escalate", "1", "--keep-priority", "--reason", "x"), 2, "goes with --major")
    record = cli.json("escalate", "1", "--major", "--keep-priority", "--reason", "contained")
    assert (record["major"], record["priority"]) == (True, "P4")


def test_show_lists_the_duplicates(cli: Cli) -> None:
    for title in ("Mail down", "Mail down too", "Outlook dead"):
        cli("log", title, "-q")
    cli("link", "2", "--duplicate-of", "1", "-q")
    cli("link", "3", "--duplicate-of", "INC-1", "-q")
    assert cli.json("show", "1")["duplicates"] == ["INC-2", "INC-3"]
    assert cli.json("show", "2")["duplicates"] == []
    assert re.search(r"Duplicates +INC-2, INC-3\b", ok(cli("show", "1")))
    assert "Duplicates" not in ok(cli("show", "2"))
