"""The review service: create, write, complete, and read reviews.

A review is a record with events (``review_events``), as incidents and problems
are: the row holds what the sections say now; each change (created, a section
written, completed) is one event with the old and new text, so the history of a
review is known without keeping whole copies of it. Which incidents get a review:
a resolved or closed incident that is major or P1/P2 (exit 4 otherwise).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from inctrack.domain import Status, format_incident_id, parse_incident_ref
from inctrack.errors import NotFound, Rejected
from inctrack.records import Record, timestamp
from inctrack.reviews.facts import facts
from inctrack.reviews.records import action_record
from inctrack.reviews.sections import MAX_SECTION, SECTIONS, section_name
from inctrack.storage.models import ActionItem, Incident, Review, ReviewEvent
from inctrack.work import no_such_incident

if TYPE_CHECKING:
    from inctrack.incidents.tracker import Tracker

REVIEWED_PRIORITIES = frozenset({"P1", "P2"})
REVIEWED_STATUSES = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"


class Reviews:
    """Post-incident reviews inside the tracker's unit of work."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.work = tracker.work
        self.session = tracker.work.session

    def create(self, ref: str | int) -> Review:
        """Start the review of a resolved major or P1/P2 incident (Rejected otherwise,
        and when it has one already)."""
        self.work.authorize("review")
        incident = self._incident(ref, lock=True)  # two people starting it at once: one wins
        incident_id = format_incident_id(incident.id)
        if not (incident.major or incident.priority in REVIEWED_PRIORITIES):
            raise Rejected(
                f"{incident_id} is {incident.priority or 'not prioritized'} and not major; "
                "reviews are for major incidents and P1/P2."
            )
        if incident.status not in REVIEWED_STATUSES:
            raise Rejected(
                f"{incident_id} is {incident.status.replace('_', ' ')}; review it once it is "
                "resolved (`inctrack resolve`)."
            )
        if self.session.get(Review, incident.id) is not None:
            raise Rejected(
                f"{incident_id} has a review already; `inctrack review show {incident_id}` "
                "shows it."
            )
        now = self.work.now()
        review = Review(incident_id=incident.id, status=ReviewStatus.DRAFT, sections={},
                        created_at=now, created_by=self.work.actor, updated_at=now)  # fmt: skip
        self.session.add(review)
        self.session.flush()
        self._event(review, "created", now=now)
        return review

    def get_or_raise(self, ref: str | int, *, lock: bool = False) -> Review:
        number = parse_incident_ref(ref)
        statement = select(Review).where(col(Review.incident_id) == number)
        if lock:
            statement = statement.with_for_update()
        review = self.session.scalars(statement).first()
        if review is None:
            raise NotFound(
                f"{format_incident_id(number)} has no review; `inctrack review "
                f"{format_incident_id(number)}` starts one."
            )
        return review

    def write(self, ref: str | int, changes: dict[str, str]) -> Review:
        """Set sections (name or heading -> Markdown; ``""`` clears one): one event each
        that changed. Rejected once the review is completed."""
        self.work.authorize("review")
        review = self.get_or_raise(ref, lock=True)
        if review.status == ReviewStatus.COMPLETED:
            raise Rejected(
                f"The review of {format_incident_id(review.incident_id)} is completed; "
                "it is kept as it was agreed."
            )
        sections = dict(review.sections or {})
        now = self.work.now()
        for given, text in changes.items():
            name = section_name(given)
            body = text.strip()
            if len(body) > MAX_SECTION:
                raise Rejected(
                    f"{SECTIONS[name]} is {len(body)} characters; the limit is {MAX_SECTION}."
                )
            old = sections.get(name) or None
            if (body or None) == old:
                continue
            if body:
                sections[name] = body
            else:
                sections.pop(name, None)
            self._event(review, "section_written", now=now, field=name, old=old, new=body or None)
        review.sections = sections
        review.updated_at = now
        self.session.add(review)
        self.session.flush()
        return review

    def complete(self, ref: str | int) -> Review:
        """Mark the review agreed: every section written (Rejected otherwise)."""
        self.work.authorize("review")
        review = self.get_or_raise(ref, lock=True)
        incident_id = format_incident_id(review.incident_id)
        if review.status == ReviewStatus.COMPLETED:
            raise Rejected(f"The review of {incident_id} is completed already.")
        missing = [name for name in SECTIONS if not (review.sections or {}).get(name)]
        if missing:
            raise Rejected(
                f"The review of {incident_id} still lacks {', '.join(missing)}; "
                f"write them with `inctrack review edit {incident_id} --section NAME`."
            )
        now = self.work.now()
        review.status = ReviewStatus.COMPLETED
        review.completed_at = review.updated_at = now
        review.completed_by = self.work.actor
        self.session.add(review)
        self._event(review, "completed", now=now, field="status", old="draft", new="completed")
        self.session.flush()
        return review

    def record(self, review: Review) -> Record:
        """The whole review: the facts of the timeline, the team's sections, the actions
        and the review's own history."""
        incident = self._incident(review.incident_id)
        record = facts(self.tracker, incident)
        record.update({
            "status": review.status,
            "created_at": timestamp(review.created_at), "created_by": review.created_by,
            "completed_at": timestamp(review.completed_at), "completed_by": review.completed_by,
            "sections": {name: (review.sections or {}).get(name) for name in SECTIONS},
            "actions": [action_record(a, now=self.work.now()) for a in self._actions(review)],
            "history": [_history(e) for e in self._events(review)],
        })  # fmt: skip
        return record

    def _actions(self, review: Review) -> list[ActionItem]:
        statement = select(ActionItem).where(col(ActionItem.incident_id) == review.incident_id)
        return list(self.session.scalars(statement.order_by(col(ActionItem.id))))

    def _events(self, review: Review) -> list[ReviewEvent]:
        statement = select(ReviewEvent).where(col(ReviewEvent.review_id) == review.incident_id)
        return list(self.session.scalars(statement.order_by(col(ReviewEvent.id))))

    def _incident(self, ref: str | int, *, lock: bool = False) -> Incident:
        if not lock:
            return self.tracker.get_or_raise(ref)
        number = parse_incident_ref(ref)
        statement = select(Incident).where(col(Incident.id) == number).with_for_update()
        incident = self.session.scalars(statement).first()
        if incident is None:
            raise no_such_incident(number)
        return incident

    def _event(
        self, review: Review, kind: str, *, now: datetime, field: str | None = None,
        old: str | None = None, new: str | None = None,
    ) -> None:  # fmt: skip
        self.session.add(
            ReviewEvent(review_id=review.incident_id, at=now, recorded_at=now,
                        actor=self.work.actor, os_login=self.work.os_login, kind=kind,
                        field=field, old=old, new=new)
        )  # fmt: skip


def _history(event: ReviewEvent) -> Record:
    return {"at": timestamp(event.at), "actor": event.actor, "kind": event.kind,
            "field": event.field}  # fmt: skip
