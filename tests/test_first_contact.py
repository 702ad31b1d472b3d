"""First-contact fixes: `resolve` from new, and `log --resolve` in one transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from inctrack.clock import FixedClock
from inctrack.errors import Rejected
from inctrack.incidents.requests import LogRequest

from .helpers import START, Cli, Desk, fails, ok


def kinds(record: dict[str, Any]) -> list[tuple[str, Any, Any, Any]]:
    return [(e["kind"], e["old"], e["new"], e["message"]) for e in record["events"]]


def test_resolving_a_new_incident_records_the_response_too(desk: Desk) -> None:
    desk("log", "Caps lock stuck", impact="high", urgency="high", at=START)
    fixed_at = START + timedelta(minutes=5)
    desk.clock.advance(timedelta(minutes=20))
    record = desk("resolve", "INC-1", code="fixed", note="Pressed it again", at=fixed_at)
    assert record["status"] == "resolved"
    assert record["responded_at"] == record["resolved_at"] == fixed_at.isoformat()
    assert kinds(record)[1:] == [
        ("responded", "new", "in_progress", "resolved at first contact"),
        ("resolved", "in_progress", "resolved", "fixed: Pressed it again"),
    ]
    # the P1 response clock (15 minutes) stopped at the fix, not at the write 15 minutes later
    assert record["sla"]["response"]["state"] == "met"
    assert record["sla"]["response"]["elapsed_seconds"] == 300


def test_log_resolved_logs_responds_and_resolves_at_the_reported_time(desk: Desk) -> None:
    call = START - timedelta(minutes=10)
    with desk.tracker() as tracker:
        incident = tracker.log_resolved(
            LogRequest(title="Locked out", reporter="Bob", reported_at=call),
            code="fixed",
            note="Reset the password",
        )
        record = tracker.record(incident, with_events=True)
    assert (record["id"], record["status"], record["reported_at"]) == (
        "INC-1", "resolved", call.isoformat()
    )  # fmt: skip
    assert record["responded_at"] == record["resolved_at"] == call.isoformat()
    assert [kind for kind, *_ in kinds(record)] == ["logged", "responded", "resolved"]
    assert {e["recorded_at"] for e in record["events"]} == {START.isoformat()}


@pytest.mark.parametrize(
    ("code", "note", "match"),
    [("magic", "x", "not a resolution code"), ("fixed", " ", "resolution note is empty")],
)
def test_a_bad_resolution_logs_nothing(desk: Desk, code: str, note: str, match: str) -> None:
    with pytest.raises(Rejected, match=match), desk.tracker() as tracker:
        tracker.log_resolved(LogRequest(title="Locked out"), code=code, note=note)
    assert desk("log", "Next call")["id"] == "INC-1"  # the number was not used up


def test_a_repeat_of_an_open_incident_is_not_resolved(desk: Desk) -> None:
    desk("log", "Disk full on db1", dedup_key="disk-db1")
    request = LogRequest(title="Disk full on db1", dedup_key="disk-db1")
    refusal = "INC-1 is open with the dedup key 'disk-db1'"
    with pytest.raises(Rejected, match=refusal), desk.tracker() as tracker:
        tracker.log_resolved(request, code="fixed", note="cleaned")
    with desk.tracker(write=False) as tracker:
        incident = tracker.get_or_raise("INC-1")
        assert (incident.status, incident.occurrences) == ("new", 1)  # rolled back whole


# -- the command line ----------------------------------------------------------------------


def test_log_resolve_prints_the_id_and_the_incident_reads_resolved(cli: Cli) -> None:
    args = ("log", "Locked out", "--reporter", "Bob", "--channel", "phone", "--resolve")
    out = ok(cli(*args, "--code", "fixed", "--note", "Reset the password", "-q"))
    assert out == "INC-1\n"
    record = cli.json("show", "1")
    assert (record["status"], record["resolution_code"], record["resolution_note"]) == (
        "resolved", "fixed", "Reset the password"
    )  # fmt: skip
    assert [e["kind"] for e in record["events"]] == ["logged", "responded", "resolved"]
    table = ok(cli("log", "Printer offline", "--resolve", "--code", "fixed", "--note", "Cable"))
    assert "INC-2" in table
    assert "resolved" in table


def test_resolve_from_new_at_the_command_line(cli: Cli) -> None:
    cli("log", "Caps lock stuck", "-q")
    record = cli.json("resolve", "1", "--code", "no-fault", "--note", "Works as designed")
    assert record["status"] == "resolved"
    assert record["responded_at"] == record["resolved_at"]


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("--resolve", "--code", "fixed"), "--resolve needs --code and --note"),
        (("--resolve", "--note", "x"), "--resolve needs --code and --note"),
        (("--code", "fixed", "--note", "x"), "--code and --note go with --resolve"),
    ],
)
def test_log_resolve_options_must_agree(cli: Cli, args: tuple[str, ...], phrase: str) -> None:
    fails(cli("log", "Locked out", *args), 2, phrase)
    assert cli.json("list", "--all") == []


def test_log_resolve_is_not_for_a_batch(cli: Cli) -> None:
    resolve = ("--resolve", "--code", "fixed", "--note", "x")
    fails(cli("log", "--batch", "-", *resolve, input='{"title": "a"}\n'), 2, "not a --batch")


def test_log_resolve_on_a_repeat_is_refused_and_writes_nothing(cli: Cli) -> None:
    cli("log", "Disk full", "--dedup-key", "disk", "-q")
    resolve = ("--resolve", "--code", "fixed", "--note", "cleaned")
    fails(cli("log", "Disk full", "--dedup-key", "disk", *resolve), 4, "resolve INC-1")
    record = cli.json("show", "1")
    assert (record["status"], record["occurrences"], len(record["events"])) == ("new", 1, 1)


def test_report_mttr_gives_the_first_contact_rate(db_url: str) -> None:
    clock = FixedClock(START)
    cli = Cli(db_url, clock=clock)
    cli("log", "Locked out", "--resolve", "--code", "fixed", "--note", "Reset", "-q")
    cli("log", "Server down", "-q")
    cli("escalate", "2", "--tier", "2", "--reason", "needs the server team", "-q")
    cli("resolve", "2", "--code", "fixed", "--note", "Rebooted", "-q")
    cli("log", "Still open", "-q")
    clock.advance(timedelta(hours=1))  # the report counts incidents reported before now
    [row] = cli.json("report", "mttr", "--by", "category")
    assert (row["resolved"], row["first_contact_resolved"]) == (2, 1)
    assert row["first_contact_resolution_pct"] == 50.0
    table = ok(cli("report", "mttr", "--by", "category"))
    assert "First" in table
    assert "50.0%" in table
    assert "overall 50.0% of 2" in " ".join(table.split())
