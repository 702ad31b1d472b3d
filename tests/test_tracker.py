"""The library, on real databases, with a fixed clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from inctrack.errors import NotFound, Rejected
from inctrack.incidents.queries import IncidentQuery

from .helpers import START, Desk


def test_log_records_everything_given_and_one_event(desk: Desk) -> None:
    desk.services("Exchange")
    record = desk(
        "log", "Email down", reporter="Bob Smith", reporter_contact="bob@example.com",
        description="Outlook cannot connect", channel="phone", service="Exchange",
        category="Email/Outlook", impact="high", urgency="2",
    )  # fmt: skip
    assert record["id"] == "INC-1"
    assert record["reporter"] == "Bob Smith"
    assert record["reporter_contact"] == "bob@example.com"
    assert (record["category"], record["subcategory"]) == ("email", "outlook")
    assert (record["impact"], record["urgency"], record["priority"]) == ("high", "medium", "P2")
    assert record["status"] == "new"
    assert record["logged_by"] == record["owner"] == "alice"
    assert record["reported_at"] == record["logged_at"] == "2026-11-20T09:00:00+00:00"
    assert [(e["kind"], e["actor"], e["message"]) for e in record["events"]] == [
        ("logged", "alice", "Email down")
    ]


def test_back_dated_report_keeps_both_times(desk: Desk) -> None:
    record = desk("log", "VPN flaky", at=START - timedelta(hours=2))
    assert record["reported_at"] == "2026-11-20T07:00:00+00:00"
    assert record["logged_at"] == "2026-11-20T09:00:00+00:00"
    event = record["events"][0]
    assert (event["at"], event["recorded_at"]) == (record["reported_at"], record["logged_at"])


def test_reporter_defaults_to_the_actor(desk: Desk) -> None:
    assert desk("log", "Monitor flickers", actor="carol")["reporter"] == "carol"


def test_a_rolled_back_log_leaves_no_gap_and_no_record(desk: Desk) -> None:
    assert desk("log", "one")["id"] == "INC-1"
    with pytest.raises(Rejected), desk.tracker() as tracker:
        tracker.log("rolled back")  # takes number 2 ...
        tracker.log("x", channel="fax")  # ... then the transaction fails
    assert desk("log", "two")["id"] == "INC-2"
    with desk.tracker(write=False) as tracker:
        assert [i.title for i in tracker.find()] == ["one", "two"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "  "}, "title is empty"),
        ({"title": "x" * 201}, "more than 200"),
        ({"title": "t", "channel": "fax"}, "not a channel"),
        ({"title": "t", "impact": "huge"}, "not a level"),
        ({"title": "t", "category": "a/b/c"}, "not a category"),
        ({"title": "t", "at": START + timedelta(hours=1)}, "in the future"),
    ],
)
def test_bad_input_is_rejected_and_nothing_is_written(
    desk: Desk, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(Rejected, match=message), desk.tracker() as tracker:
        tracker.log(**kwargs)  # type: ignore[arg-type]
    with desk.tracker(write=False) as tracker:
        assert tracker.find(IncidentQuery(include_closed=True)) == []
    assert desk("log", "after")["id"] == "INC-1"


def test_get_and_get_or_raise(desk: Desk) -> None:
    desk("log", "Email down")
    with desk.tracker(write=False) as tracker:
        assert tracker.get("inc-1") is not None
        assert tracker.get(7) is None
        with pytest.raises(NotFound, match="no incident INC-7"):
            tracker.get_or_raise("INC-7")


def test_list_sorts_untriaged_then_priority_then_oldest(desk: Desk) -> None:
    desk("log", "p3 old", impact="medium", urgency="medium", at=START - timedelta(hours=5))
    desk("log", "p1", impact="high", urgency="high", at=START - timedelta(hours=1))
    desk("log", "untriaged", at=START - timedelta(minutes=5))
    desk("log", "p3 new", impact="low", urgency="high", at=START - timedelta(hours=2))
    with desk.tracker(write=False) as tracker:
        assert [i.title for i in tracker.find()] == ["untriaged", "p1", "p3 old", "p3 new"]


def test_list_filters(desk: Desk) -> None:
    desk.services("Remote access 100%")
    desk("log", "Printer jam", description="floor 3", at=START - timedelta(days=2))
    desk("log", "VPN down", service="Remote access 100%", at=START - timedelta(hours=3))
    desk("log", "Email slow", reporter="Printer Pete")

    def titles(**kwargs: object) -> list[str]:
        with desk.tracker(write=False) as tracker:
            return sorted(i.title for i in tracker.find(IncidentQuery(**kwargs)))  # type: ignore[arg-type]

    assert titles(search="printer") == ["Email slow", "Printer jam"]
    assert titles(search="FLOOR 3") == ["Printer jam"]
    assert titles(search="100%") == ["VPN down"]
    with pytest.raises(Rejected, match="no word to look for"):  # the full-text index's words
        titles(search="_")
    assert titles(since=START - timedelta(days=1)) == ["Email slow", "VPN down"]
    assert titles(until=START - timedelta(hours=3)) == ["Printer jam"]
    assert titles(limit=1) == ["Printer jam"]


def test_events_cannot_be_changed_or_deleted_in_the_database(desk: Desk) -> None:
    desk("log", "Email down")
    for statement in ("UPDATE events SET kind = 'forged'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"), desk.tracker() as tracker:
            tracker.session.execute(text(statement))
    with desk.tracker(write=False) as tracker:
        incident = tracker.get_or_raise(1)
        assert [e.kind for e in tracker.events(incident)] == ["logged"]


def test_times_come_back_aware_in_utc(desk: Desk) -> None:
    desk("log", "Email down")
    with desk.tracker(write=False) as tracker:
        incident = tracker.get_or_raise(1)
        assert incident.reported_at == START
        assert incident.reported_at.utcoffset() == timedelta(0)
