"""The SLA commands as a user meets them: `report sla`, `sla`, `policy`, `calendar`.

The command line runs on the system clock, so every history is back-dated with
`--at` to Monday 3 November 2025 (UTC, the test time zone) and every report is
asked `--as-of` a moment of that day. Expected states and times are worked out
by hand from PRODUCT.md: P1 responds in 15 min and resolves in 4 h, P2 in 30 min
and 8 h (24x7); P3 in 4 business hours and 3 business days; at risk from 75 %.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import INCIDENT_KEYS, Cli

Record = dict[str, Any]

X = "2025-11-03T09:25:00+00:00"
"""The moment of the past report: 25 minutes after four incidents came in at 09:00."""


CLOCK_KEYS = {"target", "due_at", "elapsed_seconds", "remaining_seconds", "state"}


def ok(cli: Cli, *args: str, actor: str | None = None) -> None:
    result = cli(*args, "-q", actor=actor)
    assert result.exit_code == 0, result.stderr


def report(cli: Cli, *args: str) -> list[Record]:
    records = cli.json("report", "sla", *args)
    assert isinstance(records, list)
    return records


def states(records: list[Record]) -> list[tuple[str, str, str]]:
    return [
        (r["id"], r["sla"]["response"]["state"], r["sla"]["resolution"]["state"]) for r in records
    ]


def clock(record: Record) -> tuple[Any, ...]:
    return tuple(record[k] for k in ("target", "due_at", "elapsed_seconds",
                                     "remaining_seconds", "state"))  # fmt: skip


def before_x(cli: Cli) -> None:
    """Four incidents at 09:00; only what happened up to X (09:25)."""
    ok(cli, "log", "Core switch down", "--impact", "high", "--urgency", "high",
       "--at", "2025-11-03 09:00")  # fmt: skip  # INC-1, P1, not answered by X
    ok(cli, "group", "add", "network")
    ok(cli, "assign", "1", "--group", "network", "--at", "2025-11-03 09:01")
    ok(cli, "log", "Payroll slow", "--impact", "high", "--urgency", "medium",
       "--at", "2025-11-03 09:00")  # fmt: skip  # INC-2, P2
    ok(cli, "log", "Printer jam", "--impact", "medium", "--urgency", "medium",
       "--at", "2025-11-03 09:00")  # fmt: skip  # INC-3, P3
    ok(cli, "log", "Mail queue stuck", "--impact", "high", "--urgency", "high",
       "--at", "2025-11-03 09:00")  # fmt: skip  # INC-4, P1, answered in time
    ok(cli, "respond", "4", "looking", "--at", "2025-11-03 09:10")


EXPECTED_AT_X = [
    {
        "id": "INC-1",  # P1: 25 min into a 15 min response
        "response": ("15m", "2025-11-03T09:15:00+00:00", 1500, -600, "breached"),
        "resolution": ("4h", "2025-11-03T13:00:00+00:00", 1500, 12900, "ok"),
    },
    {
        "id": "INC-2",  # P2: 25 of 30 min, 83 %
        "response": ("30m", "2025-11-03T09:30:00+00:00", 1500, 300, "at_risk"),
        "resolution": ("8h", "2025-11-03T17:00:00+00:00", 1500, 27300, "ok"),
    },
]


def at_x(records: list[Record]) -> list[Record]:
    return [
        {
            "id": r["id"],
            "response": clock(r["sla"]["response"]),
            "resolution": clock(r["sla"]["resolution"]),
        }
        for r in records
    ]


# -- report sla --as-of ---------------------------------------------------------------------


def test_as_of_reproduces_the_past_report_after_later_changes(cli: Cli) -> None:
    before_x(cli)
    first = report(cli, "--as-of", X)
    assert at_x(first) == EXPECTED_AT_X
    # Later that day: INC-1 answered and fixed, INC-2 answered late and held, INC-4 closed,
    # and a new P1 reported at 10:30.
    after = [
        ("respond", "1", "on it", "--at", "2025-11-03 09:40"),
        ("resolve", "1", "--code", "fixed", "--note", "swapped PSU", "--at", "2025-11-03 10:00"),
        ("respond", "2", "on it", "--at", "2025-11-03 09:45"),
        ("hold", "2", "--reason", "awaiting-vendor", "--at", "2025-11-03 09:50"),
        ("resolve", "4", "--code", "fixed", "--note", "flushed", "--at", "2025-11-03 10:00"),
        ("close", "4", "--confirmed-by", "Ann", "--at", "2025-11-03 11:00"),
        ("log", "VPN down", "--impact", "high", "--urgency", "high", "--at", "2025-11-03 10:30"),
    ]
    for args in after:
        ok(cli, *args)
    again = report(cli, "--as-of", X)
    assert at_x(again) == EXPECTED_AT_X
    assert [r["sla"] for r in again] == [r["sla"] for r in first]
    # And the report of that evening tells the later story: INC-1 is resolved (not listed),
    # INC-2 answered 15 min late and on hold, INC-5 unanswered for 7.5 h.
    evening = report(cli, "--as-of", "2025-11-03T18:00:00+00:00")
    # INC-3, a P3 never answered, has used 8 business hours of its 4.
    assert states(evening) == [
        ("INC-5", "breached", "breached"),
        ("INC-2", "breached", "paused"),
        ("INC-3", "breached", "ok"),
    ]


def test_a_later_priority_change_does_not_change_the_past_report(cli: Cli) -> None:
    before_x(cli)
    # At 10:00 the printer turns out to be the CEO's: P3 becomes P1.
    ok(cli, "prioritize", "3", "--impact", "high", "--urgency", "high",
       "--at", "2025-11-03 10:00")  # fmt: skip
    # At X it was still a P3, 25 min into a 4 business hours response: not in the report.
    assert at_x(report(cli, "--as-of", X)) == EXPECTED_AT_X
    shown = cli.json("sla", "3", "--as-of", X)
    assert clock(shown["response"]) == ("4h", "2025-11-03T13:00:00+00:00", 1500, 12900, "ok")
    # From 10:00 on it is judged as a P1 from 09:00: 90 min into a 15 min response.
    after = cli.json("sla", "3", "--as-of", "2025-11-03T10:30:00+00:00")
    assert clock(after["response"]) == ("15m", "2025-11-03T09:15:00+00:00", 5400, -4500,
                                        "breached")  # fmt: skip


def test_a_past_report_shows_the_incidents_as_they_were_then(cli: Cli) -> None:
    before_x(cli)
    ok(cli, "respond", "1", "on it", "--at", "2025-11-03 09:40")
    ok(cli, "resolve", "1", "--code", "fixed", "--note", "swapped PSU", "--at", "2025-11-03 10:00")
    ok(cli, "respond", "2", "on it", "--at", "2025-11-03 09:45")
    records = report(cli, "--as-of", X)
    # At 09:25 neither had been answered: they were new, with no response or fix on record.
    assert [
        (r["id"], r["status"], r["priority"], r["responded_at"], r["resolved_at"]) for r in records
    ] == [("INC-1", "new", "P1", None, None), ("INC-2", "new", "P2", None, None)]


# -- report sla: filters, exit codes, output -------------------------------------------------


def test_report_lists_only_incidents_open_at_the_moment_asked(cli: Cli) -> None:
    before_x(cli)
    ok(cli, "respond", "1", "on it", "--at", "2025-11-03 09:40")  # late: breached for good
    ok(cli, "resolve", "1", "--code", "fixed", "--note", "swapped PSU", "--at", "2025-11-03 10:00")
    ok(cli, "respond", "2", "on it", "--at", "2025-11-03 09:45")
    # 09:50: INC-1 still open (answered late); 10:30: resolved, so left out.
    assert states(report(cli, "--as-of", "2025-11-03T09:50:00+00:00")) == [
        ("INC-1", "breached", "ok"), ("INC-2", "breached", "ok"),
    ]  # fmt: skip
    assert states(report(cli, "--as-of", "2025-11-03T10:30:00+00:00")) == [
        ("INC-2", "breached", "ok"),
    ]  # fmt: skip


def test_report_filters_by_state_priority_and_group(cli: Cli) -> None:
    before_x(cli)
    ids = lambda *args: [r["id"] for r in report(cli, "--as-of", X, *args)]  # noqa: E731
    assert ids() == ["INC-1", "INC-2"]
    assert ids("--breached") == ["INC-1"]
    assert ids("--at-risk") == ["INC-2"]
    assert ids("--breached", "--at-risk") == ["INC-1", "INC-2"]
    assert ids("--priority", "P2") == ["INC-2"]
    assert ids("-p", "p1") == ["INC-1"]
    assert ids("--priority", "P3") == []
    assert ids("--group", "network") == ["INC-1"]
    assert ids("--group", "desktop") == []
    assert ids("--group", "network", "--at-risk") == []


def test_fail_on_breach_exit_codes(cli: Cli) -> None:
    before_x(cli)
    breached = cli("report", "sla", "--as-of", X, "--fail-on-breach", "-f", "json")
    assert breached.exit_code == 8, breached.stderr
    assert [r["id"] for r in json.loads(breached.stdout)] == ["INC-1", "INC-2"]
    # 09:12: INC-1 is 12 of 15 min in (80 %), INC-2 12 of 30 (40 %): only at risk.
    at_risk = cli("report", "sla", "--as-of", "2025-11-03 09:12", "--fail-on-breach", "-f", "json")
    assert at_risk.exit_code == 9, at_risk.stderr
    assert states(json.loads(at_risk.stdout)) == [("INC-1", "at_risk", "ok")]
    # 09:05: 5 of 15 min (33 %): nothing to say.
    calm = cli("report", "sla", "--as-of", "2025-11-03 09:05", "--fail-on-breach", "-f", "json")
    assert calm.exit_code == 0, calm.stderr
    assert json.loads(calm.stdout) == []
    # Without --fail-on-breach, breaches do not change the exit code.
    assert cli("report", "sla", "--as-of", X).exit_code == 0


def test_quiet_if_none_prints_nothing_when_nothing_is_found(cli: Cli) -> None:
    before_x(cli)
    for fmt in ("table", "json", "csv"):
        quiet = cli("report", "sla", "--as-of", "2025-11-03 09:05", "--quiet-if-none",
                    "--fail-on-breach", "-f", fmt)  # fmt: skip
        assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    found = cli("report", "sla", "--as-of", X, "--quiet-if-none", "-f", "json")
    assert [r["id"] for r in json.loads(found.stdout)] == ["INC-1", "INC-2"]


def test_report_json_is_an_array_of_incident_records_with_sla(cli: Cli) -> None:
    before_x(cli)
    records = report(cli, "--as-of", X)
    assert len(records) == 2
    for record in records:
        assert set(record) >= INCIDENT_KEYS
        assert set(record["sla"]) == {"response", "resolution"}
        for name in ("response", "resolution"):
            assert set(record["sla"][name]) >= CLOCK_KEYS
    csv_out = cli("report", "sla", "--as-of", X, "-f", "csv").stdout.splitlines()
    assert "sla_response_state" in csv_out[0].split(",")
    assert len(csv_out) == 3
    table = cli("report", "sla", "--as-of", X).stdout
    assert "INC-1" in table
    assert "INC-2" in table


# -- sla ID --------------------------------------------------------------------------------


def test_a_cancelled_incident_shows_its_clocks_cancelled_not_met(cli: Cli) -> None:
    # A P2 (30 min / 8 h, 24x7) logged twice by mistake and cancelled 5 minutes later.
    ok(cli, "log", "VPN down", "--impact", "high", "--urgency", "medium",
       "--at", "2025-11-03 09:00")  # fmt: skip
    ok(cli, "cancel", "1", "--reason", "logged twice", "--at", "2025-11-03 09:05")
    shown = cli.json("sla", "INC-1", "--as-of", "2025-11-03 12:00")
    for name in ("response", "resolution"):
        assert (shown[name]["state"], shown[name]["elapsed_seconds"]) == ("cancelled", 300)
        assert shown[name]["due_at"] is None
    table = cli("show", "INC-1").stdout
    assert table.count("cancelled  5m used") == 2
    assert " met " not in table


def test_sla_explains_a_clock_segment_by_segment(cli: Cli) -> None:
    # Fri 7 Nov 2025 16:00 UTC, a P3 on the default calendar (UTC Mon-Fri 09:00-17:00).
    ok(cli, "log", "Laptop dock dead", "--impact", "medium", "--urgency", "medium",
       "--at", "2025-11-07 16:00")  # fmt: skip
    ok(cli, "respond", "1", "ordering a dock", "--at", "2025-11-07 16:30")
    ok(cli, "hold", "1", "--reason", "awaiting-vendor", "--at", "2025-11-10 10:00")
    shown = cli.json("sla", "INC-1", "--as-of", "2025-11-10 11:00")
    assert shown["id"] == "INC-1"
    assert shown["as_of"] == "2025-11-10T11:00:00+00:00"
    assert shown["response"]["state"] == "met"
    assert shown["response"]["elapsed_seconds"] == 1800
    assert shown["resolution"]["state"] == "paused"
    assert shown["resolution"]["elapsed_seconds"] == 7200
    segments = shown["resolution"]["segments"]
    assert [(s["start"], s["end"], s["state"], s["counted_seconds"]) for s in segments] == [
        ("2025-11-07T16:00:00+00:00", "2025-11-07T17:00:00+00:00", "running", 3600),
        ("2025-11-07T17:00:00+00:00", "2025-11-10T09:00:00+00:00", "outside_hours", 0),
        ("2025-11-10T09:00:00+00:00", "2025-11-10T10:00:00+00:00", "running", 3600),
        ("2025-11-10T10:00:00+00:00", None, "paused", 0),
    ]
    assert segments[0]["event"] == {
        "kind": "logged", "at": "2025-11-07T16:00:00+00:00", "actor": "tester",
    }  # fmt: skip
    assert segments[3]["reason"] == "awaiting-vendor"
    assert segments[3]["event"] == {
        "kind": "held", "at": "2025-11-10T10:00:00+00:00", "actor": "tester",
    }  # fmt: skip
    assert cli.json("sla", "1")["resolution"]["state"] == "paused"  # as of now
    table = cli("sla", "1", "--as-of", "2025-11-10 11:00")
    assert table.exit_code == 0, table.stderr
    assert "outside hours" in table.stdout
    assert "paused (awaiting-vendor)" in table.stdout
    assert "held by tester" in table.stdout


def test_sla_refuses_a_moment_before_the_report_and_unknown_incidents(cli: Cli) -> None:
    ok(cli, "log", "Core switch down", "--impact", "high", "--urgency", "high",
       "--at", "2025-11-03 09:00")  # fmt: skip
    early = cli("sla", "1", "--as-of", "2025-11-03 08:00")
    assert early.exit_code == 4
    assert early.stdout == ""
    assert "reported" in early.stderr
    missing = cli("sla", "INC-99")
    assert missing.exit_code == 3
    assert "INC-99" in missing.stderr


# -- policy --------------------------------------------------------------------------------

DEFAULT_TARGETS = [
    {
        "priority": "P1",
        "respond": "15m",
        "resolve": "4h",
        "calendar": "24x7",
        "update_every": "30m",
    },
    {"priority": "P2", "respond": "30m", "resolve": "8h", "calendar": "24x7", "update_every": "1h"},
    {
        "priority": "P3",
        "respond": "4h",
        "resolve": "3d",
        "calendar": "business",
        "update_every": None,
    },
    {
        "priority": "P4",
        "respond": "1d",
        "resolve": "5d",
        "calendar": "business",
        "update_every": None,
    },
    {
        "priority": "P5",
        "respond": "2d",
        "resolve": "10d",
        "calendar": "business",
        "update_every": None,
    },
]
DEFAULT_MATRIX = {
    ("high", "high"): "P1", ("high", "medium"): "P2", ("high", "low"): "P3",
    ("medium", "high"): "P2", ("medium", "medium"): "P3", ("medium", "low"): "P4",
    ("low", "high"): "P3", ("low", "medium"): "P4", ("low", "low"): "P4",
}  # fmt: skip


def matrix(policy: Record) -> dict[tuple[str, str], str]:
    return {(c["impact"], c["urgency"]): c["priority"] for c in policy["matrix"]}


def test_policy_show_has_the_defaults_of_product_md(cli: Cli) -> None:
    policy = cli.json("policy", "show")
    assert policy["targets"] == DEFAULT_TARGETS
    assert policy["at_risk"] == 0.75
    assert matrix(policy) == DEFAULT_MATRIX
    assert len(policy["matrix"]) == 9
    assert policy["calendar"] == {
        "timezone": "UTC",
        "hours": "Mon-Fri 09:00-17:00",
        "working_day_seconds": 28800,
        "holidays": [],
    }
    table = cli("policy", "show")
    assert table.exit_code == 0, table.stderr
    assert "Mon-Fri 09:00-17:00" in table.stdout


def test_policy_set_targets_and_the_clocks_follow(cli: Cli) -> None:
    ok(cli, "log", "Printer jam", "--impact", "medium", "--urgency", "medium",
       "--at", "2025-11-03 09:00")  # fmt: skip  # Monday 09:00, P3
    policy = cli.json("policy", "set", "P3", "--respond", "2h", "--resolve", "2d",
                      "--calendar", "business")  # fmt: skip
    assert policy["targets"][2] == {
        "priority": "P3", "respond": "2h", "resolve": "2d", "calendar": "business",
        "update_every": None,
    }  # fmt: skip
    others = policy["targets"][:2] + policy["targets"][3:]
    assert others == DEFAULT_TARGETS[:2] + DEFAULT_TARGETS[3:]
    assert cli.json("policy", "show")["targets"][2]["respond"] == "2h"
    shown = cli.json("sla", "1", "--as-of", "2025-11-03 10:00")
    assert clock(shown["response"]) == ("2h", "2025-11-03T11:00:00+00:00", 3600, 3600, "ok")
    assert clock(shown["resolution"]) == ("2d", "2025-11-04T17:00:00+00:00", 3600, 54000, "ok")
    # On 24x7 two days are 48 hours from Monday 09:00.
    cli.json("policy", "set", "p3", "--calendar", "24x7")
    shown = cli.json("sla", "1", "--as-of", "2025-11-03 10:00")
    assert clock(shown["resolution"]) == ("2d", "2025-11-05T09:00:00+00:00", 3600, 169200, "ok")
    assert cli.json("policy", "show")["targets"][2] == {
        "priority": "P3", "respond": "2h", "resolve": "2d", "calendar": "24x7",
        "update_every": None,
    }  # fmt: skip


def test_policy_set_at_risk_threshold(cli: Cli) -> None:
    ok(cli, "log", "Payroll slow", "--impact", "high", "--urgency", "medium",
       "--at", "2025-11-03 09:00")  # fmt: skip  # P2: 30 min response
    assert cli.json("sla", "1", "--as-of", "2025-11-03 09:15")["response"]["state"] == "ok"
    assert cli.json("policy", "set", "--at-risk", "50%")["at_risk"] == 0.5
    assert cli.json("sla", "1", "--as-of", "2025-11-03 09:15")["response"]["state"] == "at_risk"
    assert cli.json("sla", "1", "--as-of", "2025-11-03 09:14")["response"]["state"] == "ok"


def test_policy_set_matrix_changes_what_prioritize_gives(cli: Cli) -> None:
    policy = cli.json("policy", "set", "--matrix", "high/low=P2")
    assert matrix(policy) == {**DEFAULT_MATRIX, ("high", "low"): "P2"}
    ok(cli, "log", "Printer jam", "--impact", "medium", "--urgency", "medium")
    assert cli.json("prioritize", "1", "--impact", "high", "--urgency", "low")["priority"] == "P2"
    assert cli.json("log", "Wiki slow", "--impact", "high", "--urgency", "low")["priority"] == "P2"
    assert cli.json("log", "Wiki down", "--impact", "low", "--urgency", "low")["priority"] == "P4"


def test_calendar_set_hours_with_lunch_in_london(cli: Cli) -> None:
    record = cli.json("calendar", "set", "--timezone", "Europe/London",
                      "--hours", "Mon-Fri 08:00-12:00,13:00-17:00")  # fmt: skip
    assert record == {
        "timezone": "Europe/London",
        "hours": "Mon-Fri 08:00-12:00,13:00-17:00",
        "working_day_seconds": 28800,
        "holidays": [],
    }
    assert cli.json("calendar", "show") == record
    assert cli.json("policy", "show")["calendar"] == record
    # Monday 11:00 GMT, a P3: 1 h before lunch, then 13:00-16:00.
    ok(cli, "log", "Printer jam", "--impact", "medium", "--urgency", "medium",
       "--at", "2025-11-03 11:00")  # fmt: skip
    shown = cli.json("sla", "1", "--as-of", "2025-11-03 12:30")
    assert clock(shown["response"]) == ("4h", "2025-11-03T16:00:00+00:00", 3600, 10800, "ok")
    # 24 h: Mon 5 + Tue 8 + Wed 8 + Thu 08:00-11:00.
    assert shown["resolution"]["due_at"] == "2025-11-06T11:00:00+00:00"


def test_calendar_holidays_add_list_remove(cli: Cli) -> None:
    added = cli.json("calendar", "holiday", "add", "2026-12-24", "--name", "Christmas Eve")
    assert added["holidays"] == [{"date": "2026-12-24", "name": "Christmas Eve"}]
    assert cli.json("calendar", "holiday", "list") == [
        {"date": "2026-12-24", "name": "Christmas Eve"}
    ]
    removed = cli.json("calendar", "holiday", "remove", "2026-12-24")
    assert removed["holidays"] == []
    assert cli.json("calendar", "holiday", "list") == []
    again = cli("calendar", "holiday", "remove", "2026-12-24")
    assert again.exit_code == 3
    assert "2026-12-24" in again.stderr
    assert cli("calendar", "holiday", "add", "24/12/2026").exit_code == 2


def test_calendar_holiday_import_for_a_country(cli: Cli) -> None:
    record = cli.json("calendar", "holiday", "import", "--country", "GB", "--years", "2026")
    assert {"date": "2026-12-25", "name": "Christmas Day"} in record["holidays"]
    listed = cli.json("calendar", "holiday", "list")
    assert {"date": "2026-12-25", "name": "Christmas Day"} in listed
    assert all(h["date"].startswith("2026-") for h in listed)
    unknown = cli("calendar", "holiday", "import", "--country", "XX", "--years", "2026")
    assert unknown.exit_code == 3
    assert "XX" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("calendar", "set", "--timezone", "Mars/Olympus_Mons"), 4),
        (("calendar", "set", "--hours", "Mon-Fri 9-5"), 4),
        (("calendar", "set", "--hours", "Mon-Fri 17:00-09:00"), 4),
        (("policy", "set", "P3", "--respond", "soon"), 4),
        (("policy", "set", "P3", "--resolve", "0h"), 4),
        (("policy", "set", "--at-risk", "150%"), 4),
        (("policy", "set", "P3", "--calendar", "weekdays"), 4),
        (("policy", "set", "--matrix", "high/low=P9"), 4),
        (("policy", "set", "--matrix", "high-low"), 4),
        (("policy", "set", "--respond", "2h"), 2),
        (("policy", "set", "P3"), 2),
        (("calendar", "holiday", "import", "--country", "XX", "--years", "2026"), 3),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value),
)
def test_bad_policy_and_calendar_input_is_refused(
    cli: Cli, args: tuple[str, ...], code: int
) -> None:
    result = cli(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr
    policy = cli.json("policy", "show")  # nothing changed
    assert policy["targets"] == DEFAULT_TARGETS
    assert policy["at_risk"] == 0.75
    assert policy["calendar"]["timezone"] == "UTC"
    assert policy["calendar"]["hours"] == "Mon-Fri 09:00-17:00"
    assert policy["calendar"]["holidays"] == []


def test_once_users_exist_only_an_admin_changes_policy_and_calendar(cli: Cli) -> None:
    ok(cli, "user", "add", "ada", "--role", "admin")
    ok(cli, "user", "add", "sam", "--role", "service-desk", actor="ada")
    for args in (
        ("policy", "set", "--at-risk", "50%"),
        ("policy", "set", "P3", "--respond", "2h"),
        ("policy", "set", "--matrix", "high/low=P2"),
        ("calendar", "set", "--timezone", "Europe/London"),
        ("calendar", "holiday", "add", "2026-12-24"),
        ("calendar", "holiday", "import", "--country", "GB", "--years", "2026"),
    ):
        refused = cli(*args, actor="sam")
        assert refused.exit_code == 5, (args, refused.stderr)
        assert "admin" in refused.stderr
    assert cli.json("policy", "show", actor="sam")["at_risk"] == 0.75  # reading is for all
    assert cli.json("policy", "set", "--at-risk", "50%", actor="ada")["at_risk"] == 0.5
