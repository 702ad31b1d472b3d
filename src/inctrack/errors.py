"""The one error hierarchy of inctrack.

Every error a user can cause or meet carries its exit code (see
docs/reference/exit-codes.md) and a sentence a person can act on: what went
wrong, why, and what to do. The command line turns them into stderr + exit
code in one place (``inctrack.cli.app``); library callers catch them by class.
"""

from __future__ import annotations


class InctrackError(Exception):
    """Base class: something the user can understand and act on."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(InctrackError):
    """A malformed option or argument that the parser could not catch."""

    exit_code = 2


class NotFound(InctrackError):
    """No such incident, article, problem, user or category."""

    exit_code = 3


class Rejected(InctrackError):
    """A well-formed value the tracker refuses, or a move the lifecycle forbids."""

    exit_code = 4


class PermissionDenied(InctrackError):
    """The acting user lacks the role the action needs."""

    exit_code = 5


class Conflict(InctrackError):
    """Changed by someone else meanwhile, or the database stayed busy or unreachable."""

    exit_code = 6


class SchemaTooNew(Rejected):
    """The database was written by a newer inctrack than this one."""
