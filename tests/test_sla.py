"""SLA clocks through the library: worked examples, the queue, and properties.

Every expected time and figure below was worked out by hand from PRODUCT.md's
rules (P3: respond 4 business hours, resolve 3 business days of 8 hours; P1
15m/4h and P2 30m/8h on 24x7; at risk from 75 % of the target used), never by
asking the code under test. Incidents are logged back-dated with ``at=``; the
fixed clock is moved well past them first, because ``--at`` may not lie in the
future.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from inctrack.clock import FixedClock
from inctrack.errors import Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.sla.compute import segments
from inctrack.storage import Database

from .helpers import Desk

Record = dict[str, Any]

LATER = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
"""Where the clock stands in most tests: after every back-dated event below."""


def at(text: str) -> datetime:
    """An ISO 8601 literal with its offset, as a datetime."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


def sla(desk: Desk, ref: str, as_of: str) -> Record:
    """Both clocks of ``ref`` as they stood at ``as_of``, as their public records."""
    with desk.tracker(write=False) as tracker:
        clocks = tracker.sla(ref, as_of=at(as_of))
        return {"response": clocks.response.record(), "resolution": clocks.resolution.record()}


def explain(desk: Desk, ref: str, as_of: str, clock: str) -> list[Record]:
    """The segments of one clock at ``as_of``, as `inctrack sla` explains them."""
    with desk.tracker(write=False) as tracker:
        clocks = tracker.sla(ref, as_of=at(as_of))
        return segments(getattr(clocks, clock), at(as_of))


def brief(record: Record) -> tuple[Any, ...]:
    """(target, due_at, elapsed_seconds, remaining_seconds, state) of one clock record."""
    return (
        record["target"],
        record["due_at"],
        record["elapsed_seconds"],
        record["remaining_seconds"],
        record["state"],
    )


@pytest.fixture
def later(desk: Desk, clock: FixedClock) -> Desk:
    """The desk with the clock at 2027-01-15, default UTC business calendar."""
    clock.set(LATER)
    return desk


@pytest.fixture
def london(later: Desk) -> Desk:
    """The desk with the business calendar in Europe/London, Mon-Fri 09:00-17:00."""
    with later.tracker() as tracker:
        tracker.settings.set_calendar(timezone="Europe/London", hours="Mon-Fri 09:00-17:00")
    return later


def log(desk: Desk, when: str, impact: str | None = None, urgency: str | None = None) -> str:
    with desk.tracker() as tracker:
        incident = tracker.log("Something is down", impact=impact, urgency=urgency, at=at(when))
        return f"INC-{incident.id}"


# -- worked examples on the business calendar ---------------------------------------------------


def test_friday_afternoon_p3_is_due_monday_noon_and_wednesday_afternoon(london: Desk) -> None:
    ref = log(london, "2026-11-20T16:00:00+00:00", "medium", "medium")  # Fri 16:00 GMT
    clocks = sla(london, ref, "2026-11-20T16:30:00+00:00")
    assert clocks["response"] == {
        "target": "4h",
        "target_seconds": 14400,
        "calendar": "business",
        "due_at": "2026-11-23T12:00:00+00:00",  # 1 h on Friday, 3 h on Monday
        "elapsed_seconds": 1800,
        "remaining_seconds": 12600,
        "state": "ok",
    }
    assert clocks["resolution"] == {
        "target": "3d",
        "target_seconds": 86400,  # 3 working days of 8 h
        "calendar": "business",
        "due_at": "2026-11-25T16:00:00+00:00",  # Fri 1 h + Mon 8 + Tue 8 + Wed 7
        "elapsed_seconds": 1800,
        "remaining_seconds": 84600,
        "state": "ok",
    }
    # The weekend does not count: Monday 08:59 is still one working hour in.
    assert sla(london, ref, "2026-11-23T08:59:00+00:00")["response"]["elapsed_seconds"] == 3600
    # 3 h of 4 h is 75 %: at risk; the due instant itself is not yet a breach.
    assert brief(sla(london, ref, "2026-11-23T11:00:00+00:00")["response"]) == (
        "4h", "2026-11-23T12:00:00+00:00", 10800, 3600, "at_risk",
    )  # fmt: skip
    assert sla(london, ref, "2026-11-23T12:00:00+00:00")["response"]["state"] == "at_risk"
    assert brief(sla(london, ref, "2026-11-23T12:00:01+00:00")["response"]) == (
        "4h", "2026-11-23T12:00:00+00:00", 14401, -1, "breached",
    )  # fmt: skip


def test_a_business_day_is_one_working_day_of_eight_hours(london: Desk) -> None:
    ref = log(london, "2026-11-20T16:00:00+00:00", "medium", "low")  # Fri 16:00, P4: 1d / 5d
    clocks = sla(london, ref, "2026-11-23T09:00:00+00:00")
    assert brief(clocks["response"]) == ("1d", "2026-11-23T16:00:00+00:00", 3600, 25200, "ok")
    # 40 h: Fri 1 + Mon-Thu 32 + Fri 27 Nov 7.
    assert brief(clocks["resolution"]) == (
        "5d", "2026-11-27T16:00:00+00:00", 3600, 140400, "ok",
    )  # fmt: skip


def test_a_clock_across_the_end_of_british_summer_time(london: Desk) -> None:
    # Fri 23 Oct 2026 16:00 BST; the clocks go back on Sunday 25 Oct.
    ref = log(london, "2026-10-23T16:00:00+01:00", "medium", "medium")
    friday_close = sla(london, ref, "2026-10-23T16:00:00+00:00")  # 17:00 BST
    assert friday_close["response"]["elapsed_seconds"] == 3600
    monday_early = sla(london, ref, "2026-10-26T08:30:00+00:00")  # Mon 08:30 GMT
    assert brief(monday_early["response"]) == (
        "4h", "2026-10-26T12:00:00+00:00", 3600, 10800, "ok",
    )  # fmt: skip
    assert brief(monday_early["resolution"]) == (
        "3d", "2026-10-28T16:00:00+00:00", 3600, 82800, "ok",
    )  # fmt: skip
    # Monday 09:00 GMT is 09:00Z, not 08:00Z: at 09:00Z no Monday time has counted yet.
    assert sla(london, ref, "2026-10-26T09:00:00+00:00")["response"]["elapsed_seconds"] == 3600


def test_holidays_in_the_middle_are_stepped_over(london: Desk) -> None:
    with london.tracker() as tracker:
        tracker.settings.add_holiday(at("2026-12-25T00:00:00+00:00").date(), name="Christmas Day")
        tracker.settings.add_holiday(
            at("2026-12-28T00:00:00+00:00").date(), name="Boxing Day (observed)"
        )
    # Thu 24 Dec 15:00: 2 h that day, then Fri 25 (holiday), the weekend, Mon 28 (holiday).
    ref = log(london, "2026-12-24T15:00:00+00:00", "medium", "medium")
    on_the_holiday = sla(london, ref, "2026-12-28T16:00:00+00:00")
    assert brief(on_the_holiday["response"]) == (
        "4h", "2026-12-29T11:00:00+00:00", 7200, 7200, "ok",
    )  # fmt: skip
    assert brief(on_the_holiday["resolution"]) == (
        "3d", "2026-12-31T15:00:00+00:00", 7200, 79200, "ok",  # Thu 2 + Tue 8 + Wed 8 + Thu 6
    )  # fmt: skip
    # Removing a holiday brings its working time back.
    with london.tracker() as tracker:
        tracker.settings.remove_holiday(at("2026-12-28T00:00:00+00:00").date())
    assert brief(sla(london, ref, "2026-12-28T16:00:00+00:00")["response"]) == (
        "4h", "2026-12-28T11:00:00+00:00", 32400, -18000, "breached",  # Thu 2 h + Mon 7 h
    )  # fmt: skip


def test_a_hold_of_two_working_hours_moves_the_resolution_due_time_two_hours(
    london: Desk,
) -> None:
    ref = log(london, "2026-11-23T09:00:00+00:00", "medium", "medium")  # Mon 09:00
    with london.tracker() as tracker:
        tracker.respond(ref, "looking", at=at("2026-11-23T09:30:00+00:00"))
    before = sla(london, ref, "2026-11-24T12:00:00+00:00")["resolution"]
    assert brief(before) == ("3d", "2026-11-25T17:00:00+00:00", 39600, 46800, "ok")
    with london.tracker() as tracker:
        tracker.hold(ref, "awaiting-vendor", at=at("2026-11-24T16:00:00+00:00"))  # Tue 16:00
        tracker.resume(ref, at=at("2026-11-25T10:00:00+00:00"))  # Wed 10:00: 1 h + 1 h held
    on_hold = sla(london, ref, "2026-11-25T09:30:00+00:00")
    assert on_hold["resolution"]["state"] == "paused"
    assert on_hold["resolution"]["elapsed_seconds"] == 54000  # Mon 8 h + Tue 7 h
    assert on_hold["resolution"]["remaining_seconds"] == 32400
    assert on_hold["response"]["state"] == "met"
    # Still paused an hour later, with nothing more counted.
    assert sla(london, ref, "2026-11-25T09:59:59+00:00")["resolution"]["elapsed_seconds"] == 54000
    after = sla(london, ref, "2026-11-25T11:00:00+00:00")["resolution"]
    assert brief(after) == ("3d", "2026-11-26T11:00:00+00:00", 57600, 28800, "ok")
    # 18 h of 24 h (75 %) are used at Wed 13:00.
    assert sla(london, ref, "2026-11-25T12:59:00+00:00")["resolution"]["state"] == "ok"
    assert sla(london, ref, "2026-11-25T13:00:00+00:00")["resolution"]["state"] == "at_risk"


def test_segments_show_the_weekend_outside_hours_and_the_hold_with_its_reason(
    london: Desk,
) -> None:
    ref = log(london, "2026-11-20T16:00:00+00:00", "medium", "medium")  # Fri 16:00
    with london.tracker() as tracker:
        tracker.respond(ref, "looking", at=at("2026-11-20T16:30:00+00:00"))
        tracker.hold(ref, "awaiting-vendor", at=at("2026-11-23T10:00:00+00:00"))
    resolution = explain(london, ref, "2026-11-23T11:00:00+00:00", "resolution")
    assert [(s["start"], s["end"], s["state"], s["counted_seconds"]) for s in resolution] == [
        ("2026-11-20T16:00:00+00:00", "2026-11-20T17:00:00+00:00", "running", 3600),
        ("2026-11-20T17:00:00+00:00", "2026-11-23T09:00:00+00:00", "outside_hours", 0),
        ("2026-11-23T09:00:00+00:00", "2026-11-23T10:00:00+00:00", "running", 3600),
        ("2026-11-23T10:00:00+00:00", None, "paused", 0),
    ]
    assert resolution[0]["event"] == {
        "kind": "logged", "at": "2026-11-20T16:00:00+00:00", "actor": "alice",
    }  # fmt: skip
    assert resolution[1]["event"] is None
    assert resolution[1]["reason"] is None
    assert resolution[3]["reason"] == "awaiting-vendor"
    assert resolution[3]["event"] == {
        "kind": "held", "at": "2026-11-23T10:00:00+00:00", "actor": "alice",
    }  # fmt: skip
    response = explain(london, ref, "2026-11-23T11:00:00+00:00", "response")
    assert [(s["start"], s["end"], s["state"], s["counted_seconds"]) for s in response] == [
        ("2026-11-20T16:00:00+00:00", "2026-11-20T16:30:00+00:00", "running", 1800),
        ("2026-11-20T16:30:00+00:00", None, "stopped", 0),
    ]
    assert response[1]["event"] == {
        "kind": "responded", "at": "2026-11-20T16:30:00+00:00", "actor": "alice",
    }  # fmt: skip


# -- worked examples on 24x7 -----------------------------------------------------------------


def test_a_late_response_stays_breached_after_resolve_and_close(later: Desk) -> None:
    ref = log(later, "2026-11-20T08:00:00+00:00", "high", "high")  # P1: respond in 15m
    with later.tracker() as tracker:
        tracker.respond(ref, "on it", at=at("2026-11-20T08:20:00+00:00"))
    responded = sla(later, ref, "2026-11-20T08:30:00+00:00")
    assert brief(responded["response"]) == (
        "15m", "2026-11-20T08:15:00+00:00", 1200, -300, "breached",
    )  # fmt: skip
    with later.tracker() as tracker:
        tracker.resolve(ref, code="fixed", note="rebooted", at=at("2026-11-20T09:00:00+00:00"))
    resolved = sla(later, ref, "2026-11-20T09:30:00+00:00")
    assert resolved["response"]["state"] == "breached"
    assert resolved["response"]["elapsed_seconds"] == 1200
    assert brief(resolved["resolution"])[2:] == (3600, 10800, "met")
    with later.tracker() as tracker:
        tracker.close(ref, confirmed_by="Bob", at=at("2026-11-21T09:00:00+00:00"))
    closed = sla(later, ref, "2026-12-01T00:00:00+00:00")
    assert closed["response"]["state"] == "breached"
    assert closed["resolution"]["state"] == "met"
    # The record (as of now, weeks later) says the same.
    with later.tracker(write=False) as tracker:
        record = tracker.record(tracker.get_or_raise(ref))
    assert record["sla"]["response"]["state"] == "breached"
    assert record["sla"]["resolution"]["state"] == "met"


def test_met_after_resolving_in_time(later: Desk) -> None:
    ref = log(later, "2026-11-20T08:00:00+00:00", "high", "medium")  # P2: 30m / 8h
    with later.tracker() as tracker:
        tracker.respond(ref, "on it", at=at("2026-11-20T08:10:00+00:00"))
        tracker.resolve(ref, code="fixed", note="patched", at=at("2026-11-20T11:00:00+00:00"))
    clocks = sla(later, ref, "2026-11-20T23:00:00+00:00")
    assert brief(clocks["response"])[0] == "30m"
    assert brief(clocks["response"])[2:] == (600, 1200, "met")
    assert brief(clocks["resolution"])[0] == "8h"
    assert brief(clocks["resolution"])[2:] == (10800, 18000, "met")


def test_a_reopened_incident_counts_before_and_after_but_not_the_resolved_gap(
    later: Desk,
) -> None:
    ref = log(later, "2026-11-19T00:00:00+00:00", "high", "medium")  # P2: resolve in 8h
    with later.tracker() as tracker:
        tracker.respond(ref, "on it", at=at("2026-11-19T00:10:00+00:00"))
        tracker.resolve(ref, code="fixed", note="restarted", at=at("2026-11-19T02:00:00+00:00"))
    resolved = sla(later, ref, "2026-11-19T04:00:00+00:00")["resolution"]
    assert brief(resolved)[2:] == (7200, 21600, "met")
    with later.tracker() as tracker:
        tracker.reopen(ref, reason="down again", at=at("2026-11-19T05:00:00+00:00"))
    # The answer for 04:00 does not change when the reopen comes later.
    assert brief(sla(later, ref, "2026-11-19T04:00:00+00:00")["resolution"])[2:] == (
        7200, 21600, "met",
    )  # fmt: skip
    running = sla(later, ref, "2026-11-19T06:00:00+00:00")["resolution"]
    assert brief(running) == ("8h", "2026-11-19T11:00:00+00:00", 10800, 18000, "ok")
    late = sla(later, ref, "2026-11-19T11:30:00+00:00")["resolution"]
    assert brief(late) == ("8h", "2026-11-19T11:00:00+00:00", 30600, -1800, "breached")
    segs = explain(later, ref, "2026-11-19T06:00:00+00:00", "resolution")
    assert [(s["start"], s["end"], s["state"], s["counted_seconds"]) for s in segs] == [
        ("2026-11-19T00:00:00+00:00", "2026-11-19T02:00:00+00:00", "running", 7200),
        ("2026-11-19T02:00:00+00:00", "2026-11-19T05:00:00+00:00", "stopped", 0),
        ("2026-11-19T05:00:00+00:00", None, "running", 3600),
    ]
    assert [s["event"]["kind"] for s in segs] == ["logged", "resolved", "reopened"]


def test_cancelling_stops_the_clocks_as_cancelled_not_met(later: Desk) -> None:
    # P2 (30m / 8h on 24x7), cancelled 20 minutes in: nobody responded or resolved
    # anything, so neither clock was met.
    ref = log(later, "2026-11-20T08:00:00+00:00", "high", "medium")
    with later.tracker() as tracker:
        tracker.cancel(ref, reason="logged twice", at=at("2026-11-20T08:20:00+00:00"))
    clocks = sla(later, ref, "2026-11-20T12:00:00+00:00")
    assert brief(clocks["response"]) == ("30m", None, 1200, 600, "cancelled")
    assert brief(clocks["resolution"]) == ("8h", None, 1200, 27600, "cancelled")
    # Answered in time, then cancelled from in progress: the response was met.
    answered = log(later, "2026-11-20T09:00:00+00:00", "high", "medium")
    with later.tracker() as tracker:
        tracker.respond(answered, "looking", at=at("2026-11-20T09:10:00+00:00"))
        tracker.cancel(answered, reason="logged in error", at=at("2026-11-20T10:00:00+00:00"))
    clocks = sla(later, answered, "2026-11-20T12:00:00+00:00")
    assert brief(clocks["response"])[2:] == (600, 1200, "met")
    assert brief(clocks["resolution"]) == ("8h", None, 3600, 25200, "cancelled")
    # A breach is permanent: a response 40 minutes late stays breached when cancelled.
    late = log(later, "2026-11-20T09:00:00+00:00", "high", "medium")
    with later.tracker() as tracker:
        tracker.cancel(late, reason="duplicate", at=at("2026-11-20T09:40:00+00:00"))
    clocks = sla(later, late, "2026-11-20T12:00:00+00:00")
    assert brief(clocks["response"]) == (
        "30m", "2026-11-20T09:30:00+00:00", 2400, -600, "breached",
    )  # fmt: skip
    assert clocks["resolution"]["state"] == "cancelled"


def test_a_clock_that_ran_out_at_close_of_business_is_breached_that_evening(
    later: Desk,
) -> None:
    ref = log(later, "2026-11-24T09:00:00+00:00", "medium", "medium")  # Tue 09:00, P3
    with later.tracker() as tracker:
        tracker.respond(ref, "looking", at=at("2026-11-24T09:30:00+00:00"))
    # 24 working hours: Tue, Wed, Thu 09:00-17:00, so due Thu 26 17:00.
    assert sla(later, ref, "2026-11-26T16:00:00+00:00")["resolution"]["due_at"] == (
        "2026-11-26T17:00:00+00:00"
    )
    evening = sla(later, ref, "2026-11-26T20:00:00+00:00")["resolution"]  # Thu 20:00
    assert evening["elapsed_seconds"] == 86400
    # The due time has passed and it is not resolved: breached, and still due at 17:00.
    assert (evening["due_at"], evening["state"]) == ("2026-11-26T17:00:00+00:00", "breached")


def test_an_untriaged_incident_has_no_clocks(later: Desk) -> None:
    ref = log(later, "2026-11-20T08:00:00+00:00")
    none = {
        "target": None, "target_seconds": None, "calendar": None, "due_at": None,
        "elapsed_seconds": None, "remaining_seconds": None, "state": "none",
    }  # fmt: skip
    assert sla(later, ref, "2026-11-25T08:00:00+00:00") == {"response": none, "resolution": none}


def test_a_priority_change_applies_the_new_targets_from_the_report(later: Desk) -> None:
    ref = log(later, "2026-11-23T09:00:00+00:00", "medium", "medium")  # P3, Mon 09:00
    with later.tracker() as tracker:
        tracker.prioritize(ref, impact="high", urgency="high", at=at("2026-11-23T10:00:00+00:00"))
    as_p3 = sla(later, ref, "2026-11-23T09:30:00+00:00")
    assert brief(as_p3["response"]) == ("4h", "2026-11-23T13:00:00+00:00", 1800, 12600, "ok")
    assert brief(as_p3["resolution"]) == ("3d", "2026-11-25T17:00:00+00:00", 1800, 84600, "ok")
    as_p1 = sla(later, ref, "2026-11-23T10:30:00+00:00")
    assert brief(as_p1["response"]) == (
        "15m", "2026-11-23T09:15:00+00:00", 5400, -4500, "breached",
    )  # fmt: skip
    assert brief(as_p1["resolution"]) == ("4h", "2026-11-23T13:00:00+00:00", 5400, 9000, "ok")
    assert as_p1["resolution"]["calendar"] == "24x7"


def test_at_risk_from_75_percent_of_the_target(later: Desk) -> None:
    ref = log(later, "2026-11-20T08:00:00+00:00", "high", "medium")  # P2: respond in 30m
    assert brief(sla(later, ref, "2026-11-20T08:22:29+00:00")["response"])[2:] == (
        1349, 451, "ok",
    )  # fmt: skip
    assert brief(sla(later, ref, "2026-11-20T08:22:30+00:00")["response"])[2:] == (
        1350, 450, "at_risk",
    )  # fmt: skip
    assert sla(later, ref, "2026-11-20T08:22:30+00:00")["resolution"]["state"] == "ok"
    with later.tracker() as tracker:
        tracker.settings.set_at_risk("50%")
    assert sla(later, ref, "2026-11-20T08:15:00+00:00")["response"]["state"] == "at_risk"
    assert sla(later, ref, "2026-11-20T08:14:59+00:00")["response"]["state"] == "ok"


def test_a_clock_cannot_be_asked_before_the_report(later: Desk) -> None:
    ref = log(later, "2026-11-20T08:00:00+00:00", "high", "medium")
    with pytest.raises(Rejected, match="was reported at"):
        sla(later, ref, "2026-11-20T07:59:00+00:00")


# -- the report and the queue ------------------------------------------------------------------


def test_sla_report_lists_open_incidents_at_the_moment_asked(later: Desk) -> None:
    a = log(later, "2026-11-20T08:00:00+00:00", "high", "high")  # P1, never answered
    b = log(later, "2026-11-20T08:00:00+00:00", "high", "medium")  # P2
    c = log(later, "2026-11-20T08:00:00+00:00", "high", "high")  # P1, late, resolved 09:00
    with later.tracker() as tracker:
        tracker.respond(c, "on it", at=at("2026-11-20T08:20:00+00:00"))
        tracker.resolve(c, code="fixed", note="done", at=at("2026-11-20T09:00:00+00:00"))

    def report(as_of: str, **kwargs: Any) -> list[tuple[str, str, str]]:
        with later.tracker(write=False) as tracker:
            found = tracker.sla_report(as_of=at(as_of), **kwargs)
            return [(f"INC-{x.incident.id}", x.response.state, x.resolution.state) for x in found]

    # 08:24: a and c are 24 min into a 15 min response; b is 24 of 30 min (80 %).
    assert report("2026-11-20T08:24:00+00:00") == [
        (a, "breached", "ok"), (c, "breached", "ok"), (b, "at_risk", "ok"),
    ]  # fmt: skip
    assert report("2026-11-20T08:24:00+00:00", states=["at_risk"]) == [(b, "at_risk", "ok")]
    assert report("2026-11-20T08:24:00+00:00", priorities=["P2"]) == [(b, "at_risk", "ok")]
    # 09:30: c is resolved, so it is left out although its response was late.
    assert report("2026-11-20T09:30:00+00:00") == [
        (a, "breached", "ok"), (b, "breached", "ok"),
    ]  # fmt: skip
    # 08:05: nothing is late yet (a: 5 of 15 min, 33 %).
    assert report("2026-11-20T08:05:00+00:00") == []


def test_queue_untriaged_first_then_priority_then_nearest_due(
    desk: Desk, clock: FixedClock
) -> None:
    """Now is Fri 2026-11-20 10:00 UTC; the business calendar is UTC Mon-Fri 09:00-17:00."""
    clock.set(at("2026-11-20T10:00:00+00:00"))
    old_p3 = log(desk, "2026-11-16T09:00:00+00:00", "medium", "medium")  # Mon
    new_p3 = log(desk, "2026-11-17T09:00:00+00:00", "medium", "medium")  # Tue
    p4 = log(desk, "2026-11-16T08:00:00+00:00", "medium", "low")  # oldest of all
    p1 = log(desk, "2026-11-18T09:00:00+00:00", "high", "high")
    untriaged = log(desk, "2026-11-20T08:00:00+00:00")  # the newest
    with desk.tracker() as tracker:
        tracker.respond(old_p3, "looking", at=at("2026-11-16T09:30:00+00:00"))
        # Held Mon 10:00 to Thu 10:00 (24 working hours): due Mon 23 17:00.
        tracker.hold(old_p3, "awaiting-reporter", at=at("2026-11-16T10:00:00+00:00"))
        tracker.respond(new_p3, "looking", at=at("2026-11-17T09:30:00+00:00"))  # due Thu 17:00
        tracker.resume(old_p3, at=at("2026-11-19T10:00:00+00:00"))
    with desk.tracker(write=False) as tracker:
        queue = [f"INC-{i.id}" for i in tracker.find()]
        due = {ref: tracker.sla(ref).resolution.due_at for ref in (old_p3, new_p3)}
    assert queue == [untriaged, p1, new_p3, old_p3, p4]
    assert due == {
        old_p3: at("2026-11-23T17:00:00+00:00"),
        new_p3: at("2026-11-19T17:00:00+00:00"),
    }


# -- properties ----------------------------------------------------------------------------------

STEPS = st.lists(
    st.tuples(st.sampled_from(["hold", "resume", "resolve", "reopen"]), st.integers(1, 600)),
    max_size=8,
)
"""Verbs with the minutes before each; a verb the status does not allow is skipped."""

ALLOWED = {
    "in_progress": {"hold": "on_hold", "resolve": "resolved"},
    "on_hold": {"resume": "in_progress", "resolve": "resolved"},
    "resolved": {"reopen": "in_progress"},
}
"""The moves of the lifecycle the property drives (from PRODUCT.md)."""


def _play(tracker: Tracker, ref: str, moves: list[tuple[str, datetime]]) -> None:
    for verb, when in moves:
        if verb == "hold":
            tracker.hold(ref, "awaiting-vendor", at=when)
        elif verb == "resume":
            tracker.resume(ref, at=when)
        elif verb == "resolve":
            tracker.resolve(ref, code="fixed", note="done", at=when)
        elif verb == "reopen":
            tracker.reopen(ref, reason="again", at=when)
        elif verb == "respond":
            tracker.respond(ref, "looking", at=when)
        else:
            raise AssertionError(f"no such move: {verb}")


def _history(
    start: datetime, respond_after: int, steps: list[tuple[str, int]]
) -> tuple[list[tuple[str, datetime]], list[tuple[datetime, str]]]:
    """The moves that go through, and the status stretches (start, status) they make."""
    when = start + timedelta(minutes=respond_after)
    moves: list[tuple[str, datetime]] = [("respond", when)]
    stretches = [(start, "new"), (when, "in_progress")]
    status = "in_progress"
    for verb, minutes in steps:
        target = ALLOWED[status].get(verb)
        if target is None:
            continue
        when += timedelta(minutes=minutes)
        moves.append((verb, when))
        stretches.append((when, target))
        status = target
    return moves, stretches


def running_until(stretches: list[tuple[datetime, str]], moment: datetime) -> float:
    """Seconds spent new or in progress from the report up to ``moment`` (the hand model);
    the last stretch goes on forever."""
    ends = [s for s, _ in stretches[1:]] + [max(moment, stretches[-1][0])]
    return sum(
        (min(end, moment) - begin).total_seconds()
        for (begin, status), end in zip(stretches, ends, strict=True)
        if status in ("new", "in_progress") and min(end, moment) > begin
    )


@pytest.fixture(scope="module")
def property_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """One SQLite file for all examples (a new incident each); the clock far ahead."""
    path: Path = tmp_path_factory.mktemp("sla-property") / "sla.db"
    database = Database.open(str(path))
    yield Desk(database, FixedClock(datetime(2030, 1, 1, tzinfo=UTC)))
    database.dispose()


BASE = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)


def test_resolution_time_never_exceeds_wall_time_on_24x7(property_desk: Desk) -> None:
    desk = property_desk

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        offset=st.integers(0, 60 * 24 * 200),
        respond_after=st.integers(0, 120),
        steps=STEPS,
        tail=st.integers(0, 2000),
        impact=st.sampled_from(["high", "medium"]),
    )
    def check(
        offset: int, respond_after: int, steps: list[tuple[str, int]], tail: int, impact: str
    ) -> None:
        start = BASE + timedelta(minutes=offset)
        moves, stretches = _history(start, respond_after, steps)
        with desk.tracker() as tracker:
            ref = f"INC-{tracker.log('prop', impact=impact, urgency='high', at=start).id}"
            _play(tracker, ref, moves)
        as_of = moves[-1][1] + timedelta(minutes=tail)
        with desk.tracker(write=False) as tracker:
            clocks = tracker.sla(ref, as_of=as_of)
        elapsed = clocks.resolution.elapsed
        assert 0 <= elapsed <= (as_of - start).total_seconds()
        # More exactly: the time spent new or in progress (a hand model of the rule).
        assert elapsed == running_until(stretches, as_of)

    check()


def test_a_hold_only_moves_the_due_time_later(property_desk: Desk) -> None:
    desk = property_desk

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: keep it fast
    )
    @given(
        offset=st.integers(0, 60 * 24 * 200),
        steps=STEPS,
        where=st.integers(0, 20),
        hold_from=st.integers(0, 100),
        hold_for=st.integers(1, 100),
        tail=st.integers(1, 3000),
        # P2 (8h on 24x7) or P3 (3 business days)
        pair=st.sampled_from([("high", "medium"), ("medium", "medium")]),
    )
    # Found by the search: with the extra minute of hold the 8 h run out exactly when the
    # incident goes on hold at 08:02; resumed at 08:32, it is still due at 08:02, not 08:32.
    @example(
        offset=0, steps=[("hold", 32), ("resume", 1), ("hold", 444)], where=0, hold_from=0,
        hold_for=1, tail=1, pair=("high", "medium"),
    )  # fmt: skip
    def check(
        offset: int,
        steps: list[tuple[str, int]],
        where: int,
        hold_from: int,
        hold_for: int,
        tail: int,
        pair: tuple[str, str],
    ) -> None:
        start = BASE + timedelta(minutes=offset)
        moves, stretches = _history(start, 5, steps)
        # End running, so that both histories have a due time at as_of.
        last_status, last = stretches[-1][1], moves[-1][1]
        closing = {"on_hold": "resume", "resolved": "reopen"}.get(last_status)
        if closing:
            last += timedelta(minutes=30)
            moves.append((closing, last))
            stretches.append((last, "in_progress"))
        as_of = last + timedelta(minutes=tail)
        # The extra hold goes inside an in-progress stretch, leaving every other time as is.
        ends = [s for s, _ in stretches[1:]] + [as_of]
        working = [
            (begin, end)
            for (begin, status), end in zip(stretches, ends, strict=True)
            if status == "in_progress"
        ]
        begin, end = working[where % len(working)]
        span = int((end - begin).total_seconds() // 60)
        if span < 3:
            return
        hold_at = begin + timedelta(minutes=1 + hold_from % (span - 2))
        resume_at = min(hold_at + timedelta(minutes=hold_for), end - timedelta(minutes=1))
        held = sorted([*moves, ("hold", hold_at), ("resume", resume_at)], key=lambda m: m[1])
        held_stretches = sorted(
            [*stretches, (hold_at, "on_hold"), (resume_at, "in_progress")], key=lambda s: s[0]
        )

        due = []
        for history, model in ((moves, stretches), (held, held_stretches)):
            with desk.tracker() as tracker:
                incident = tracker.log("prop", impact=pair[0], urgency=pair[1], at=start)
                ref = f"INC-{incident.id}"
                _play(tracker, ref, history)
            with desk.tracker(write=False) as tracker:
                clock = tracker.sla(ref, as_of=as_of).resolution
            assert clock.due_at is not None
            due.append(clock.due_at)
            if pair == ("high", "medium"):
                # On 24x7 the due time is the first instant at which 8 h have run.
                assert running_until(model, clock.due_at) == 8 * 3600
                assert running_until(model, clock.due_at - timedelta(seconds=1)) < 8 * 3600
        plain, with_hold = due
        assert with_hold >= plain

    check()
