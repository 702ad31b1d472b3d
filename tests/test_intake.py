"""log --batch and --dedup-key: JSON lines in, all or nothing, repeats counted not twinned."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inctrack.errors import NotFound, Rejected
from inctrack.incidents.requests import LogRequest, parse_batch

from .helpers import START, Cli, Desk


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _lines(*objects: object) -> bytes:
    return "".join(json.dumps(o) + "\n" for o in objects).encode("utf-8")


# -- parsing (no database) -----------------------------------------------------------


def test_parse_numbers_lines_and_skips_blank_ones() -> None:
    data = b'{"title": "one"}\n\n   \n{"title": "two", "impact": 1, "urgency": "low"}\r\n'
    parsed = parse_batch(data, when=_iso)
    assert [(n, r.title) for n, r in parsed] == [(1, "one"), (4, "two")]
    assert (parsed[1][1].impact, parsed[1][1].urgency) == ("1", "low")


def test_parse_reads_every_key() -> None:
    line = {
        "title": "VPN down", "reporter": "Ann", "contact": "ann@example.com",
        "description": "since 9", "reported_at": "2026-11-20T08:30:00Z", "channel": "email",
        "service": "vpn", "category": "network/vpn", "impact": "high", "urgency": 2,
        "dedup_key": "vpn-gw1", "template": "vpn",
    }  # fmt: skip
    [(number, request)] = parse_batch(_lines(line), when=_iso)
    assert number == 1
    assert request == LogRequest(
        title="VPN down", reporter="Ann", contact="ann@example.com", description="since 9",
        reported_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC), channel="email",
        service="vpn", category="network/vpn", impact="high", urgency="2",
        dedup_key="vpn-gw1", template="vpn",
    )  # fmt: skip


def test_parse_null_means_not_given() -> None:
    [(_, request)] = parse_batch(b'{"title": "x", "service": null}', when=_iso)
    assert request == LogRequest(title="x")


def test_parse_tolerates_a_byte_order_mark() -> None:
    parsed = parse_batch(b'\xef\xbb\xbf{"title": "caf\xc3\xa9"}\n', when=_iso)
    assert [r.title for _, r in parsed] == ["café"]


def test_parse_empty_input_is_an_empty_batch() -> None:
    assert parse_batch(b"", when=_iso) == []
    assert parse_batch(b"\n\n", when=_iso) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{"title": "a"}\n{"title": "b"}\n{"title": "c",}\n',
            "Line 3 of the batch is not valid JSON",
        ),
        (b'{"title": "a"}\n{"title": "caf\xe9"}\n', "Line 2 of the batch is not UTF-8 (byte 0xe9"),
        (b'{"titel": "a"}', "Line 1 of the batch has an unknown key 'titel'"),
        (b'{"title": "a", "priority": "P1"}', "unknown key 'priority'"),
        (b'["title", "a"]', "Line 1 of the batch is not a JSON object"),
        (b'{"title": 42}', "has 'title' as a number, not a string"),
        (b'{"title": "a", "impact": ["high"]}', "has 'impact' as a list"),
        (b'{"title": "a", "urgency": true}', "has 'urgency' as true/false"),
        (b'{"title": "a", "title": "b"}', "has the key 'title' twice"),
        (b'{"title": "a", "reported_at": "soonish"}', "Line 1 of the batch was refused"),
    ],
)
def test_parse_names_the_bad_line(data: bytes, expected: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse_batch(data, when=lambda text: _when_strict(text))
    assert expected in caught.value.message
    assert "nothing was logged" in caught.value.message
    assert caught.value.exit_code == 4


def _when_strict(text: str) -> datetime:
    from inctrack.cli.timeparse import parse_when

    return parse_when(text, now=START, tz=UTC)


def test_parse_suggests_the_key_meant() -> None:
    with pytest.raises(Rejected, match="did you mean title"):
        parse_batch(b'{"titel": "a"}', when=_iso)


# -- the library: batches -------------------------------------------------------------


def _batch(desk: Desk, data: bytes, actor: str = "alice") -> list[tuple[str, bool]]:
    with desk.tracker(actor) as tracker:
        results = tracker.intake.log_batch(parse_batch(data, when=_iso))
        return [(r.id, r.created) for r in results]


def _all(desk: Desk) -> list[dict[str, object]]:
    from inctrack.incidents.queries import IncidentQuery

    with desk.tracker(write=False) as tracker:
        found = tracker.find(IncidentQuery(include_closed=True))
        return [tracker.record(i, with_events=True) for i in sorted(found, key=lambda i: i.id)]


def test_a_batch_logs_every_line_in_order(desk: Desk) -> None:
    data = _lines(
        {"title": "Printer jam", "category": "hardware/printer", "impact": "low",
         "urgency": "medium", "reporter": "Ann"},
        {"title": "VPN down", "impact": 1, "urgency": 1, "channel": "monitoring",
         "reported_at": "2026-11-20T08:15:00Z"},
        {"title": "Password reset", "contact": "bo@example.com", "description": "locked out"},
    )  # fmt: skip
    assert _batch(desk, data) == [("INC-1", True), ("INC-2", True), ("INC-3", True)]
    first, second, third = _all(desk)
    assert (first["title"], first["category"], first["subcategory"]) == (
        "Printer jam", "hardware", "printer",
    )  # fmt: skip
    assert (first["priority"], first["reporter"], first["logged_by"]) == ("P4", "Ann", "alice")
    assert (second["priority"], second["channel"]) == ("P1", "monitoring")
    assert second["reported_at"] == "2026-11-20T08:15:00+00:00"
    assert second["logged_at"] == "2026-11-20T09:00:00+00:00"
    assert (third["reporter"], third["reporter_contact"]) == ("alice", "bo@example.com")
    assert third["description"] == "locked out"
    for record in (first, second, third):
        assert [(e["kind"], e["message"]) for e in record["events"]] == [
            ("logged", record["title"])
        ]
        assert record["occurrences"] == 1


def test_numbers_continue_after_a_batch(desk: Desk) -> None:
    desk("log", "before")
    _batch(desk, _lines({"title": "a"}, {"title": "b"}))
    assert desk("log", "after")["id"] == "INC-4"


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ({"title": "x", "category": "network/vpm"}, "there is no category network/vpm; did you "),
        ({"title": "x", "category": "network/vpn/gw"}, "is not a category"),
        ({"title": "x", "impact": "huge"}, "'huge' is not a level"),
        ({"title": "x", "channel": "fax"}, "'fax' is not a channel"),
        ({"title": "   "}, "The title is empty"),
        ({"reporter": "Ann"}, "The line has no title"),
        ({"title": "x", "template": "nope"}, "There is no template 'nope'"),
        ({"title": "x", "reported_at": "2026-11-20T10:00:00Z"}, "is in the future"),
        ({"title": "x", "dedup_key": "k" * 201}, "more than 200"),
    ],
)
def test_one_bad_line_rejects_the_batch_and_writes_nothing(
    desk: Desk, bad_line: dict[str, str], expected: str
) -> None:
    data = _lines({"title": "fine", "dedup_key": "k1"}, bad_line, {"title": "also fine"})
    with pytest.raises(Rejected) as caught:
        _batch(desk, data)
    message = caught.value.message
    assert message.startswith("Line 2 of the batch was refused, so nothing was logged: ")
    assert expected.lower() in message.lower()
    assert caught.value.exit_code == 4  # even for an unknown category (3 on its own)
    assert _all(desk) == []
    assert desk("log", "next")["id"] == "INC-1"  # the batch gave its numbers back


def test_an_empty_batch_logs_nothing(desk: Desk) -> None:
    assert _batch(desk, b"") == []
    assert _all(desk) == []


def test_batch_defaults_fill_what_a_line_leaves_out(desk: Desk) -> None:
    lines = parse_batch(_lines({"title": "a"}, {"title": "b", "channel": "email"}), when=_iso)
    desk.services("db01")
    with desk.tracker() as tracker:
        tracker.intake.log_batch(lines, defaults=LogRequest(channel="monitoring", service="db01"))
    assert [(r["channel"], r["service"]) for r in _all(desk)] == [
        ("monitoring", "db01"), ("email", "db01"),
    ]  # fmt: skip


def test_a_batch_needs_the_log_permission(desk: Desk) -> None:
    from inctrack.errors import PermissionDenied

    with desk.tracker("root") as tracker:
        tracker.users.add("root", roles=["admin"])
    with pytest.raises(PermissionDenied, match="Logging an incident needs"):
        _batch(desk, _lines({"title": "a"}), actor="root")


# -- the library: dedup keys ---------------------------------------------------------


def _log(desk: Desk, request: LogRequest, actor: str = "alice") -> tuple[str, bool]:
    with desk.tracker(actor) as tracker:
        logged = tracker.intake.log(request)
        return logged.id, logged.created


def test_a_repeat_of_an_open_incident_counts_an_occurrence(desk: Desk) -> None:
    assert _log(desk, LogRequest(title="Disk full", dedup_key="disk-db01")) == ("INC-1", True)
    desk.clock.advance(timedelta(minutes=5))
    again = LogRequest(title="Disk still full", dedup_key="disk-db01", reporter="nagios")
    assert _log(desk, again, actor="bot") == ("INC-1", False)
    desk.clock.advance(timedelta(minutes=5))
    assert _log(desk, LogRequest(title="Disk full", dedup_key="disk-db01")) == ("INC-1", False)
    [incident] = _all(desk)
    assert (incident["title"], incident["occurrences"], incident["dedup_key"]) == (
        "Disk full", 3, "disk-db01",
    )  # fmt: skip
    assert incident["updated_at"] == "2026-11-20T09:10:00+00:00"
    events = [(e["kind"], e["field"], e["old"], e["new"], e["actor"], e["at"], e["message"])
              for e in incident["events"]]  # fmt: skip
    assert events == [
        ("logged", None, None, None, "alice", "2026-11-20T09:00:00+00:00", "Disk full"),
        ("occurred", "occurrences", "1", "2", "bot", "2026-11-20T09:05:00+00:00",
         "reported again by nagios at 2026-11-20T09:05:00+00:00"),
        ("occurred", "occurrences", "2", "3", "alice", "2026-11-20T09:10:00+00:00",
         "reported again by alice at 2026-11-20T09:10:00+00:00"),
    ]  # fmt: skip


def test_different_keys_and_no_key_make_separate_incidents(desk: Desk) -> None:
    assert _log(desk, LogRequest(title="a", dedup_key="k1"))[0] == "INC-1"
    assert _log(desk, LogRequest(title="a", dedup_key="k2"))[0] == "INC-2"
    assert _log(desk, LogRequest(title="a"))[0] == "INC-3"
    assert _log(desk, LogRequest(title="a"))[0] == "INC-4"
    assert _log(desk, LogRequest(title="a", dedup_key="K1"))[0] == "INC-5"  # keys are exact


def test_repeats_fold_into_in_progress_and_on_hold_incidents(desk: Desk) -> None:
    _log(desk, LogRequest(title="a", dedup_key="k"))
    desk("respond", "INC-1", "looking")
    assert _log(desk, LogRequest(title="a", dedup_key="k")) == ("INC-1", False)
    desk("hold", "INC-1", "awaiting-vendor")
    assert _log(desk, LogRequest(title="a", dedup_key="k")) == ("INC-1", False)
    [incident] = _all(desk)
    assert (incident["status"], incident["occurrences"]) == ("on_hold", 3)


@pytest.mark.parametrize("finish", ["resolved", "closed", "cancelled"])
def test_a_finished_incident_does_not_absorb_repeats(desk: Desk, finish: str) -> None:
    _log(desk, LogRequest(title="Disk full", dedup_key="disk"))
    if finish == "cancelled":
        desk("cancel", "INC-1", reason="logged in error")
    else:
        desk("respond", "INC-1", "on it")
        desk("resolve", "INC-1", code="fixed", note="cleaned up")
        if finish == "closed":
            desk("close", "INC-1", confirmed_by="Ann")
    assert _log(desk, LogRequest(title="Disk full", dedup_key="disk")) == ("INC-2", True)
    assert _log(desk, LogRequest(title="Disk full", dedup_key="disk")) == ("INC-2", False)
    first, second = _all(desk)
    assert (first["status"], first["occurrences"]) == (finish, 1)
    assert (second["status"], second["occurrences"]) == ("new", 2)


def test_a_repeat_dated_before_the_last_change_keeps_the_timeline_forward(desk: Desk) -> None:
    _log(desk, LogRequest(title="Disk full", dedup_key="disk"))
    desk.clock.advance(timedelta(minutes=30))
    desk("note", "INC-1", "looking")  # last change: 09:30
    early = datetime(2026, 11, 20, 9, 10, tzinfo=UTC)
    _log(desk, LogRequest(title="Disk full", dedup_key="disk", reported_at=early, reporter="zbx"))
    [incident] = _all(desk)
    last = incident["events"][-1]
    assert (last["kind"], last["at"]) == ("occurred", "2026-11-20T09:30:00+00:00")
    assert last["message"] == "reported again by zbx at 2026-11-20T09:10:00+00:00"


def test_a_repeat_in_the_future_is_rejected(desk: Desk) -> None:
    _log(desk, LogRequest(title="Disk full", dedup_key="disk"))
    future = START + timedelta(hours=1)
    with pytest.raises(Rejected, match="is in the future"):
        _log(desk, LogRequest(title="Disk full", dedup_key="disk", reported_at=future))
    assert _all(desk)[0]["occurrences"] == 1


def test_a_repeat_is_validated_like_any_log(desk: Desk) -> None:
    _log(desk, LogRequest(title="Disk full", dedup_key="disk"))
    with pytest.raises(NotFound, match="no category"):
        _log(desk, LogRequest(title="Disk full", dedup_key="disk", category="nope"))
    assert _all(desk)[0]["occurrences"] == 1


def test_repeats_within_one_batch_fold_too(desk: Desk) -> None:
    _log(desk, LogRequest(title="old", dedup_key="seen"))
    data = _lines(
        {"title": "Disk full", "dedup_key": "disk", "reported_at": "2026-11-20T08:00:00Z"},
        {"title": "CPU high", "dedup_key": "cpu"},
        {"title": "Disk full", "dedup_key": "disk", "reporter": "zbx",
         "reported_at": "2026-11-20T08:01:00Z"},
        {"title": "seen again", "dedup_key": "seen"},
        {"title": "Disk full", "dedup_key": "disk", "reported_at": "2026-11-20T07:59:00Z"},
        {"title": "no key"},
    )  # fmt: skip
    assert _batch(desk, data) == [
        ("INC-2", True), ("INC-3", True), ("INC-2", False), ("INC-1", False), ("INC-2", False),
        ("INC-4", True),
    ]  # fmt: skip
    old, disk, cpu, plain = _all(desk)
    assert [r["occurrences"] for r in (old, disk, cpu, plain)] == [2, 3, 1, 1]
    assert [(e["kind"], e["at"], e["message"]) for e in disk["events"]] == [
        ("logged", "2026-11-20T08:00:00+00:00", "Disk full"),
        ("occurred", "2026-11-20T08:01:00+00:00",
         "reported again by zbx at 2026-11-20T08:01:00+00:00"),
        # reported at 07:59, before the last change (08:01): dated 08:01, the message keeps 07:59
        ("occurred", "2026-11-20T08:01:00+00:00",
         "reported again by alice at 2026-11-20T07:59:00+00:00"),
    ]  # fmt: skip
    assert disk["updated_at"] == "2026-11-20T08:01:00+00:00"


# -- the command line ---------------------------------------------------------------


def _write(tmp_path: Path, data: bytes, name: str = "batch.jsonl") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _count(cli: Cli) -> int:
    return len(cli.json("list", "--all", "--limit", "0"))


def test_cli_batch_prints_ids_in_input_order(cli: Cli, tmp_path: Path) -> None:
    data = _lines(
        {"title": "one", "dedup_key": "k"},
        {"title": "two"},
        {"title": "one again", "dedup_key": "k"},
    )
    result = cli("log", "--batch", _write(tmp_path, data), "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "INC-1\nINC-2\nINC-1\n", "")


def test_cli_batch_json_is_an_array_of_records(cli: Cli, tmp_path: Path) -> None:
    data = _lines({"title": "one", "impact": "high", "urgency": "low"}, {"title": "two"})
    records = cli.json("log", "--batch", _write(tmp_path, data))
    assert [(r["id"], r["title"], r["priority"], r["status"]) for r in records] == [
        ("INC-1", "one", "P3", "new"), ("INC-2", "two", None, "new"),
    ]  # fmt: skip
    assert "events" not in records[0]


def test_cli_batch_table_lists_them(cli: Cli, tmp_path: Path) -> None:
    result = cli("log", "--batch", _write(tmp_path, _lines({"title": "Printer on fire"})))
    assert result.exit_code == 0, result.stderr
    assert "INC-1" in result.stdout
    assert "Printer on fire" in result.stdout


def test_cli_batch_from_stdin(cli: Cli) -> None:
    data = '{"title": "from a pipe"}\n{"title": "second"}\n'
    result = cli("log", "--batch", "-", "-q", input=data)
    assert (result.exit_code, result.stdout) == (0, "INC-1\nINC-2\n")
    assert cli.json("show", "2")["title"] == "second"


def test_cli_batch_with_a_bom_and_crlf(cli: Cli, tmp_path: Path) -> None:
    data = '\ufeff{"title": "Café"}\r\n{"title": "Zoë"}\r\n'.encode()
    result = cli("log", "--batch", _write(tmp_path, data), "-q")
    assert (result.exit_code, result.stdout) == (0, "INC-1\nINC-2\n")
    assert [r["title"] for r in cli.json("list")] == ["Café", "Zoë"]


def test_cli_batch_options_are_defaults_for_each_line(cli: Cli, tmp_path: Path) -> None:
    data = _lines({"title": "a"}, {"title": "b", "channel": "email", "impact": "low"})
    records = cli.json(
        "log", "--batch", _write(tmp_path, data), "--channel", "monitoring",
        "--impact", "high", "--urgency", "high", "--at", "2026-11-20T07:00:00Z",
    )  # fmt: skip
    assert [(r["channel"], r["priority"], r["reported_at"]) for r in records] == [
        ("monitoring", "P1", "2026-11-20T07:00:00+00:00"),
        ("email", "P3", "2026-11-20T07:00:00+00:00"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{"title": "a"}\n{"title": "b"}\n{"title": "c" "x"}\n',
            "Line 3 of the batch is not valid",
        ),
        (
            b'{"title": "a"}\n{"title": "b", "prio": "P1"}\n',
            "Line 2 of the batch has an unknown key",
        ),
        (
            b'{"title": "a", "category": "hardware/printr"}\n',
            "Line 1 of the batch was refused, so nothing was logged: there is no category",
        ),
        (b'{"title": "ok"}\n{"title": "Ren\xe9"}\n', "Line 2 of the batch is not UTF-8"),
        (b'{"title": "a", "impact": 5}\n', "'5' is not a level"),
    ],
)
def test_cli_bad_batch_exits_4_and_writes_nothing(
    cli: Cli, tmp_path: Path, data: bytes, expected: str
) -> None:
    result = cli("log", "--batch", _write(tmp_path, data), "-q")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert expected in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert _count(cli) == 0


def test_cli_empty_batch_succeeds_quietly(cli: Cli, tmp_path: Path) -> None:
    empty = _write(tmp_path, b"")
    assert (cli("log", "--batch", empty, "-q").stdout, cli("log", "--batch", empty).stdout) == (
        "", "",
    )  # fmt: skip
    assert cli.json("log", "--batch", empty) == []


def test_cli_batch_usage_errors(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path, _lines({"title": "a"}))
    both = cli("log", "A title", "--batch", path)
    assert both.exit_code == 2
    assert "not both" in both.stderr
    missing = cli("log", "--batch", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2
    assert "Cannot read the batch file" in missing.stderr
    stdin_twice = cli("log", "--batch", "-", "-d", "-", input="")
    assert stdin_twice.exit_code == 2
    assert _count(cli) == 0


def test_cli_dedup_key_prints_the_existing_incident(cli: Cli) -> None:
    assert cli("log", "Disk full", "--dedup-key", "disk-db01", "-q").stdout == "INC-1\n"
    repeat = cli("log", "Disk full", "--dedup-key", "disk-db01", "-q", actor="zabbix")
    assert (repeat.exit_code, repeat.stdout, repeat.stderr) == (0, "INC-1\n", "")
    record = cli.json("log", "Disk full", "--dedup-key", "disk-db01")
    assert (record["id"], record["occurrences"], record["dedup_key"]) == ("INC-1", 3, "disk-db01")
    table = cli("log", "Disk full", "--dedup-key", "disk-db01")
    assert "INC-1" in table.stdout
    assert "is open with the dedup key 'disk-db01'; this was occurrence 4" in table.stderr
    shown = cli.json("show", "INC-1")
    assert [(e["kind"], e["actor"], e["old"], e["new"]) for e in shown["events"][:2]] == [
        ("logged", "tester", None, None), ("occurred", "zabbix", "1", "2"),
    ]  # fmt: skip
    assert shown["events"][1]["message"].startswith("reported again by zabbix at ")
    assert _count(cli) == 1


def test_cli_closed_incident_with_the_key_gets_a_new_one(cli: Cli) -> None:
    cli("log", "Disk full", "--dedup-key", "disk", "-q")
    cli("respond", "1", "on it", "-q")
    cli("resolve", "1", "--code", "fixed", "--note", "cleaned", "-q")
    cli("close", "1", "--confirmed-by", "Ann", "-q")
    assert cli("log", "Disk full", "--dedup-key", "disk", "-q").stdout == "INC-2\n"
    assert cli("log", "Disk full", "--dedup-key", "disk", "-q").stdout == "INC-2\n"
    assert [(r["id"], r["occurrences"]) for r in cli.json("list", "--all")] == [
        ("INC-1", 1), ("INC-2", 2),
    ]  # fmt: skip


WRITERS = 4
EACH = 5


def _repeat_alert(target: str, writer: int) -> list[int]:
    from inctrack.clock import SystemClock
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage import Database

    database = Database.open(target)
    numbers = []
    for _ in range(EACH):
        with database.transaction() as session:
            tracker = Tracker(session, clock=SystemClock(), actor=f"monitor{writer}")
            request = LogRequest(title="Disk full on db01", dedup_key="disk-db01")
            numbers.append(tracker.intake.log(request).number)
    database.dispose()
    return numbers


@pytest.mark.slow
def test_concurrent_repeats_make_one_incident(db_url: str) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        results = pool.starmap(_repeat_alert, [(db_url, w) for w in range(WRITERS)])
    assert {n for numbers in results for n in numbers} == {1}
    from inctrack.clock import SystemClock
    from inctrack.incidents.tracker import Tracker
    from inctrack.storage import Database

    database = Database.open(db_url)
    with database.transaction(write=False) as session:
        tracker = Tracker(session, clock=SystemClock(), actor="check")
        record = tracker.record(tracker.get_or_raise(1), with_events=True)
        assert tracker.get(2) is None
    database.dispose()
    assert record["occurrences"] == WRITERS * EACH
    assert [e["new"] for e in record["events"][1:]] == [str(n) for n in range(2, 21)]
