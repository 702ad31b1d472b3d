"""The lifecycle verbs as a user meets them at the command line: exit codes, stdout, stderr."""

from __future__ import annotations

import json

import pytest

from .helpers import Cli, fails, ok


def test_an_incident_from_log_to_close(cli: Cli) -> None:
    assert ok(cli("log", "Email down", "--reporter", "Bob", "-q")) == "INC-1\n"
    assert ok(cli("group", "add", "desk", "-q")) == "desk\n"
    for step in (
        ("categorize", "INC-1", "email/outlook"),
        ("prioritize", "inc-1", "--impact", "high", "--urgency", "medium"),
        ("assign", "1", "--to", "carol", "--group", "desk"),
        ("respond", "1", "Restarting the relay"),
        ("note", "1", "We are on it", "--public"),
        ("escalate", "1", "--tier", "2", "--reason", "a restart did not help"),
        ("hold", "1", "--reason", "awaiting-vendor"),
        ("resume", "1"),
        ("resolve", "1", "--code", "fixed", "--note", "patched the relay"),
    ):
        assert ok(cli(*step, "-q")) == "INC-1\n", step
    record = cli.json("close", "1", "--confirmed-by", "Bob")
    assert record["status"] == "closed"
    assert (record["closed_by"], record["confirmed_by"]) == ("tester", "Bob")
    assert (record["category"], record["subcategory"], record["priority"]) == (
        "email", "outlook", "P2"
    )  # fmt: skip
    assert (record["tier"], record["group"], record["assignee"]) == (2, "desk", "carol")
    assert (record["resolution_code"], record["resolution_note"]) == ("fixed", "patched the relay")
    assert None not in (record["responded_at"], record["resolved_at"], record["closed_at"])
    timeline = [(e["kind"], e["field"]) for e in cli.json("show", "1")["events"]]
    assert timeline == [
        ("logged", None),
        ("categorized", "category"),
        ("prioritized", "impact"), ("prioritized", "urgency"), ("prioritized", "priority"),
        ("assigned", "group"), ("assigned", "assignee"),
        ("responded", "status"),
        ("public_note", None),
        ("escalated", "tier"),
        ("held", "status"), ("resumed", "status"),
        ("resolved", "status"),
        ("closed", "status"),
    ]  # fmt: skip


def test_a_refused_move_names_the_allowed_ones(cli: Cli) -> None:
    cli("log", "Email down", "-q")
    stderr = fails(cli("resume", "1"), 4, "Cannot resume INC-1")
    assert "respond" in stderr
    assert "resolve" in stderr
    assert "cancel" in stderr
    cli("cancel", "1", "--reason", "logged twice", "-q")
    fails(cli("note", "1", "hello?"), 4, "cancelled, which is final")


@pytest.mark.parametrize(
    "args", [("escalate", "1", "--tier", "2"), ("cancel", "1"), ("reopen", "1")]
)
def test_a_missing_reason_is_a_usage_error(cli: Cli, args: tuple[str, ...]) -> None:
    cli("log", "Email down", "-q")
    fails(cli(*args), 2, "Missing option '--reason'")


def test_an_unknown_category_is_not_found_with_a_suggestion(cli: Cli) -> None:
    cli("log", "VPN drops", "-q")
    fails(cli("categorize", "1", "network/vnp"), 3, "no category network/vnp", "network/vpn")


def test_permission_denied_is_exit_5(cli: Cli) -> None:
    ok(cli("user", "add", "ada", "--role", "admin", "--role", "service-desk", "-q", actor="ada"))
    ok(cli("user", "add", "rex", "--role", "responder", "-q", actor="ada"))
    cli("log", "Email down", "-q", actor="ada")
    cli("respond", "1", "on it", "-q", actor="rex")
    cli("resolve", "1", "--code", "fixed", "--note", "restarted", "-q", actor="rex")
    close = ("close", "1", "--confirmed-by", "Bob")
    fails(cli(*close, actor="rex"), 5, "Closing needs the service-desk role; rex has responder")
    fails(cli(*close, actor="zed"), 5, "zed is not a registered user")
    assert cli.json(*close, actor="ada")["closed_by"] == "ada"


def test_close_needs_an_id_or_stale(cli: Cli) -> None:
    fails(cli("close"), 2, "give an incident ID, or --stale")
    fails(cli("close", "1", "--stale", "7d"), 2, "not both")


def test_close_stale_prints_the_closed_ids_one_per_line(cli: Cli) -> None:
    for title in ("old fix", "recent fix", "another old fix", "old but open"):
        cli("log", title, "--at", "10 days ago", "-q")
    for number, resolved in (("1", "9 days ago"), ("2", "2 days ago"), ("3", "8 days ago")):
        cli("respond", number, "on it", "--at", "10 days ago", "-q")
        cli("resolve", number, "--code", "fixed", "--note", "done", "--at", resolved, "-q")
    assert ok(cli("close", "--stale", "7d", "-q")) == "INC-1\nINC-3\n"
    assert ok(cli("close", "--stale", "7d", "-q")) == ""  # nothing left: nothing said
    record = cli.json("show", "3")
    assert (record["status"], record["closed_by"], record["confirmed_by"]) == (
        "closed", "tester", None
    )  # fmt: skip
    assert record["events"][-1]["message"].startswith("unconfirmed: stale")
    assert [cli.json("show", n)["status"] for n in ("2", "4")] == ["resolved", "new"]


def test_show_renders_the_timeline(cli: Cli) -> None:
    cli("log", "Email down", "-q", actor="dave")
    cli("respond", "1", "Checking the relay", "-q", actor="dave")
    cli("hold", "1", "--reason", "awaiting-vendor", "-q", actor="erin")
    table = ok(cli("show", "1"))
    assert "Timeline" in table
    timeline = table.split("Timeline", 1)[1].splitlines()
    rows = [line for line in timeline if " dave " in line or " erin " in line]
    assert len(rows) == 3
    assert "logged" in rows[0]
    assert "responded" in rows[1]
    assert "status: new → in_progress; Checking the relay" in rows[1]
    assert "held" in rows[2]
    assert "erin" in rows[2]


def test_back_dated_steps_keep_the_timeline_in_order(cli: Cli) -> None:
    cli("log", "Email down", "--at", "3h ago", "-q")
    cli("respond", "1", "on it", "--at", "2h ago", "-q")
    cli("hold", "1", "--reason", "awaiting-reporter", "--at", "90m ago", "-q")
    cli("resume", "1", "--at", "1h ago", "-q")
    fails(cli("note", "1", "too early", "--at", "2h ago"), 4, "a timeline only moves forward")
    cli("note", "1", "written now", "-q")
    events = cli.json("show", "1")["events"]
    assert [e["kind"] for e in events] == ["logged", "responded", "held", "resumed", "note"]
    moments = [e["at"] for e in events]
    assert moments == sorted(moments)
    assert len(set(moments)) == 5


def test_category_list_add_and_retire(cli: Cli) -> None:
    vpn = {"path": "network/vpn", "category": "network", "subcategory": "vpn",
           "retired": False, "retired_at": None}  # fmt: skip
    assert vpn in cli.json("category", "list")
    ok(cli("category", "add", "network/sd-wan"))
    ok(cli("category", "retire", "network/vpn"))
    paths = [c["path"] for c in cli.json("category", "list")]
    assert "network/sd-wan" in paths
    assert "network/vpn" not in paths
    everything = {c["path"]: c for c in cli.json("category", "list", "--all")}
    assert everything["network/vpn"]["retired"] is True
    assert everything["network/vpn"]["retired_at"] is not None
    cli("log", "VPN drops", "-q")
    fails(cli("categorize", "1", "network/vpn"), 4, "network/vpn is retired")


def test_user_add_list_update_round_trip(cli: Cli) -> None:
    ada = cli.json("user", "add", "ada", "--role", "admin", "--role", "service-desk",
                   "--email", "ada@example.com", actor="ada")  # fmt: skip
    assert {key: ada[key] for key in ("name", "roles", "tier", "group", "email", "active")} == {
        "name": "ada", "roles": ["service-desk", "admin"], "tier": None, "group": None,
        "email": "ada@example.com", "active": True,
    }  # fmt: skip
    ok(cli("group", "add", "network", "-q", actor="ada"))
    added = cli("user", "add", "rex", "--role", "responder", "--tier", "2", "--group", "network",
                "-q", actor="ada")  # fmt: skip
    assert ok(added) == "rex\n"
    assert ok(cli("user", "update", "rex", "--inactive", "-q", actor="ada")) == "rex\n"
    users = {u["name"]: u for u in cli.json("user", "list")}
    assert list(users) == ["ada", "rex"]
    rex = users["rex"]
    assert (rex["roles"], rex["tier"], rex["group"], rex["active"]) == (
        ["responder"], 2, "network", False
    )  # fmt: skip
    rex = cli.json("user", "update", "rex", "--role", "incident-manager", "--active", actor="ada")
    assert (rex["roles"], rex["active"]) == (["incident-manager"], True)
    assert "rex" in ok(cli("user", "list"))
    fails(cli("user", "add", "zed", "--role", "responder", actor="rex"), 5, "admin role")
    fails(cli("user", "update", "ada", "--inactive", actor="ada"), 4, "last active admin")


def test_a_refused_write_prints_no_record(cli: Cli) -> None:
    cli("log", "Email down", "-q")
    fails(cli("respond", "1", "on it", "--at", "2099-01-01", "-f", "json"), 4, "in the future")
    assert json.loads(ok(cli("show", "1", "-f", "json")))["status"] == "new"
