"""Articles used on incidents: linked, resolved with, judged helpful or not.

Each use is a row of ``article_uses`` (what ``report kb`` counts) and an event
on the incident's timeline (``kb_linked``, ``kb_resolved``, ``kb_feedback``,
with ``field`` ``kb`` and ``new`` the article's ID).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from inctrack.domain import ArticleStatus, format_article_id, parse_choice
from inctrack.errors import Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.kb.articles import KnowledgeBase
from inctrack.lifecycle import Verb
from inctrack.storage.models import Article, ArticleUse, Incident


class Feedback(StrEnum):
    HELPFUL = "helpful"
    NOT_HELPFUL = "not-helpful"


class Usage:
    """Record that an article served an incident, inside the tracker's transaction."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.work = tracker.work
        self.kb = KnowledgeBase(tracker)

    def link(
        self, incident_ref: str | int, article_ref: str | int, *, resolved: bool = False,
        at: datetime | None = None, expected_version: int | None = None,
    ) -> Incident:  # fmt: skip
        """``link INC-n --kb KB-n`` (or ``resolve … --kb KB-n`` with ``resolved``)."""
        article = self._usable(article_ref)
        change = self.work.begin(incident_ref, Verb.LINK, at, expected_version=expected_version)
        aid = format_article_id(article.id)
        kind = "resolved" if resolved else "linked"
        change.event(f"kb_{kind}", field="kb", new=aid, message=article.title)
        self._use(article, change.incident, kind, change.at)
        return change.incident

    def feedback(
        self, article_ref: str | int, incident_ref: str | int, verdict: Feedback | str
    ) -> Incident:
        """``kb feedback KB-n INC-n helpful|not-helpful``: on any incident, closed ones too."""
        value = parse_choice(Feedback, verdict, "verdict")
        self.work.authorize("note")
        article = self.kb.get_or_raise(article_ref)
        incident = self.work.lock(incident_ref)
        aid = format_article_id(article.id)
        event = self.work.remark(
            incident, "kb_feedback", field="kb", new=aid,
            message=f"{aid} was {value.replace('-', ' ')}",
        )  # fmt: skip
        self._use(article, incident, value, event.at)
        return incident

    def _usable(self, ref: str | int) -> Article:
        article = self.kb.get_or_raise(ref)
        if article.status == ArticleStatus.RETIRED.value:
            raise Rejected(
                f"{format_article_id(article.id)} is retired; link an article in use "
                "(`inctrack kb list`)."
            )
        return article

    def _use(self, article: Article, incident: Incident, kind: str, at: datetime) -> None:
        self.tracker.session.add(
            ArticleUse(
                article_id=article.id, incident_id=incident.id, revision=article.revision,
                kind=kind, at=at, actor=self.work.actor,
            )
        )  # fmt: skip
