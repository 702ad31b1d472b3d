"""Pure rules: no database."""

from __future__ import annotations

import pytest

from inctrack.domain import (
    MAX_ID,
    HoldReason,
    Level,
    Priority,
    ResolutionCode,
    Status,
    parse_category,
    parse_choice,
    parse_incident_ref,
    parse_problem_ref,
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


def test_ids_stop_where_both_databases_stop() -> None:
    """PostgreSQL's integer holds 2**31 - 1; a larger number is refused, not sent."""
    assert MAX_ID == 2_147_483_647
    assert parse_incident_ref(f"INC-{MAX_ID}") == MAX_ID
    assert parse_incident_ref("inc-0042") == 42  # leading zeros are still the number
    assert parse_problem_ref(f"PRB-{MAX_ID}") == MAX_ID


@pytest.mark.parametrize(
    "typed", [f"INC-{MAX_ID + 1}", "99999999999999999999", "9" * 5000, MAX_ID + 1, 0, -1]
)
def test_out_of_range_ids_are_rejected_with_the_range(typed: str | int) -> None:
    with pytest.raises(Rejected, match=f"must be from 1 to {MAX_ID}"):
        parse_incident_ref(typed)
    problem = typed.replace("INC", "PRB") if isinstance(typed, str) else typed
    with pytest.raises(Rejected, match=f"not a problem ID; its number must be from 1 to {MAX_ID}"):
        parse_problem_ref(problem)


def test_a_choice_in_any_case() -> None:
    assert parse_choice(ResolutionCode, " Fixed ", "resolution code") == "fixed"


@pytest.mark.parametrize(
    ("enum", "typed", "guess"),
    [(ResolutionCode, "fixd", "fixed"), (ResolutionCode, "no fault", "no-fault"),
     (HoldReason, "awaiting-vendr", "awaiting-vendor")],
)  # fmt: skip
def test_a_typo_in_a_choice_gets_a_suggestion(enum: type, typed: str, guess: str) -> None:
    with pytest.raises(Rejected, match=rf"\(did you mean {guess}\?\); use one of"):
        parse_choice(enum, typed, "value")


def test_a_choice_far_from_any_lists_them_without_a_guess() -> None:
    with pytest.raises(Rejected) as refused:
        parse_choice(ResolutionCode, "banana", "resolution code")
    assert refused.value.message == (
        "'banana' is not a resolution code; use one of fixed, workaround, no-fault, "
        "duplicate, other."
    )


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
