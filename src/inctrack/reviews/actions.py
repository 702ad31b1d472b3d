"""Action items of reviews (``ACT-n``), and the report of what reviews still owe.

An action item belongs to a review, has an owner (a registered user) and a due
time, and may name the problem record it feeds (``--problem PRB-n``). It is done
once, by anyone who may work on reviews.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from inctrack.domain import (
    Status,
    format_incident_id,
    format_problem_id,
    parse_problem_ref,
    required_text,
)
from inctrack.errors import NotFound, Rejected
from inctrack.records import Record, timestamp
from inctrack.reviews.records import MAX_ACTION, action_record, format_action_id, parse_action_ref
from inctrack.reviews.verbs import Reviews, ReviewStatus
from inctrack.storage.models import ActionItem, Incident, Problem, Review

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker


class Actions:
    """Action items inside the tracker's unit of work."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.work = tracker.work
        self.session = tracker.work.session

    def add(
        self, ref: str | int, text: str, *, owner: str, due: datetime,
        problem: str | int | None = None,
    ) -> ActionItem:  # fmt: skip
        """A new action item on the review of ``ref`` (NotFound without one)."""
        self.work.authorize("review")
        body = required_text(text, "action item", limit=MAX_ACTION)
        review = Reviews(self.tracker).get_or_raise(ref)
        person = self.work.people.get(owner.strip())
        if person is None or not person.active:
            raise Rejected(
                f"{owner!r} is not an active user, so cannot own an action item; "
                "`inctrack user list` shows who can."
            )
        if due.tzinfo is None:
            raise Rejected("A due time without a time zone reached the tracker.")
        problem_id = None
        if problem is not None:
            problem_id = parse_problem_ref(problem)
            if self.session.get(Problem, problem_id) is None:
                raise NotFound(f"There is no problem {format_problem_id(problem_id)}.")
        now = self.work.now()
        item = ActionItem(
            id=self.work.numbers.take("action"), incident_id=review.incident_id, text=body,
            owner=person.name, due_at=due.replace(microsecond=0), problem_id=problem_id,
            created_at=now, created_by=self.work.actor,
        )  # fmt: skip
        self.session.add(item)
        self.session.flush()
        return item

    def done(self, ref: str | int) -> ActionItem:
        """Mark an action item done (Rejected when it is already)."""
        self.work.authorize("review")
        number = parse_action_ref(ref)
        statement = select(ActionItem).where(col(ActionItem.id) == number).with_for_update()
        item = self.session.scalars(statement).first()
        if item is None:
            raise NotFound(
                f"There is no action item {format_action_id(number)}; "
                "`inctrack review action list --all` shows them."
            )
        if item.done_at is not None:
            raise Rejected(f"{format_action_id(number)} was done already.")
        item.done_at = self.work.now()
        item.done_by = self.work.actor
        self.session.add(item)
        self.session.flush()
        return item

    def find(
        self, *, incident: str | int | None = None, include_done: bool = False
    ) -> list[ActionItem]:
        """Action items by due time (open ones only unless ``include_done``)."""
        statement = select(ActionItem)
        if incident is not None:
            statement = statement.where(
                col(ActionItem.incident_id)
                == Reviews(self.tracker).get_or_raise(incident).incident_id
            )
        if not include_done:
            statement = statement.where(col(ActionItem.done_at).is_(None))
        order = (col(ActionItem.due_at), col(ActionItem.id))
        return list(self.session.scalars(statement.order_by(*order)))

    def records(self, items: list[ActionItem]) -> list[Record]:
        now = self.work.now()
        return [action_record(item, now=now) for item in items]


def owed(tracker: Tracker, *, older_than: timedelta) -> list[Record]:
    """`report reviews`: major incidents resolved more than ``older_than`` ago without a
    completed review (oldest first), then open action items past due (most overdue
    first)."""
    now = tracker.work.now()
    session = tracker.work.session
    completed = select(col(Review.incident_id)).where(
        col(Review.status) == ReviewStatus.COMPLETED.value
    )
    statement = (
        select(Incident, col(Review.status))
        .outerjoin(Review, col(Review.incident_id) == col(Incident.id))
        .where(col(Incident.major).is_(True))
        .where(col(Incident.status).in_((Status.RESOLVED.value, Status.CLOSED.value)))
        .where(col(Incident.resolved_at) < now - older_than)
        .where(col(Incident.id).not_in(completed))
        .order_by(col(Incident.resolved_at), col(Incident.id))
    )
    rows: list[Record] = [
        {"kind": "review", "id": format_incident_id(incident.id),
         "incident": format_incident_id(incident.id), "text": incident.title,
         "owner": (incident.roles or {}).get("manager") or incident.owner,
         "since": timestamp(incident.resolved_at),
         "state": "draft" if status else "no review"}
        for incident, status in session.execute(statement)
    ]  # fmt: skip
    late = (
        select(ActionItem)
        .where(col(ActionItem.done_at).is_(None))
        .where(col(ActionItem.due_at) < now)
        .order_by(col(ActionItem.due_at), col(ActionItem.id))
    )
    rows += [
        {"kind": "action", "id": format_action_id(item.id),
         "incident": format_incident_id(item.incident_id), "text": item.text,
         "owner": item.owner, "since": timestamp(item.due_at), "state": "overdue"}
        for item in session.scalars(late)
    ]  # fmt: skip
    return rows
