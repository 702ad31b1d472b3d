"""Pure rules: no database."""

from __future__ import annotations

import pytest

from inctrack.domain import (
    Level,
    Priority,
    Status,
    parse_category,
    parse_incident_ref,
    priority_for,
)
from inctrack.errors import Rejected


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        ("high", "high", "P1"),
        ("high", "medium", "P2"),
        ("high", "low", "P3"),
        ("medium", "high", "P2"),
        ("medium", "medium", "P3"),
        ("medium", "low", "P4"),
        ("low", "high", "P3"),
        ("low", "medium", "P4"),
        ("low", "low", "P4"),
    ],
)
def test_the_nine_cells_of_the_itil_matrix(impact: str, urgency: str, expected: str) -> None:
    assert priority_for(Level(impact), Level(urgency)) == expected


def test_untriaged_without_both_levels() -> None:
    assert priority_for(Level.HIGH, None) is None
    assert priority_for(None, None) is None


@pytest.mark.parametrize(("typed", "level"), [("1", "high"), ("2", "medium"), ("3", "low"),
                                               ("HIGH", "high"), (" Low ", "low")])  # fmt: skip
def test_levels_accept_numbers_and_any_case(typed: str, level: str) -> None:
    assert Level.parse(typed) == level


def test_an_unknown_level_is_rejected_with_the_choices() -> None:
    with pytest.raises(Rejected, match="high, medium or low"):
        Level.parse("4")


@pytest.mark.parametrize("typed", ["INC-42", "inc-42", "42", " Inc-42 ", "inc42"])
def test_incident_refs(typed: str) -> None:
    assert parse_incident_ref(typed) == 42


@pytest.mark.parametrize("typed", ["INC-", "PRB-4", "0", "-3", "4.2", ""])
def test_bad_incident_refs_are_rejected(typed: str) -> None:
    with pytest.raises(Rejected, match="not an incident ID"):
        parse_incident_ref(typed)


def test_priorities_are_an_ordered_ladder() -> None:
    assert sorted([Priority.P3, Priority.P1, Priority.P5]) == ["P1", "P3", "P5"]
    assert Priority.parse("p2") is Priority.P2
    assert Priority.parse("4") is Priority.P4
    assert Priority.P1.label == "critical"


def test_categories_split_and_lower_case() -> None:
    assert parse_category("Network/VPN") == ("network", "vpn")
    assert parse_category("email") == ("email", None)
    for bad in ("", "/vpn", "network/", "a/b/c"):
        with pytest.raises(Rejected):
            parse_category(bad)


def test_open_statuses() -> None:
    assert {s for s in Status if s.is_open} == {"new", "in_progress", "on_hold"}
