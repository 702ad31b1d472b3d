"""The one error hierarchy of inctrack, and the exit codes it maps to.

Every error a user can cause or meet carries its exit code (see
docs/reference/exit-codes.md) and a sentence a person can act on: what went
wrong, why, and what to do. The command line turns them into stderr + exit
code in one place (``inctrack.cli.app``); library callers catch them by class.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every code an inctrack command ends with: a contract scripts rely on, so the
    numbers never change and are written only here."""

    OK = 0
    """The command did what was asked (an empty result included)."""
    INTERNAL = 1
    """A bug in inctrack: the message says where to report it."""
    USAGE = 2
    """A malformed command line, caught by the parser or by inctrack."""
    NOT_FOUND = 3
    """The thing named does not exist."""
    REJECTED = 4
    """A well-formed value inctrack refuses, or a problem `db check` found."""
    PERMISSION_DENIED = 5
    """The acting user lacks the role the action needs."""
    CONFLICT = 6
    """Changed meanwhile, or the database stayed busy or unreachable: retrying is safe."""
    BREACHED = 8
    """`report sla --fail-on-breach` lists a breached clock (not an error)."""
    AT_RISK = 9
    """`report sla --fail-on-breach` lists clocks at risk, none breached (not an error)."""


class InctrackError(Exception):
    """Base class: something the user can understand and act on."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(InctrackError):
    """A malformed option or argument that the parser could not catch."""

    exit_code = ExitCode.USAGE


class NotFound(InctrackError):
    """No such incident, article, problem, user or category."""

    exit_code = ExitCode.NOT_FOUND


class Rejected(InctrackError):
    """A well-formed value the tracker refuses, or a move the lifecycle forbids."""

    exit_code = ExitCode.REJECTED


class PermissionDenied(InctrackError):
    """The acting user lacks the role the action needs."""

    exit_code = ExitCode.PERMISSION_DENIED


class Conflict(InctrackError):
    """Changed by someone else meanwhile, or the database stayed busy or unreachable."""

    exit_code = ExitCode.CONFLICT


class SchemaTooNew(Rejected):
    """The database was written by a newer inctrack than this one."""
