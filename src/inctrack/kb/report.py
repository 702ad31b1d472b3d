"""``report kb``: how the knowledge base serves the desk.

Per article, the uses recorded in ``[since, until)``: incidents it was linked
to (by ``link --kb``, ``resolve --kb``, a run or feedback), resolutions with
it, diagnostic runs, and the helpful ratio of its feedback. Over the incidents
resolved in the period: the first-contact resolution rate (as ``report mttr``
counts it) of those with an article and of those without. Knowledge gaps: the
categories and services of at least ``min_incidents`` incidents reported in
the period that no published article covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from inctrack.domain import format_article_id
from inctrack.errors import Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.records import Record, timestamp
from inctrack.reports.mttr import FIRST_CONTACT
from inctrack.reports.periods import default_since
from inctrack.reports.query import connection_of, now_of, stamp, zone_of

KB_REPORT_COLUMNS = (
    "id", "title", "status", "incidents", "resolutions", "runs", "helpful", "not_helpful",
    "helpful_ratio",
)  # fmt: skip
"""The keys (and CSV columns) of one article's row."""

DEFAULT_MIN_INCIDENTS = 3


@dataclass
class KbReport:
    since: datetime
    until: datetime
    articles: list[Record] = field(default_factory=list)
    first_contact: Record = field(default_factory=dict)
    gaps: list[Record] = field(default_factory=list)

    def record(self) -> Record:
        return {
            "since": timestamp(self.since),
            "until": timestamp(self.until),
            "articles": self.articles,
            "first_contact": self.first_contact,
            "gaps": self.gaps,
        }


def kb_report(
    tracker: Tracker,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    min_incidents: int = DEFAULT_MIN_INCIDENTS,
) -> KbReport:
    """The report over ``[since, until)`` (default: the last twelve weeks, to now)."""
    now = now_of(tracker)
    end = now if until is None else until
    start = default_since(end, "week", zone_of(tracker.policy())) if since is None else since
    if end <= start:
        raise Rejected(
            f"--until ({end.isoformat()}) is not after --since ({start.isoformat()}); "
            "give a --since before --until."
        )
    if min_incidents < 1:
        raise Rejected("--min must be at least 1.")
    connection = connection_of(tracker)
    # Without --until, what happened this very second counts too (times are to the second).
    upto = end + timedelta(seconds=1) if until is None else end
    bounds = (stamp("since", start), stamp("until", upto))
    report = KbReport(start, end)
    per_article = text(
        "SELECT a.id, a.title, a.status, COUNT(DISTINCT u.incident_id), "
        "SUM(CASE WHEN u.kind = 'resolved' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN u.kind = 'run' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN u.kind = 'helpful' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN u.kind = 'not-helpful' THEN 1 ELSE 0 END) "
        "FROM articles a LEFT JOIN article_uses u ON u.article_id = a.id "
        "AND u.at >= :since AND u.at < :until "
        "GROUP BY a.id, a.title, a.status ORDER BY a.id"
    ).bindparams(*bounds)
    for row in connection.execute(per_article):
        report.articles.append(_article_row(row))
    fcr = text(
        f"SELECT CASE WHEN EXISTS (SELECT 1 FROM article_uses u WHERE u.incident_id = i.id) "
        f"THEN 1 ELSE 0 END AS kb, COUNT(*), SUM({FIRST_CONTACT}) FROM incidents i "
        "WHERE i.resolved_at IS NOT NULL AND i.resolved_at >= :since AND i.resolved_at < :until "
        "GROUP BY 1"
    ).bindparams(*bounds)
    counts = {int(kb): (int(n), int(first or 0)) for kb, n, first in connection.execute(fcr)}
    report.first_contact = {
        "with_article": _rate(*counts.get(1, (0, 0))),
        "without_article": _rate(*counts.get(0, (0, 0))),
    }
    report.gaps = _gaps(connection, bounds, min_incidents)
    return report


def _article_row(row: Any) -> Record:
    number, title, status, incidents, resolutions, runs, helpful, unhelpful = row
    helpful, unhelpful = int(helpful or 0), int(unhelpful or 0)
    judged = helpful + unhelpful
    return {
        "id": format_article_id(number),
        "title": title,
        "status": status,
        "incidents": int(incidents or 0),
        "resolutions": int(resolutions or 0),
        "runs": int(runs or 0),
        "helpful": helpful,
        "not_helpful": unhelpful,
        "helpful_ratio": round(helpful / judged, 3) if judged else None,
    }


def _rate(resolved: int, first_contact: int) -> Record:
    return {
        "resolved": resolved,
        "first_contact": first_contact,
        "rate": round(first_contact / resolved, 3) if resolved else None,
    }


def _gaps(connection: Any, bounds: tuple[Any, Any], least: int) -> list[Record]:
    gaps = []
    for by, column in (("category", "category"), ("service", "service")):
        statement = text(
            f"SELECT i.{column}, COUNT(*) FROM incidents i "
            f"WHERE i.{column} IS NOT NULL AND i.reported_at >= :since "
            "AND i.reported_at < :until AND i.status <> 'cancelled' "
            f"AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.status = 'published' "
            f"AND a.{column} = i.{column}) "
            f"GROUP BY i.{column} HAVING COUNT(*) >= :least ORDER BY COUNT(*) DESC, i.{column}"
        ).bindparams(*bounds, least=least)
        gaps += [
            {"by": by, "value": value, "incidents": int(count)}
            for value, count in connection.execute(statement)
        ]
    return gaps
