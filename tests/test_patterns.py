"""`report patterns`: recurring incidents, with clusters worked out by hand.

The definition (docs/reports.md): per key, in time order, an incident a whole
window or more after the previous one starts a new island; an island is a
candidate when ``min`` of its incidents fall within less than one window of
the first of them. Library tests run at the fixed clock (Friday 2026-11-20
09:00 UTC); the command line runs on the system clock, so its histories are
back-dated to 2025 and every report names its --since and --until.
"""

from __future__ import annotations

import json
import random
import shlex
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inctrack.clock import FixedClock
from inctrack.errors import NotFound, Rejected
from inctrack.problems import patterns
from inctrack.problems.patterns import PatternQuery
from inctrack.problems.verbs import Problems
from inctrack.storage import Database

from .helpers import START, Cli, Desk

Row = tuple[str, str | None, str | None]
"""(when, service, category[/sub]) of one incident, logged in this order."""

MAIL = ("mail", "email/outlook")

WORKED_EXAMPLE: list[Row] = [
    ("2026-11-02 09:00", *MAIL),  # INC-1  Monday
    ("2026-11-04 10:00", *MAIL),  # INC-2  2 days 1 hour later
    ("2026-11-09 09:00", *MAIL),  # INC-3  exactly 7 days after INC-1: INC-1..3 is no burst
    ("2026-11-10 08:00", *MAIL),  # INC-4  INC-2..4 within 5 days 22 hours: a burst
    ("2026-11-17 08:00", *MAIL),  # INC-5  exactly 7 days after INC-4: a new island
    ("2026-11-18 08:00", *MAIL),  # INC-6  an island of two: no burst of three
    ("2026-11-05 12:00", "vpn", "network/vpn"),  # INC-7  another key, alone
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed(desk: Desk, rows: list[Row]) -> None:
    with desk.tracker() as tracker:
        for name in {"mail", "vpn", "x"} | {service for _, service, _ in rows if service}:
            if tracker.services.get(name) is None:  # registered before incidents name them
                tracker.services.add(name)
        for when, service, category in rows:
            tracker.log("call", at=utc(when), service=service, category=category)


def find(desk: Desk, **options: Any) -> list[tuple[Any, ...]]:
    """(number, key values, count, first, last, incidents) of each candidate."""
    options.setdefault("since", utc("2026-10-01 00:00"))
    with desk.tracker(write=False) as tracker:
        found = patterns.find(tracker.session, PatternQuery(**options), now=START)
    return [
        (p.number, tuple(v for _, v in p.key), p.count, p.first, p.last, p.incidents) for p in found
    ]


def test_the_worked_example(desk: Desk) -> None:
    seed(desk, WORKED_EXAMPLE)
    assert find(desk) == [
        (1, ("mail", "email", "outlook"), 4, utc("2026-11-02 09:00"), utc("2026-11-10 08:00"),
         (1, 2, 3, 4)),
    ]  # fmt: skip


def test_min_two_also_finds_the_island_of_two(desk: Desk) -> None:
    seed(desk, WORKED_EXAMPLE)
    found = find(desk, min_count=2)
    assert [(n, count, ids) for n, _, count, _, _, ids in found] == [
        (1, 4, (1, 2, 3, 4)),
        (2, 2, (5, 6)),
    ]


def test_a_burst_must_fit_in_less_than_one_window(desk: Desk) -> None:
    seed(desk, WORKED_EXAMPLE[:3])  # three incidents spanning exactly 7 days
    assert find(desk) == []
    assert [ids for *_, ids in find(desk, window=timedelta(days=7, seconds=1))] == [(1, 2, 3)]


def test_a_gap_of_exactly_one_window_splits_islands(desk: Desk) -> None:
    rows: list[Row] = [
        ("2026-11-01 09:00", *MAIL), ("2026-11-01 10:00", *MAIL), ("2026-11-01 11:00", *MAIL),
        ("2026-11-02 11:00", *MAIL),  # INC-4: exactly one day after INC-3
        ("2026-11-03 10:59", *MAIL),  # INC-5: one minute short of a day after INC-4
    ]  # fmt: skip
    seed(desk, rows)
    found = find(desk, window=timedelta(days=1), min_count=2)
    assert [(count, ids) for _, _, count, _, _, ids in found] == [(3, (1, 2, 3)), (2, (4, 5))]


def test_the_window_reaches_back_from_each_incident_not_from_the_island_start(
    desk: Desk,
) -> None:
    # A slow trickle, one every 6 days, then three in two days: one island of seven.
    days = ["01", "07", "13", "19", "25", "26", "27"]
    seed(desk, [(f"2026-10-{d} 09:00", *MAIL) for d in days])
    found = find(desk)
    assert [(count, first, last) for _, _, count, first, last, _ in found] == [
        (7, utc("2026-10-01 09:00"), utc("2026-10-27 09:00"))
    ]


def test_keys_nulls_and_by(desk: Desk) -> None:
    seed(desk, [
        ("2026-11-02 09:00", "mail", "email/outlook"),   # INC-1
        ("2026-11-02 10:00", None, "email/outlook"),     # INC-2  no service: its own key
        ("2026-11-02 11:00", None, "email/outlook"),     # INC-3
        ("2026-11-02 12:00", None, "email/outlook"),     # INC-4
        ("2026-11-02 13:00", None, None),                # INC-5  no key at all: ignored
        ("2026-11-02 14:00", None, None),                # INC-6
        ("2026-11-02 15:00", None, None),                # INC-7
        ("2026-11-02 16:00", "mail", "email"),           # INC-8  no subcategory
        ("2026-11-02 17:00", "mail", "email/outlook"),   # INC-9
    ])  # fmt: skip
    assert [(key, ids) for _, key, _, _, _, ids in find(desk)] == [
        ((None, "email", "outlook"), (2, 3, 4)),
    ]
    by_category = find(desk, by=("category",))
    assert [(key, ids) for _, key, _, _, _, ids in by_category] == [
        (("email",), (1, 2, 3, 4, 8, 9)),
    ]
    by_service = find(desk, by=("service",), min_count=2)
    assert [(key, ids) for _, key, _, _, _, ids in by_service] == [(("mail",), (1, 8, 9))]


def test_cancelled_incidents_and_duplicates_do_not_count(desk: Desk) -> None:
    seed(desk, [("2026-11-02 09:00", *MAIL), ("2026-11-02 10:00", *MAIL),
                ("2026-11-02 11:00", *MAIL), ("2026-11-02 12:00", *MAIL)])  # fmt: skip
    assert [ids for *_, ids in find(desk)] == [(1, 2, 3, 4)]
    desk("cancel", "INC-2", reason="logged twice")
    desk("link", "INC-3", duplicate_of="INC-1")
    assert find(desk) == []


def test_order_count_then_latest_then_key(desk: Desk) -> None:
    seed(desk, [
        ("2026-11-02 09:00", "b", None), ("2026-11-02 10:00", "b", None),  # INC-1, 2
        ("2026-11-03 09:00", "a", None), ("2026-11-03 10:00", "a", None),  # INC-3, 4
        ("2026-11-01 09:00", "c", None), ("2026-11-01 10:00", "c", None),  # INC-5, 6
        ("2026-11-01 11:00", "c", None),                                   # INC-7
        ("2026-11-02 09:00", "d", None), ("2026-11-02 10:00", "d", None),  # INC-8, 9
    ])  # fmt: skip
    found = find(desk, by=("service",), min_count=2)
    # c has the most; a is the latest of the pairs; b and d tie on last: by key.
    assert [(n, key) for n, key, *_ in found] == [(1, ("c",)), (2, ("a",)), (3, ("b",)),
                                                  (4, ("d",))]  # fmt: skip


def test_since_is_inclusive_until_exclusive_and_the_default_span(desk: Desk) -> None:
    seed(desk, WORKED_EXAMPLE)
    # From INC-2 on, INC-2..4 still make the burst; up to (not including) INC-4 nothing does.
    assert [ids for *_, ids in find(desk, since=utc("2026-11-04 10:00"))] == [(2, 3, 4)]
    assert find(desk, until=utc("2026-11-10 08:00")) == []
    assert [ids for *_, ids in find(desk, until=utc("2026-11-10 08:00:01"))] == [(1, 2, 3, 4)]
    # Without --since: the 90 days before now (2026-08-22 09:00 on).
    desk("log", "old", at=utc("2026-08-22 08:59"), service="x")
    desk("log", "old", at=utc("2026-08-22 09:00"), service="x")
    desk("log", "old", at=utc("2026-08-22 09:01"), service="x")
    desk("log", "old", at=utc("2026-08-22 09:02"), service="x")
    with desk.tracker(write=False) as tracker:
        found = patterns.find(tracker.session, PatternQuery(by=("service",)), now=START)
    assert [(p.key, p.incidents) for p in found] == [
        ((("service", "mail"),), (1, 2, 3, 4)),
        ((("service", "x"),), (9, 10, 11)),
    ]


def test_linked_incidents_are_marked_and_unlinked_hides_done_ones(desk: Desk) -> None:
    seed(desk, WORKED_EXAMPLE)
    with desk.tracker() as tracker:
        Problems(tracker).create("Outlook drops", incidents=["INC-2"])
        Problems(tracker).create("Outlook, again", incidents=["INC-5", "INC-6"])
    with desk.tracker(write=False) as tracker:
        query = PatternQuery(since=utc("2026-10-01 00:00"), min_count=2)
        found = patterns.find(tracker.session, query, now=START)
        unlinked = patterns.find(tracker.session, replace(query, unlinked=True), now=START)
    assert [(p.number, p.links, p.problems) for p in found] == [
        (1, ((2, 1),), (1,)),
        (2, ((5, 2), (6, 2)), (2,)),
    ]
    assert [p.number for p in unlinked] == [1]  # numbers stay those of the full report


def test_get_or_raise_names_the_candidate_or_says_how_many(desk: Desk) -> None:
    seed(desk, WORKED_EXAMPLE)
    query = PatternQuery(since=utc("2026-10-01 00:00"))
    with desk.tracker(write=False) as tracker:
        assert patterns.get_or_raise(tracker.session, query, 1, now=START).incidents == (1, 2, 3, 4)
        with pytest.raises(NotFound, match=r"no pattern #2 with these options \(1 found\)"):
            patterns.get_or_raise(tracker.session, query, 2, now=START)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": timedelta(0)}, "must be positive"),
        ({"min_count": 1}, "at least 2"),
        ({"by": ("service", "colour")}, "'colour' is not a pattern key"),
        ({"since": START, "until": START - timedelta(days=1)}, "--since must be before"),
    ],
)
def test_bad_options_are_rejected(desk: Desk, options: dict[str, Any], message: str) -> None:
    with desk.tracker(write=False) as tracker, pytest.raises(Rejected, match=message):
        patterns.find(tracker.session, PatternQuery(**options), now=START)


def test_parse_by_keeps_the_order_given_and_drops_repeats() -> None:
    assert patterns.parse_by("Category, service,category") == ("category", "service")
    assert patterns.parse_by("group,channel") == ("group", "channel")
    with pytest.raises(Rejected, match="at least one"):
        patterns.parse_by(" ")


# -- the same on both databases: a reference implementation, by brute force ----------


def reference(
    rows: list[tuple[int, datetime, str | None, str | None]], window: timedelta, m: int
) -> list[tuple[tuple[str | None, str | None], tuple[int, ...]]]:
    """Islands with a burst, straight from the definition; in the report's order."""
    by_key: dict[tuple[str | None, str | None], list[tuple[datetime, int]]] = {}
    for number, when, service, category in rows:
        if service is None and category is None:
            continue
        by_key.setdefault((service, category), []).append((when, number))
    found = []
    for key, items in by_key.items():
        items.sort()
        islands: list[list[tuple[datetime, int]]] = []
        for item in items:
            if islands and item[0] - islands[-1][-1][0] < window:
                islands[-1].append(item)
            else:
                islands.append([item])
        for island in islands:
            times = [t for t, _ in island]
            if any(times[i + m - 1] - times[i] < window for i in range(len(times) - m + 1)):
                found.append((key, island))

    def order(f: tuple[Any, list[tuple[datetime, int]]]) -> tuple[Any, ...]:
        nulls_first = tuple((v is not None, v or "") for v in f[0])
        return (-len(f[1]), -f[1][-1][0].timestamp(), nulls_first, f[1][0][0])

    found.sort(key=order)
    return [(key, tuple(sorted(n for _, n in island))) for key, island in found]


@pytest.mark.parametrize("seed_value", [1, 2, 3])
def test_random_desks_match_the_definition(desk: Desk, seed_value: int) -> None:
    """Runs on SQLite and on PostgreSQL (db_url): both must give the reference answer."""
    rng = random.Random(seed_value)
    start = utc("2026-09-01 00:00")
    services, categories = ["mail", "vpn", None], ["email", "network", None]
    rows = []
    desk.services("mail", "vpn")
    with desk.tracker() as tracker:
        for number in range(1, 161):
            # whole hours, so that gaps of exactly one window (48h) happen
            when = start + timedelta(hours=rng.randrange(60 * 24))
            service, category = rng.choice(services), rng.choice(categories)
            tracker.log("call", at=when, service=service, category=category)
            rows.append((number, when, service, category))
    window, m = timedelta(hours=48), 3
    expected = reference(rows, window, m)
    assert len(expected) > 5  # the data has something to find
    found = find(desk, window=window, min_count=m, by=("service", "category"),
                 since=start)  # fmt: skip
    assert [(key, ids) for _, key, _, _, _, ids in found] == expected
    assert [n for n, *_ in found] == list(range(1, len(expected) + 1))


# -- the command line ------------------------------------------------------------------

CLI_ROWS = [
    ("2025-11-03 09:00", "mail", "email/outlook"),  # INC-1
    ("2025-11-05 10:00", "mail", "email/outlook"),  # INC-2
    ("2025-11-10 09:00", "mail", "email/outlook"),  # INC-3
    ("2025-11-11 08:00", "mail", "email/outlook"),  # INC-4
    ("2025-11-12 08:00", "vpn", "network/vpn"),  # INC-5
    ("2025-11-12 09:00", "vpn", "network/vpn"),  # INC-6
]
SPAN = ("--since", "2025-10-01", "--until", "2025-12-01")


def cli_seed(cli: Cli) -> None:
    cli.services("mail", "vpn")
    for when, service, category in CLI_ROWS:
        result = cli("log", "call", "--service", service, "--category", category, "--at", when,
                     "-q")  # fmt: skip
        assert result.exit_code == 0, result.stderr


def test_cli_json_rows(cli: Cli) -> None:
    cli_seed(cli)
    assert cli("link", "INC-2", "--problem", "PRB-1").exit_code == 3  # no such problem yet
    assert cli("problem", "create", "Outlook drops", "--incidents", "INC-2", "-q").exit_code == 0
    rows = cli.json("report", "patterns", *SPAN, "--min", "2")
    assert rows == [
        {
            "number": 1, "key": {"service": "mail", "category": "email", "subcategory": "outlook"},
            "label": "mail · email/outlook", "count": 4,
            "first": "2025-11-03T09:00:00+00:00", "last": "2025-11-11T08:00:00+00:00",
            "incidents": ["INC-1", "INC-2", "INC-3", "INC-4"], "linked": 1,
            "problems": ["PRB-1"], "linked_incidents": [{"id": "INC-2", "problem": "PRB-1"}],
        },
        {
            "number": 2, "key": {"service": "vpn", "category": "network", "subcategory": "vpn"},
            "label": "vpn · network/vpn", "count": 2,
            "first": "2025-11-12T08:00:00+00:00", "last": "2025-11-12T09:00:00+00:00",
            "incidents": ["INC-5", "INC-6"], "linked": 0, "problems": [], "linked_incidents": [],
        },
    ]  # fmt: skip


def test_cli_table_marks_linked_incidents(cli: Cli) -> None:
    cli_seed(cli)
    cli("problem", "create", "Outlook drops", "--incidents", "INC-2", "-q")
    result = cli("report", "patterns", *SPAN)
    assert result.exit_code == 0, result.stderr
    assert "#1" in result.stdout
    assert "mail · email/outlook" in result.stdout
    assert "1: PRB-1" in result.stdout
    assert "INC-1, INC-2*, INC-3, INC-4" in result.stdout
    assert "INC-5" not in result.stdout  # two vpn calls are no pattern of three


def test_cli_table_prints_the_create_command_with_the_span_pinned(db_url: str) -> None:
    clock = FixedClock(datetime(2026, 11, 27, 12, 0, 0, 250_000, tzinfo=UTC))
    Database.init(db_url)
    cli = Cli(db_url, clock=clock)
    cli_seed(cli)
    # --window 3d --min 2: the mail calls are two islands, INC-1/INC-2 and INC-3/INC-4;
    # with vpn's INC-5/INC-6 (the latest) first: #1 vpn, #2 INC-3/INC-4, #3 INC-1/INC-2.
    options = ("--since", "2025-10-01", "--window", "3d", "--min", "2")
    result = cli("report", "patterns", *options)
    assert result.exit_code == 0, result.stderr
    caption = " ".join(result.stdout.split("Record #N as a problem: ", 1)[1].split())
    words = shlex.split(caption)
    assert words == [
        "inctrack", "problem", "create", "TITLE", "--from-pattern", "N",
        "--window", "3d", "--min", "2",
        "--since", "2025-10-01T00:00+00:00",  # the test time zone is UTC
        "--until", "2026-11-27T12:00:01+00:00",  # now, rounded up to a whole second
    ]  # fmt: skip
    # A minute later two vpn calls come in: an island of their own, the latest, so a
    # report without --until now numbers it #1 and moves INC-3/INC-4 to #3 ...
    clock.advance(timedelta(minutes=1))
    for _ in range(2):
        assert cli("log", "call", "--service", "vpn", "--category", "network/vpn").exit_code == 0
    moved = cli.json("report", "patterns", *options)
    assert [r["incidents"] for r in moved] == [
        ["INC-7", "INC-8"], ["INC-5", "INC-6"], ["INC-3", "INC-4"], ["INC-1", "INC-2"]
    ]  # fmt: skip
    # ... but the printed command still means what the table showed.
    argv = [{"TITLE": "Outlook drops", "N": "2"}.get(word, word) for word in words[3:]]
    created = cli.json("problem", "create", *argv)
    assert [i["id"] for i in created["incidents"]] == ["INC-3", "INC-4"]


def test_cli_csv_columns_follow_by(cli: Cli) -> None:
    cli_seed(cli)
    result = cli("report", "patterns", *SPAN, "--by", "category", "--min", "2", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "number,key_category,label,count,first,last,linked,problems,incidents",
        "1,email,email,4,2025-11-03T09:00:00+00:00,2025-11-11T08:00:00+00:00,0,,"
        '"INC-1,INC-2,INC-3,INC-4"',
        '2,network,network,2,2025-11-12T08:00:00+00:00,2025-11-12T09:00:00+00:00,0,,"INC-5,INC-6"',
    ]


def test_cli_nothing_found_and_limit(cli: Cli) -> None:
    cli_seed(cli)
    empty = cli("report", "patterns", "--since", "2025-01-01", "--until", "2025-02-01")
    assert (empty.exit_code, empty.stdout.strip()) == (0, "No recurring incidents found.")
    assert cli.json("report", "patterns", "--since", "2025-01-01", "--until", "2025-02-01") == []
    limited = cli("report", "patterns", *SPAN, "--min", "2", "-L", "1", "-f", "json")
    assert [r["number"] for r in json.loads(limited.stdout)] == [1]
    assert "Showing the first 1" in limited.stderr


@pytest.mark.parametrize(
    ("args", "code", "phrase"),
    [
        (("--window", "0d"), 4, "must be positive"),
        (("--window", "soon"), 4, "not a duration"),
        (("--by", "colour"), 4, "not a pattern key"),
        (("--min", "1"), 2, "--min"),
        (("--since", "2025-12-01", "--until", "2025-11-01"), 4, "--since must be before"),
    ],
)
def test_cli_bad_options(cli: Cli, args: tuple[str, ...], code: int, phrase: str) -> None:
    result = cli("report", "patterns", *args)
    assert (result.exit_code, result.stdout) == (code, "")
    assert phrase in result.stderr
    assert "Traceback" not in result.stderr
