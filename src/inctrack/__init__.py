"""inctrack: a terminal-first incident tracker for IT service desks.

The package is a library first: everything the command line does is callable
from Python. What a Python user needs is importable from here (see
docs/library.md)::

    from inctrack import Database, SystemClock, Tracker

    database = Database.open("desk.db")
    with database.transaction() as session:
        tracker = Tracker(session, clock=SystemClock(), actor="sam")
        incident = tracker.log("VPN drops", reporter="Ann Lee", impact="medium")

The names are loaded on first use, not on import: ``inctrack --help`` imports
this module and must stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Database": "inctrack.storage.engine",
    "Tracker": "inctrack.incidents.tracker",
    "IncidentQuery": "inctrack.incidents.queries",
    "LogRequest": "inctrack.incidents.requests",
    "UnitOfWork": "inctrack.work",
    "Problems": "inctrack.problems.verbs",
    "SystemClock": "inctrack.clock",
    "FixedClock": "inctrack.clock",
    "InctrackError": "inctrack.errors",
    "NotFound": "inctrack.errors",
    "Rejected": "inctrack.errors",
    "PermissionDenied": "inctrack.errors",
    "Conflict": "inctrack.errors",
}
"""Public name -> the module that defines it."""

__all__ = [
    "Conflict",
    "Database",
    "FixedClock",
    "IncidentQuery",
    "InctrackError",
    "LogRequest",
    "NotFound",
    "PermissionDenied",
    "Problems",
    "Rejected",
    "SystemClock",
    "Tracker",
    "UnitOfWork",
    "__version__",
]

if TYPE_CHECKING:
    from inctrack.clock import FixedClock, SystemClock
    from inctrack.errors import Conflict, InctrackError, NotFound, PermissionDenied, Rejected
    from inctrack.incidents.queries import IncidentQuery
    from inctrack.incidents.requests import LogRequest
    from inctrack.incidents.tracker import Tracker
    from inctrack.problems.verbs import Problems
    from inctrack.storage.engine import Database
    from inctrack.work import UnitOfWork


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'inctrack' has no attribute {name!r}")
    return getattr(import_module(module), name)
