"""The lifecycle table, pure: every status against every verb, no database.

The expected table below is written out by hand from PRODUCT.md ("Status") and
the rules in inctrack.lifecycle's docstring: a status name is where the verb
leads, ``-`` is a refusal.
"""

from __future__ import annotations

import re

import pytest

from inctrack.domain import Status
from inctrack.errors import Rejected
from inctrack.lifecycle import Verb, next_status

from .helpers import EXPECTED

MOVE_VERBS = ("respond", "hold", "resume", "resolve", "close", "reopen", "cancel")


def _moves_from(status: Status) -> dict[str, Status]:
    """The status-changing verbs the grid allows from ``status``."""
    return {
        verb.value: target
        for (source, verb), target in EXPECTED.items()
        if source is status and target is not None and target is not status
    }


def test_the_grid_covers_every_status_and_every_verb() -> None:
    assert {status for status, _ in EXPECTED} == set(Status)
    assert {verb for _, verb in EXPECTED} == set(Verb)
    assert len(EXPECTED) == len(Status) * len(Verb)


@pytest.mark.parametrize(("status", "verb"), list(EXPECTED), ids=lambda v: str(v))
def test_every_status_and_verb(status: Status, verb: Verb) -> None:
    expected = EXPECTED[(status, verb)]
    if expected is not None:
        assert next_status(status, verb, incident_id="INC-7") is expected
        return
    with pytest.raises(Rejected) as refused:
        next_status(status, verb, incident_id="INC-7")
    message = refused.value.message
    phrases = {
        Verb.ROLE: "name roles on",
        Verb.LINK_PROBLEM: "link a problem to",
        Verb.OWNER: "change the owner of",
        Verb.UPDATE: "post an update on",
    }
    doing = phrases.get(verb, verb.value)  # reads as English
    assert message.startswith(f"Cannot {doing} INC-7: it is {status}")
    if status in (Status.CLOSED, Status.CANCELLED):
        assert "final" in message
        return
    allowed = message.split("allowed moves are", 1)[1]
    named = {word for word in MOVE_VERBS if re.search(rf"\b{word}\b", allowed)}
    moves = _moves_from(status)
    assert named == set(moves)
    for target in moves.values():
        assert target.value in allowed
