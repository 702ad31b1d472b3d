"""Reports over many incidents: SLA breaches, trends, MTTR and the backlog.

Callers write ``from inctrack import reports`` and then ``reports.trends(...)``;
each report lives in its own module (``sla``, ``trends``, ``mttr``, ``backlog``),
the aggregating ones over the period arithmetic of ``periods`` and the SQL
helpers of ``query``.
"""

from inctrack.reports.backlog import AGE_BUCKETS, OPEN, PRIORITY_ORDER, backlog
from inctrack.reports.mttr import MTTR_FIELDS, MTTR_KEYS, SORT_THREADS, MttrKey, mttr
from inctrack.reports.periods import (
    DEFAULT_PERIODS,
    EVERY,
    MAX_PERIODS,
    Every,
    Period,
    default_since,
    local_midnight,
    period_start,
    whole_periods,
)
from inctrack.reports.query import COLUMNS, Report
from inctrack.reports.sla import SlaReport, breach_verdict, sla_report
from inctrack.reports.trends import TREND_KEYS, TrendKey, trends

__all__ = [
    "AGE_BUCKETS",
    "COLUMNS",
    "DEFAULT_PERIODS",
    "EVERY",
    "MAX_PERIODS",
    "MTTR_FIELDS",
    "MTTR_KEYS",
    "OPEN",
    "PRIORITY_ORDER",
    "SORT_THREADS",
    "TREND_KEYS",
    "Every",
    "MttrKey",
    "Period",
    "Report",
    "SlaReport",
    "TrendKey",
    "backlog",
    "breach_verdict",
    "default_since",
    "local_midnight",
    "mttr",
    "period_start",
    "sla_report",
    "trends",
    "whole_periods",
]
