"""Trend, MTTR and backlog reports, through the library and the command line.

Every expected figure was worked out by hand from the scenario next to it
(the clock stands at Friday 2026-11-20 09:00 UTC; incidents are back-dated
with ``at=``), never by asking the code under test. The default policy
applies: P1 15m/4h and P2 30m/8h on 24x7; P3 4h/3d and P4 1d/5d on
Mon-Fri 09:00-17:00, whose business day is 8 hours.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inctrack import reports
from inctrack.clock import FixedClock
from inctrack.errors import Rejected
from inctrack.incidents.queries import IncidentQuery
from inctrack.render.chart import bar, downsample, sparkline
from inctrack.storage import Database

from .helpers import START, Cli, Desk

LEVELS = {
    "P1": ("high", "high"),
    "P2": ("high", "medium"),
    "P3": ("medium", "medium"),
    "P4": ("medium", "low"),
    None: (None, None),
}


def at(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


class Story:
    """Incidents told as they happened: ``story.log(...)`` then verbs with ``at=`` times."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def log(self, when: str, priority: str | None = None, **fields: Any) -> str:
        impact, urgency = LEVELS[priority]
        with self.desk.tracker() as tracker:
            incident = tracker.log(
                "Something broke", impact=impact, urgency=urgency, at=at(when), **fields
            )
            return f"INC-{incident.id}"

    def do(self, verb: str, ref: str, when: str, *args: Any, **kwargs: Any) -> None:
        with self.desk.tracker() as tracker:
            getattr(tracker, verb)(ref, *args, at=at(when), **kwargs)

    def respond(self, ref: str, when: str) -> None:
        self.do("respond", ref, when, "On it.")

    def resolve(self, ref: str, when: str) -> None:
        self.do("resolve", ref, when, code="fixed", note="Fixed it.")

    def report(self, name: str, **kwargs: Any) -> list[dict[str, Any]]:
        with self.desk.tracker(write=False) as tracker:
            rows: list[dict[str, Any]] = getattr(reports, name)(tracker, **kwargs).rows
            return rows


@pytest.fixture
def story(desk: Desk) -> Story:
    return Story(desk)


def london(story: Story) -> Story:
    with story.desk.tracker() as tracker:
        tracker.settings.set_calendar(timezone="Europe/London")
    return story


# -- periods -------------------------------------------------------------------------------------


def test_weeks_start_on_monday_in_the_calendar_zone_across_the_end_of_summer_time(
    story: Story,
) -> None:
    london(story)
    # Sunday 18 Oct 23:30 BST is 22:30 UTC: the week of 12 Oct. Monday 19 Oct 00:30 BST is
    # still Sunday in UTC (23:30), but the week of 19 Oct in London. That week is 169 hours
    # long (the clocks go back on Sunday 25 Oct), so Sunday 25 Oct 23:30 GMT is its last
    # half hour and Monday 26 Oct 00:30 GMT begins the next.
    for when in (
        "2026-10-18T22:30:00+00:00",
        "2026-10-18T23:30:00+00:00",
        "2026-10-25T23:30:00+00:00",
        "2026-10-26T00:30:00+00:00",
        "2026-10-18T23:00:00+00:00",
    ):  # the last: Monday 00:00 BST
        story.log(when, category="network")
    rows = story.report(
        "trends", since=at("2026-10-12T00:00:00+01:00"), until=at("2026-11-02T00:00:00+00:00")
    )
    assert rows == [
        {"period": "2026-10-12", "category": "network", "count": 1},
        {"period": "2026-10-19", "category": "network", "count": 3},
        {"period": "2026-10-26", "category": "network", "count": 1},
    ]
    with story.desk.tracker(write=False) as tracker:
        spans = reports.trends(
            tracker, since=at("2026-10-19T12:00:00+00:00"), until=at("2026-10-26T00:00:00+00:00")
        ).periods
    assert [(p.label, p.start.isoformat(), p.end.isoformat()) for p in spans] == [
        ("2026-10-19", "2026-10-18T23:00:00+00:00", "2026-10-26T00:00:00+00:00"),
    ]


def test_days_and_months_follow_local_midnight_in_spring_too(story: Story) -> None:
    london(story)
    story.desk.services("mail")
    # Clocks go forward on Sunday 29 March 2026: Monday 30 March 00:30 BST is 23:30 UTC
    # on Sunday. 31 Oct 23:30 GMT is October; 1 Nov 00:30 GMT is November.
    for when in (
        "2026-03-29T22:30:00+00:00",
        "2026-03-29T23:30:00+00:00",
        "2026-10-31T23:30:00+00:00",
        "2026-11-01T00:30:00+00:00",
    ):
        story.log(when, service="mail")
    days = story.report(
        "trends",
        by="service",
        every="day",
        since=at("2026-03-29T12:00:00+01:00"),
        until=at("2026-03-31T00:00:00+01:00"),
    )
    assert days == [
        {"period": "2026-03-29", "service": "mail", "count": 1},
        {"period": "2026-03-30", "service": "mail", "count": 1},
    ]
    months = story.report(
        "trends",
        by="service",
        every="month",
        since=at("2026-10-15T00:00:00+00:00"),
        until=at(START.isoformat()),
    )
    assert months == [
        {"period": "2026-10", "service": "mail", "count": 1},
        {"period": "2026-11", "service": "mail", "count": 1},
    ]


def test_the_default_is_the_last_twelve_weeks_in_utc_until_a_zone_is_set(story: Story) -> None:
    story.log("2026-08-30T23:59:59+00:00", category="email")  # Sunday before the first week
    story.log("2026-08-31T00:00:00+00:00", category="email")  # Monday: the first week
    story.log("2026-11-20T08:00:00+00:00", category="email")  # this week, so far
    rows = story.report("trends")
    assert [r["period"] for r in rows] == [
        "2026-08-31",
        "2026-09-07",
        "2026-09-14",
        "2026-09-21",
        "2026-09-28",
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
    ]
    assert [r["count"] for r in rows] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]


def test_every_key_in_every_period_zeros_included_none_last(story: Story) -> None:
    story.log("2026-11-02T10:00:00+00:00", category="network/vpn", channel="phone")
    story.log("2026-11-03T10:00:00+00:00", category="network", channel="email")
    story.log("2026-11-10T10:00:00+00:00", category="access/mfa", channel="phone")
    story.log("2026-11-11T10:00:00+00:00")
    story.log("2026-10-01T10:00:00+00:00", category="email/spam")  # before the range
    since, until = at("2026-11-02T00:00:00+00:00"), at("2026-11-16T00:00:00+00:00")
    assert story.report("trends", by="subcategory", since=since, until=until) == [
        {"period": "2026-11-02", "subcategory": "access/mfa", "count": 0},
        {"period": "2026-11-02", "subcategory": "network", "count": 1},
        {"period": "2026-11-02", "subcategory": "network/vpn", "count": 1},
        {"period": "2026-11-02", "subcategory": None, "count": 0},
        {"period": "2026-11-09", "subcategory": "access/mfa", "count": 1},
        {"period": "2026-11-09", "subcategory": "network", "count": 0},
        {"period": "2026-11-09", "subcategory": "network/vpn", "count": 0},
        {"period": "2026-11-09", "subcategory": None, "count": 1},
    ]
    assert story.report("trends", by="category", since=since, until=until) == [
        {"period": "2026-11-02", "category": "access", "count": 0},
        {"period": "2026-11-02", "category": "network", "count": 2},
        {"period": "2026-11-02", "category": None, "count": 0},
        {"period": "2026-11-09", "category": "access", "count": 1},
        {"period": "2026-11-09", "category": "network", "count": 0},
        {"period": "2026-11-09", "category": None, "count": 1},
    ]
    channels = story.report("trends", by="channel", since=since, until=until)
    assert [(r["period"], r["channel"], r["count"]) for r in channels] == [
        ("2026-11-02", "email", 1),
        ("2026-11-02", "phone", 1),
        ("2026-11-02", None, 0),
        ("2026-11-09", "email", 0),
        ("2026-11-09", "phone", 1),
        ("2026-11-09", None, 1),
    ]


def test_trends_by_group_and_priority_use_their_json_names(story: Story) -> None:
    first = story.log("2026-11-16T10:00:00+00:00", "P3")
    story.log("2026-11-17T10:00:00+00:00")
    story.desk.groups("network")
    story.do("assign", first, "2026-11-16T11:00:00+00:00", group="network")
    since = at("2026-11-16T00:00:00+00:00")
    assert story.report("trends", by="group", since=since) == [
        {"period": "2026-11-16", "group": "network", "count": 1},
        {"period": "2026-11-16", "group": None, "count": 1},
    ]
    assert story.report("trends", by="priority", since=since) == [
        {"period": "2026-11-16", "priority": "P3", "count": 1},
        {"period": "2026-11-16", "priority": None, "count": 1},
    ]


def test_nothing_reported_is_an_empty_list(story: Story) -> None:
    assert story.report("trends") == []
    assert story.report("mttr") == []
    assert story.report("backlog") == []


def test_bad_ranges_are_refused(story: Story) -> None:
    with pytest.raises(Rejected, match="is not after --since"):
        story.report(
            "trends", since=at("2026-11-10T00:00:00+00:00"), until=at("2026-11-09T00:00:00+00:00")
        )
    with pytest.raises(Rejected, match="more than 900 days"):
        story.report("trends", every="day", since=at("2023-01-01T00:00:00+00:00"))
    with pytest.raises(Rejected, match="is not a trend key"):
        story.report("trends", by="reporter")
    with pytest.raises(Rejected, match="is in the future"):
        story.report("backlog", as_of=START + timedelta(days=1))


# -- MTTR ----------------------------------------------------------------------------------------


def mttr_story(story: Story) -> None:
    """The incidents of the MTTR tests; their figures are worked out in the tests."""
    # P2, 24x7 (respond 30m, resolve 8h)
    a = story.log("2026-11-09T10:00:00+00:00", "P2")  # Mon
    story.respond(a, "2026-11-09T10:20:00+00:00")  # 20m: met
    story.resolve(a, "2026-11-09T14:00:00+00:00")  # 4h: met
    b = story.log("2026-11-09T11:00:00+00:00", "P2")
    story.respond(b, "2026-11-09T11:40:00+00:00")  # 40m: breached
    story.resolve(b, "2026-11-09T21:00:00+00:00")  # 10h: breached
    c = story.log("2026-11-10T09:00:00+00:00", "P2")  # Tue
    story.respond(c, "2026-11-10T09:10:00+00:00")  # 10m
    story.do("hold", c, "2026-11-10T10:00:00+00:00", "awaiting-vendor")
    story.do("resume", c, "2026-11-10T17:00:00+00:00")
    story.resolve(c, "2026-11-10T18:00:00+00:00")  # 9h wall, 2h on the clock: met
    d = story.log("2026-11-11T08:00:00+00:00", "P2")  # Wed
    story.respond(d, "2026-11-11T08:30:00+00:00")  # exactly 30m: met; never resolved
    story.log("2026-11-20T08:00:00+00:00", "P2")  # no response an hour on: breached
    story.log("2026-11-20T08:45:00+00:00", "P2")  # 15 minutes old: nothing decided yet
    g = story.log("2026-11-10T12:00:00+00:00", "P2")
    story.do("cancel", g, "2026-11-10T12:05:00+00:00", reason="duplicate")  # left out
    # P3, Mon-Fri 09:00-17:00 UTC (respond 4 business hours, resolve 3 business days = 24h)
    h = story.log("2026-11-13T16:00:00+00:00", "P3")  # Fri 16:00
    story.respond(h, "2026-11-16T10:00:00+00:00")  # Fri 1h + Mon 1h = 2h: met
    story.resolve(h, "2026-11-18T16:00:00+00:00")  # 1 + 8 + 8 + 7 = 24h: exactly met
    i = story.log("2026-11-16T09:00:00+00:00", "P3")  # Mon 09:00
    story.respond(i, "2026-11-16T13:30:00+00:00")  # 4.5h: breached
    story.do("hold", i, "2026-11-17T09:00:00+00:00", "awaiting-reporter")
    story.do("resume", i, "2026-11-17T12:00:00+00:00")  # 3 business hours on hold
    story.resolve(i, "2026-11-19T10:00:00+00:00")  # 8 + 8 + 8 + 1 = 25h, less 3h: met
    story.log("2026-11-19T13:00:00+00:00", "P3")  # Thu 13-17: its 4h used up; breached
    # P1 (respond 15m): two answered within seconds, never resolved (4h long gone)
    for seconds in (1, 2):
        ref = story.log("2026-11-10T10:00:00+00:00", "P1")
        story.respond(ref, f"2026-11-10T10:00:0{seconds}+00:00")
    # untriaged: no SLA at all
    k = story.log("2026-11-19T10:00:00+00:00")
    story.respond(k, "2026-11-19T10:30:00+00:00")
    story.log("2026-11-06T10:00:00+00:00", "P2")  # before --since: left out


SINCE = "2026-11-09T00:00:00+00:00"


def test_mttr_in_calendar_time_with_medians_means_and_sla(story: Story) -> None:
    mttr_story(story)
    rows = {r["priority"]: r for r in story.report("mttr", since=at(SINCE))}
    assert list(rows) == ["P1", "P2", "P3", None]
    assert rows["P2"] == {
        "priority": "P2",
        "incidents": 6,
        "responded": 4,
        "resolved": 3,
        # responses 600, 1200, 1800, 2400: an even count, so the mean of the middle two
        "median_response_seconds": 1500,
        "mean_response_seconds": 1500,
        "p90_response_seconds": 2400,  # rank ceil(0.9 * 4) = 4
        # resolutions 14400 (a), 32400 (c, hold included), 36000 (b): odd count
        "median_resolution_seconds": 32400,
        "mean_resolution_seconds": 27600,
        "p90_resolution_seconds": 36000,
        # response: a, c, d met; b, e breached; f not yet decided
        "response_sla_met": 3,
        "response_sla_breached": 2,
        "response_sla_met_pct": 60.0,
        # resolution: a, c met; b and the never-resolved d breached; e, f not yet decided
        "resolution_sla_met": 2,
        "resolution_sla_breached": 2,
        "resolution_sla_met_pct": 50.0,
        # a, b and c were resolved at tier 1 and never escalated: first-contact fixes
        "first_contact_resolved": 3,
        "first_contact_resolution_pct": 100.0,
    }
    assert rows["P3"] == {
        "priority": "P3",
        "incidents": 3,
        "responded": 2,
        "resolved": 2,
        "median_response_seconds": 126900,  # (16200 + 237600) / 2
        "mean_response_seconds": 126900,
        "p90_response_seconds": 237600,
        "median_resolution_seconds": 347400,  # (262800 + 432000) / 2
        "mean_resolution_seconds": 347400,
        "p90_resolution_seconds": 432000,
        "response_sla_met": 1,
        "response_sla_breached": 2,
        "response_sla_met_pct": 33.3,
        "resolution_sla_met": 2,
        "resolution_sla_breached": 0,
        "resolution_sla_met_pct": 100.0,
        "first_contact_resolved": 2,
        "first_contact_resolution_pct": 100.0,
    }
    # 1 s and 2 s: a median and mean of 1.5 s round half up, to 2
    assert rows["P1"]["median_response_seconds"] == rows["P1"]["mean_response_seconds"] == 2
    assert (rows["P1"]["median_resolution_seconds"], rows["P1"]["resolved"]) == (None, 0)
    assert (rows["P1"]["response_sla_met_pct"], rows["P1"]["resolution_sla_met_pct"]) == (
        100.0,
        0.0,
    )
    assert rows[None] == {
        "priority": None,
        "incidents": 1,
        "responded": 1,
        "resolved": 0,
        "median_response_seconds": 1800,
        "mean_response_seconds": 1800,
        "p90_response_seconds": 1800,
        "median_resolution_seconds": None,
        "mean_resolution_seconds": None,
        "p90_resolution_seconds": None,
        "response_sla_met": 0,
        "response_sla_breached": 0,
        "response_sla_met_pct": None,
        "resolution_sla_met": 0,
        "resolution_sla_breached": 0,
        "resolution_sla_met_pct": None,
        "first_contact_resolved": 0,
        "first_contact_resolution_pct": None,  # nothing resolved: no rate
    }


def test_mttr_in_business_hours(story: Story) -> None:
    mttr_story(story)
    rows = {r["priority"]: r for r in story.report("mttr", since=at(SINCE), business=True)}
    p2, p3 = rows["P2"], rows["P3"]
    # P2 responses in business hours: d's half hour was before 09:00, so 0, 600, 1200, 2400
    assert (
        p2["median_response_seconds"],
        p2["mean_response_seconds"],
        p2["p90_response_seconds"],
    ) == (900, 1050, 2400)
    # a 10-14 = 4h, b 11-17 = 6h, c 09-17 = 8h (the hold is in the stretch)
    assert (
        p2["median_resolution_seconds"],
        p2["mean_resolution_seconds"],
        p2["p90_resolution_seconds"],
    ) == (21600, 21600, 28800)
    assert (p3["median_response_seconds"], p3["p90_response_seconds"]) == (11700, 16200)
    assert (p3["median_resolution_seconds"], p3["p90_resolution_seconds"]) == (88200, 90000)
    # The SLA figures follow the SLA clocks either way.
    assert (p3["response_sla_met"], p3["response_sla_breached"]) == (1, 2)


def test_mttr_in_business_hours_over_a_weekend_without_any(story: Story, clock: FixedClock) -> None:
    clock.set(at("2026-11-22T12:00:00+00:00"))  # Sunday noon; since Saturday: no working time
    ref = story.log("2026-11-21T10:00:00+00:00", "P3")
    story.respond(ref, "2026-11-21T11:00:00+00:00")
    (row,) = story.report("mttr", since=at("2026-11-21T00:00:00+00:00"), business=True)
    assert (row["median_response_seconds"], row["response_sla_met"]) == (0, 1)
    # 26 hours on the wall clock, none of them working time: not over 3 business days.
    assert (row["resolution_sla_met"], row["resolution_sla_breached"]) == (0, 0)


def test_mttr_by_category_and_group(story: Story) -> None:
    first = story.log("2026-11-16T10:00:00+00:00", "P2", category="network/vpn")
    story.respond(first, "2026-11-16T10:10:00+00:00")
    second = story.log("2026-11-16T11:00:00+00:00", "P2", category="network/wifi")
    story.respond(second, "2026-11-16T11:30:00+00:00")
    story.desk.groups("network")
    story.do("assign", second, "2026-11-16T11:31:00+00:00", group="network")
    story.log("2026-11-16T12:00:00+00:00", "P2")
    by_category = story.report("mttr", by="category", since=at("2026-11-16T00:00:00+00:00"))
    assert [(r["category"], r["incidents"], r["median_response_seconds"]) for r in by_category] == [
        ("network", 2, 1200),
        (None, 1, None),
    ]
    by_group = story.report("mttr", by="group", since=at("2026-11-16T00:00:00+00:00"))
    assert [(r["group"], r["incidents"], r["responded"]) for r in by_group] == [
        ("network", 1, 1),
        (None, 2, 1),
    ]


@pytest.mark.parametrize("business", [False, True])
def test_mttr_first_contact_resolution_per_category(story: Story, business: bool) -> None:
    """Resolved at tier 1 and never escalated, reassigned, reopened or major: a first-contact
    fix; the rate is of the resolved incidents, per key."""
    day = "2026-11-16T"
    vpn = {"category": "network/vpn"}
    story.desk.groups("desk", "network")
    phone = story.log(f"{day}09:00:00+00:00", "P3", **vpn)  # resolved from new
    story.resolve(phone, f"{day}09:05:00+00:00")
    worked = story.log(f"{day}09:10:00+00:00", "P3", **vpn)  # responded, then resolved
    story.respond(worked, f"{day}09:15:00+00:00")
    story.do("assign", worked, f"{day}09:16:00+00:00", to="alice", group="desk")  # first hands
    story.resolve(worked, f"{day}10:00:00+00:00")
    tiered = story.log(f"{day}09:20:00+00:00", "P3", **vpn)
    story.do("escalate", tiered, f"{day}09:30:00+00:00", tier=2, reason="beyond the desk")
    story.resolve(tiered, f"{day}11:00:00+00:00")
    grouped = story.log(f"{day}09:40:00+00:00", "P3", **vpn)  # to a group, still tier 1
    story.do("escalate", grouped, f"{day}09:45:00+00:00", group="network", reason="routing")
    story.resolve(grouped, f"{day}11:00:00+00:00")
    reopened = story.log(f"{day}09:50:00+00:00", "P3", **vpn)
    story.resolve(reopened, f"{day}09:55:00+00:00")
    story.do("reopen", reopened, f"{day}10:30:00+00:00", reason="back again")
    story.resolve(reopened, f"{day}11:30:00+00:00")
    story.log(f"{day}10:00:00+00:00", "P3", **vpn)  # open: not in the rate
    mail = story.log(f"{day}10:00:00+00:00", "P3", category="email")
    story.do("escalate", mail, f"{day}10:01:00+00:00", major=True, reason="all mail")
    story.resolve(mail, f"{day}12:00:00+00:00")
    rows = story.report("mttr", by="category", since=at(f"{day}00:00:00+00:00"), business=business)
    assert [
        (r["category"], r["resolved"], r["first_contact_resolved"],
         r["first_contact_resolution_pct"])
        for r in rows
    ] == [("email", 1, 0, 0.0), ("network", 5, 2, 40.0)]  # fmt: skip


MOVES = {
    "new": ("respond",),
    "in_progress": ("hold", "resolve", "resolve"),
    "on_hold": ("resume", "resolve"),
    "resolved": ("reopen",),
}
ARGUMENTS: dict[str, dict[str, str]] = {
    "respond": {"message": "On it."},
    "hold": {"reason": "awaiting-vendor"},
    "resume": {},
    "resolve": {"code": "fixed", "note": "ok"},
    "reopen": {"reason": "again"},
}


def test_mttr_sla_figures_agree_with_the_sla_clocks(story: Story, clock: FixedClock) -> None:
    """Random histories on the London business calendar: per priority, the met and
    breached counts are what ``Tracker.clocks`` says, incident by incident."""
    london(story)
    clock.set(datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
    rng = random.Random(20261127)
    start = datetime(2026, 10, 19, tzinfo=UTC)  # across the end of summer time
    gaps = [0, 1, 60, 1800, 3600, 4 * 3600, 10 * 3600, 86400, 3 * 86400, 9 * 86400]
    for _ in range(80):
        when = start + timedelta(minutes=rng.randrange(60 * 24 * 70))
        ref = story.log(when.isoformat(), rng.choice(["P1", "P2", "P3", "P4", None]))
        status = "new"
        while status in MOVES and rng.random() < 0.85:
            when += timedelta(seconds=rng.choice(gaps))
            if when > clock.now():
                break
            verb = rng.choice(MOVES[status])
            with story.desk.tracker() as tracker:
                status = getattr(tracker, verb)(ref, at=when, **ARGUMENTS[verb]).status
    with story.desk.tracker(write=False) as tracker:
        clocks = tracker.clocks(tracker.find(IncidentQuery(include_closed=True)))
        expected: dict[Any, list[int]] = {}
        for found in clocks.values():
            counts = expected.setdefault(found.priority, [0, 0, 0, 0])
            for n, each in enumerate((found.response, found.resolution)):
                counts[2 * n] += each.state == "met"
                counts[2 * n + 1] += each.state == "breached"
        # The SLA clocks keep each priority's calendar whatever the durations are
        # counted in: --business reuses its working time for them, so it must agree.
        reports_by_mode = {
            business: reports.mttr(tracker, since=start, business=business).rows
            for business in (False, True)
        }
    for rows in reports_by_mode.values():
        got = {
            r["priority"]: [
                r["response_sla_met"],
                r["response_sla_breached"],
                r["resolution_sla_met"],
                r["resolution_sla_breached"],
            ]
            for r in rows
        }
        assert got == expected
    assert sum(sum(counts) for counts in expected.values()) > 80  # decided clocks, both kinds


# -- backlog -------------------------------------------------------------------------------------


def backlog_story(story: Story) -> None:
    story.log("2026-11-20T08:00:00+00:00", "P2")  # 1h old
    story.log("2026-11-19T09:00:00+00:00")  # exactly 1 day old, untriaged
    n3 = story.log("2026-11-17T10:00:00+00:00", "P3")  # 2d 23h
    story.respond(n3, "2026-11-17T11:00:00+00:00")
    n4 = story.log("2026-11-13T09:00:00+00:00", "P3")  # exactly 7 days
    story.respond(n4, "2026-11-13T10:00:00+00:00")
    story.do("hold", n4, "2026-11-13T11:00:00+00:00", "awaiting-parts")
    story.log("2026-10-01T09:00:00+00:00", "P4")  # 50 days
    n6 = story.log("2026-11-18T10:00:00+00:00", "P3")
    story.respond(n6, "2026-11-18T11:00:00+00:00")
    story.resolve(n6, "2026-11-19T12:00:00+00:00")
    n7 = story.log("2026-11-10T09:00:00+00:00", "P3")
    story.do("cancel", n7, "2026-11-11T09:00:00+00:00", reason="logged in error")
    n8 = story.log("2026-11-12T10:00:00+00:00", "P4")
    story.do("prioritize", n8, "2026-11-19T12:00:00+00:00", priority="P1", reason="CEO")
    n9 = story.log("2026-11-16T10:00:00+00:00", "P2")
    story.respond(n9, "2026-11-16T11:00:00+00:00")
    story.resolve(n9, "2026-11-17T10:00:00+00:00")
    story.do("reopen", n9, "2026-11-18T10:00:00+00:00", reason="back again")


def grid(rows: list[dict[str, Any]]) -> dict[str, dict[Any, int]]:
    found: dict[str, dict[Any, int]] = {}
    for row in rows:
        found.setdefault(row["age"], {})[row["priority"]] = row["count"]
    return found


def test_backlog_now_by_age_oldest_first_and_priority_untriaged_first(story: Story) -> None:
    backlog_story(story)
    rows = story.report("backlog")
    assert [r["age"] for r in rows[::5]] == ["30d+", "7-30d", "3-7d", "1-3d", "<1d"]
    assert [r["priority"] for r in rows[:5]] == [None, "P1", "P2", "P3", "P4"]
    assert grid(rows) == {
        "30d+": {None: 0, "P1": 0, "P2": 0, "P3": 0, "P4": 1},
        "7-30d": {None: 0, "P1": 1, "P2": 0, "P3": 1, "P4": 0},  # n8 (now P1), n4
        "3-7d": {None: 0, "P1": 0, "P2": 1, "P3": 0, "P4": 0},  # n9, reopened
        "1-3d": {None: 1, "P1": 0, "P2": 0, "P3": 1, "P4": 0},  # the untriaged one, n3
        "<1d": {None: 0, "P1": 0, "P2": 1, "P3": 0, "P4": 0},  # n1
    }


def test_backlog_as_of_a_past_moment_rewinds_status_and_priority(story: Story) -> None:
    backlog_story(story)
    then = story.report("backlog", as_of=at("2026-11-19T00:00:00+00:00"))
    assert grid(then) == {
        "30d+": {"P2": 0, "P3": 0, "P4": 1},
        "7-30d": {"P2": 0, "P3": 0, "P4": 0},
        "3-7d": {"P2": 0, "P3": 1, "P4": 1},  # n4 on hold; n8 still P4 then
        "1-3d": {"P2": 1, "P3": 1, "P4": 0},  # n9 reopened the day before; n3
        "<1d": {"P2": 0, "P3": 1, "P4": 0},  # n6, resolved later that day
    }
    # n9 was resolved from 17 Nov 10:00 until its reopening: not in the backlog between.
    between = story.report("backlog", as_of=at("2026-11-17T12:00:00+00:00"))
    assert "P2" not in {r["priority"] for r in between}


# -- the same numbers on both databases ----------------------------------------------------------


def every_report(desk: Desk) -> dict[str, Any]:
    story = Story(desk)
    since = at("2026-10-01T00:00:00+00:00")
    return {
        "trends": [
            story.report("trends", by=by, every=every, since=since)
            for by in reports.TREND_KEYS
            for every in reports.EVERY
        ],
        "mttr": [
            story.report("mttr", by=by, since=since, business=business)
            for by in reports.MTTR_KEYS
            for business in (False, True)
        ],
        "backlog": [
            story.report("backlog"),
            story.report("backlog", as_of=at("2026-11-19T00:00:00+00:00")),
        ],
    }


def test_the_same_numbers_on_this_database_and_on_a_sqlite_file(
    desk: Desk, clock: FixedClock, tmp_path: Path
) -> None:
    """With INCTRACK_TEST_PG_URL set, one run of this test compares PostgreSQL with SQLite."""
    other = Database.open(str(tmp_path / "other.db"))
    try:
        reference = Desk(other, clock)
        for each in (desk, reference):
            story = london(Story(each))
            mttr_story(story)
            backlog_story(story)
        ours, theirs = every_report(desk), every_report(reference)
    finally:
        other.dispose()
    assert ours == theirs
    assert sum(len(rows) for rows in ours["trends"]) > 100  # the comparison compared something


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli_at_start(db_url: str) -> Cli:
    """The command line with its clock stopped at START (Friday 20 Nov 09:00 UTC)."""
    Database.init(db_url)
    return Cli(db_url, clock=FixedClock(START))


def cli_story(cli: Cli) -> None:
    for when, category, impact in (
        ("2026-11-09 10:00", "network/vpn", "high"),
        ("2026-11-10 11:00", "network/vpn", "high"),
        ("2026-11-16 09:30", "email", "medium"),
        ("2026-11-19 16:00", "network/wifi", "low"),
    ):
        result = cli(
            "log",
            "Broken",
            "--at",
            when,
            "--category",
            category,
            "--impact",
            impact,
            "--urgency",
            "medium",
            "-q",
        )
        assert result.exit_code == 0, result.stderr
    assert cli("respond", "INC-1", "Looking", "--at", "2026-11-09 10:20", "-q").exit_code == 0


def test_cli_trends_as_json_csv_and_a_table_with_a_chart(cli_at_start: Cli) -> None:
    cli = cli_at_start
    cli_story(cli)
    args = ("report", "trends", "--since", "2026-11-09", "--until", "2026-11-23")
    assert cli.json(*args) == [
        {"period": "2026-11-09", "category": "email", "count": 0},
        {"period": "2026-11-09", "category": "network", "count": 2},
        {"period": "2026-11-16", "category": "email", "count": 1},
        {"period": "2026-11-16", "category": "network", "count": 1},
    ]
    as_csv = cli(*args, "--by", "subcategory", "-f", "csv")
    assert as_csv.exit_code == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["period", "subcategory", "count"],
        ["2026-11-09", "email", "0"],
        ["2026-11-09", "network/vpn", "2"],
        ["2026-11-09", "network/wifi", "0"],
        ["2026-11-16", "email", "1"],
        ["2026-11-16", "network/vpn", "0"],
        ["2026-11-16", "network/wifi", "1"],
    ]
    table = cli(*args)
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "Incidents reported per week by category (UTC)" in lines[0]
    assert any(line.split() == ["2026-11-09", "2", "0", "2"] for line in lines)
    # One sparkline character per week: network 2 then 1 (full, half), email 0 then 1.
    assert any(line.split() == ["network", "█▄", "3"] for line in lines)
    assert any(line.split() == ["email", "█", "1"] and "  █" in line for line in lines)


def test_cli_mttr_and_backlog(cli_at_start: Cli) -> None:
    cli = cli_at_start
    cli_story(cli)
    rows = cli.json("report", "mttr", "--since", "2026-11-09")
    assert [
        (r["priority"], r["incidents"], r["responded"], r["median_response_seconds"]) for r in rows
    ] == [("P2", 2, 1, 1200), ("P3", 1, 0, None), ("P4", 1, 0, None)]
    header = cli("report", "mttr", "--since", "2026-11-09", "-f", "csv").stdout.splitlines()[0]
    assert header == ",".join(("priority", *reports.MTTR_FIELDS))
    table = cli("report", "mttr", "--since", "2026-11-09", "--business")
    assert table.exit_code == 0, table.stderr
    assert "in business hours" in table.stdout
    assert any(line.split()[:3] == ["P2", "2", "20m"] for line in table.stdout.splitlines())
    backlog = cli.json("report", "backlog")
    assert {(r["age"], r["priority"]): r["count"] for r in backlog if r["count"]} == {
        ("7-30d", "P2"): 2,
        ("3-7d", "P3"): 1,
        ("<1d", "P4"): 1,
    }
    shown = cli("report", "backlog").stdout.splitlines()
    assert "Open incidents by age and priority, as of 2026-11-20 09:00" in shown[0]
    assert any(line.split()[:5] == ["7-30d", "2", "·", "·", "2"] and "█" in line for line in shown)


def test_cli_refusals_are_one_sentence_and_write_nothing(cli_at_start: Cli) -> None:
    cli = cli_at_start
    cli_story(cli)
    before = cli.json("list", "--all")
    backwards = cli("report", "trends", "--since", "2026-11-10", "--until", "2026-11-01")
    assert backwards.exit_code == 4
    assert backwards.stderr.startswith("Error: --until (2026-11-01T00:00:00+00:00) is not after")
    assert backwards.stderr.count("\n") == 1
    assert cli("report", "trends", "--every", "fortnight").exit_code == 2
    assert cli("report", "mttr", "--by", "service").exit_code == 2
    future = cli("report", "backlog", "--as-of", "2026-12-01")
    assert (future.exit_code, future.stdout) == (4, "")
    assert "is in the future" in future.stderr
    assert cli("report", "trends", "--since", "whenever").exit_code == 4
    assert cli.json("list", "--all") == before


def test_cli_empty_reports_say_so(cli_at_start: Cli) -> None:
    cli = cli_at_start
    assert cli.json("report", "trends") == []
    assert "No incidents reported from" in cli("report", "trends").stdout
    assert "No incidents reported from" in cli("report", "mttr").stdout
    assert cli("report", "backlog").stdout.startswith("No open incidents as of")
    assert cli("report", "backlog", "-f", "csv").stdout == "age,priority,count\n"


# -- charts --------------------------------------------------------------------------------------


def test_sparklines_scale_from_zero_and_downsample_by_summing() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == " ▁▂▄█"
    assert sparkline([5, 5, 5]) == "███"
    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "  "
    assert downsample([1, 2, 3, 4, 5], 2) == [6, 9]
    assert sparkline([1, 1, 1, 2, 2, 2], width=3) == "▄▆█"  # [2, 3, 4]
    with pytest.raises(ValueError, match="width"):
        downsample([1], 0)


def test_bars_are_measured_in_eighths_of_a_cell() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(3, 10, 4) == "█▎"  # 9.6 eighths, rounded to 10: one cell and two eighths
    assert bar(1, 1000, 4) == "▏"  # a sliver, never nothing
    assert bar(0, 10, 4) == ""


def test_json_rows_have_every_key(cli_at_start: Cli) -> None:
    cli = cli_at_start
    cli_story(cli)
    mttr = cli.json("report", "mttr", "--by", "group", "--since", "2026-11-09")
    assert [set(row) for row in mttr] == [{"group", *reports.MTTR_FIELDS}]
    out = cli("report", "trends", "--by", "group", "-f", "json").stdout
    assert all(set(row) == {"period", "group", "count"} for row in json.loads(out))
