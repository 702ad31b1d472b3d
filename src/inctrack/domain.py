"""Vocabulary of the incident process: plain values, no database, no CLI.

Status is code (a ``StrEnum``); priority is an ordered ladder; impact and
urgency share one three-step level. Team-tunable data (the impact x urgency
matrix, SLA targets, the category taxonomy) starts from the defaults here and
will live in the database.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from enum import StrEnum

from inctrack.errors import Rejected


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD})
"""Statuses that belong in the queue: someone still has work to do."""

FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})


class Role(StrEnum):
    """What a registered person may do (see ``people.PERMISSIONS``)."""

    SERVICE_DESK = "service-desk"
    RESPONDER = "responder"
    INCIDENT_MANAGER = "incident-manager"
    ADMIN = "admin"
    KB_AUTHOR = "kb-author"


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    PORTAL = "portal"
    MONITORING = "monitoring"
    WALK_IN = "walk-in"
    OTHER = "other"


class Level(StrEnum):
    """Impact and urgency: high, medium or low (also written 1, 2, 3)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @classmethod
    def parse(cls, text: str | Level) -> Level:
        if isinstance(text, Level):
            return text
        value = text.strip().lower()
        by_number = {"1": cls.HIGH, "2": cls.MEDIUM, "3": cls.LOW}
        if value in by_number:
            return by_number[value]
        try:
            return cls(value)
        except ValueError:
            raise Rejected(
                f"{text!r} is not a level; use high, medium or low (or 1, 2, 3)."
            ) from None


class Priority(StrEnum):
    """P1 (critical) to P5 (planning); the string order is the ladder order."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"

    @property
    def label(self) -> str:
        return PRIORITY_LABELS[self]

    @classmethod
    def parse(cls, text: str | Priority) -> Priority:
        if isinstance(text, Priority):
            return text
        value = text.strip().upper()
        if value.isdigit():
            value = f"P{value}"
        try:
            return cls(value)
        except ValueError:
            raise Rejected(f"{text!r} is not a priority; use P1 to P5.") from None


PRIORITY_LABELS = {
    Priority.P1: "critical",
    Priority.P2: "high",
    Priority.P3: "moderate",
    Priority.P4: "low",
    Priority.P5: "planning",
}

DEFAULT_MATRIX: dict[tuple[Level, Level], Priority] = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P4,
}
"""The ITIL impact x urgency lookup that ServiceNow ships: (impact, urgency) -> priority."""


def priority_for(
    impact: Level | None,
    urgency: Level | None,
    matrix: dict[tuple[Level, Level], Priority] = DEFAULT_MATRIX,
) -> Priority | None:
    """The matrix priority, or None while the incident is untriaged."""
    if impact is None or urgency is None:
        return None
    return matrix[(impact, urgency)]


MAX_ID = 2**31 - 1
"""The largest record number: PostgreSQL's ``integer``, which SQLite holds as well."""

INCIDENT_PREFIX = "INC"
_REF = re.compile(r"^\s*(?:inc-?)?(\d+)\s*$", re.IGNORECASE)


def parse_incident_ref(text: str | int) -> int:
    """``INC-42``, ``inc-42`` and ``42`` all name incident 42."""
    return _parse_ref(text, _REF, "an incident", "INC-42, inc-42 or 42")


def _parse_ref(text: str | int, pattern: re.Pattern[str], what: str, forms: str) -> int:
    """The number ``text`` names: 1 to :data:`MAX_ID`, else Rejected showing ``forms``."""
    match = None if isinstance(text, int) else pattern.match(text)
    if match is None and not isinstance(text, int):
        raise Rejected(f"{text!r} is not {what} ID; write it as {forms}.")
    number = id_number(text if match is None else match.group(1))
    if number is None:
        raise Rejected(
            f"{text!r} is not {what} ID; its number must be from 1 to {MAX_ID}, as in {forms}."
        )
    return number


def id_number(value: str | int) -> int | None:
    """``value`` (an int, or digits) as a record number, or None when out of 1..MAX_ID."""
    if isinstance(value, str):
        digits = value.lstrip("0")
        if not digits.isdigit() or len(digits) > len(str(MAX_ID)):
            return None
        value = int(digits)
    return value if 1 <= value <= MAX_ID else None


def format_incident_id(number: int) -> str:
    return f"{INCIDENT_PREFIX}-{number}"


def optional_incident_id(number: int | None) -> str | None:
    return None if number is None else format_incident_id(number)


PROBLEM_PREFIX = "PRB"
_PROBLEM_REF = re.compile(r"^\s*(?:prb-?)?(\d+)\s*$", re.IGNORECASE)


def parse_problem_ref(text: str | int) -> int:
    """``PRB-7``, ``prb-7`` and ``7`` all name problem 7."""
    return _parse_ref(text, _PROBLEM_REF, "a problem", "PRB-7, prb-7 or 7")


def format_problem_id(number: int) -> str:
    return f"{PROBLEM_PREFIX}-{number}"


MAINTENANCE_PREFIX = "MNT"
_MAINTENANCE_REF = re.compile(r"^\s*(?:mnt-?)?(\d+)\s*$", re.IGNORECASE)


def parse_maintenance_ref(text: str | int) -> int:
    """``MNT-3``, ``mnt-3`` and ``3`` all name maintenance window 3."""
    return _parse_ref(text, _MAINTENANCE_REF, "a maintenance window", "MNT-3, mnt-3 or 3")


def format_maintenance_id(number: int) -> str:
    return f"{MAINTENANCE_PREFIX}-{number}"


def optional_problem_id(number: int | None) -> str | None:
    return None if number is None else format_problem_id(number)


ARTICLE_PREFIX = "KB"
_ARTICLE_REF = re.compile(r"^\s*(?:kb-?)?(\d+)\s*$", re.IGNORECASE)


def parse_article_ref(text: str | int) -> int:
    """``KB-3``, ``kb-3`` and ``3`` all name knowledge article 3."""
    return _parse_ref(text, _ARTICLE_REF, "an article", "KB-3, kb-3 or 3")


def format_article_id(number: int) -> str:
    return f"{ARTICLE_PREFIX}-{number}"


class ArticleStatus(StrEnum):
    """A knowledge article's status: ``draft → published → retired``."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class ProblemStatus(StrEnum):
    """A problem record's status: ``open → known-error → resolved → closed``."""

    OPEN = "open"
    KNOWN_ERROR = "known-error"
    RESOLVED = "resolved"
    CLOSED = "closed"


def parse_category(text: str) -> tuple[str, str | None]:
    """Split ``network/vpn`` into (category, subcategory); names are lower case."""
    parts = [part.strip().lower() for part in text.split("/")]
    if len(parts) > 2 or not parts[0] or (len(parts) == 2 and not parts[1]):
        raise Rejected(
            f"{text!r} is not a category; write CATEGORY or CATEGORY/SUBCATEGORY, "
            "for example network/vpn."
        )
    return parts[0], (parts[1] if len(parts) == 2 else None)


class HoldReason(StrEnum):
    """Why the clock stops: the desk waits on someone else."""

    AWAITING_REPORTER = "awaiting-reporter"
    AWAITING_VENDOR = "awaiting-vendor"
    AWAITING_CHANGE = "awaiting-change"
    AWAITING_PARTS = "awaiting-parts"
    AWAITING_THIRD_PARTY = "awaiting-third-party"
    SCHEDULED = "scheduled"


class ResolutionCode(StrEnum):
    FIXED = "fixed"
    WORKAROUND = "workaround"
    NO_FAULT = "no-fault"
    DUPLICATE = "duplicate"
    OTHER = "other"


class MajorRole(StrEnum):
    """The named roles of a major incident."""

    COMMANDER = "commander"
    MANAGER = "manager"
    COMMS = "comms"


MAX_TIER = 3


MAX_TITLE = 200
"""The longest incident title, in characters; the detail goes in the description."""


def unicode_text(value: str, what: str) -> str:
    """``value`` when it can be stored (as UTF-8); Rejected when it holds bytes that were
    not UTF-8 text (a Latin-1 ``caf\xe9`` typed in a terminal reaches Python as a lone
    surrogate), naming them as bytes, or a NUL, which PostgreSQL cannot store."""
    if "\x00" in value:
        raise Rejected(f"{what} {value!r} holds a NUL character (\\x00), which is not text.")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:
            shown = repr(value.encode("utf-8", "surrogateescape"))
        except UnicodeEncodeError:
            shown = ascii(value)
        raise Rejected(
            f"{what} {shown} is not UTF-8 text; inctrack stores text as UTF-8: type it again "
            "in a UTF-8 terminal, or convert it (iconv -t UTF-8)."
        ) from None
    return value


def required_text(value: str, what: str, *, limit: int | None = None) -> str:
    """``value`` without surrounding blanks; Rejected when empty, over ``limit`` or not text."""
    cleaned = unicode_text(value, f"The {what}").strip()
    if not cleaned:
        hint = "say in a few words what is wrong" if what == "title" else "write a few words"
        raise Rejected(f"The {what} is empty; {hint}.")
    if limit is not None and len(cleaned) > limit:
        raise Rejected(
            f"The {what} has {len(cleaned)} characters, more than {limit}; "
            "put the detail in the description."
        )
    return cleaned


def optional_text(value: str | None) -> str | None:
    """``value`` without surrounding blanks; None when absent or blank."""
    if value is None:
        return None
    cleaned = unicode_text(value, "The text").strip()
    return cleaned or None


def parse_choice(enum: type[StrEnum], value: StrEnum | str, what: str) -> str:
    """The member of ``enum`` that ``value`` names (any case), or Rejected listing them
    (with the nearest one first, when ``value`` looks like a typo of it)."""
    typed = str(value).strip().lower()
    try:
        return enum(typed).value
    except ValueError:
        allowed = [str(member.value) for member in enum]
        near = get_close_matches(typed, allowed, n=1)
        guess = f" (did you mean {near[0]}?)" if near else ""
        listed = ", ".join(allowed)
        raise Rejected(f"{value!r} is not a {what}{guess}; use one of {listed}.") from None


def parse_channel(value: Channel | str | None) -> str | None:
    """How the incident came in, checked against :class:`Channel`; None when not given."""
    return None if value is None else parse_choice(Channel, value, "channel")


def check_tier(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_TIER:
        raise Rejected(f"Tier {value} does not exist; tiers go from 1 to {MAX_TIER}.")
    return value


def os_login() -> str:
    """The operating-system login running this process; never fails.

    ``getpass.getuser()`` reads ``LOGNAME``/``USER``/``LNAME``/``USERNAME`` and then
    the password database, and raises when a container's uid has no entry; then the
    uid stands in (``uid:1000``), so every event still says which account wrote it.
    """
    import getpass
    import os

    try:
        name = getpass.getuser().strip()
        name.encode("utf-8")  # a login in another encoding cannot be stored as text
    except (OSError, KeyError, ImportError, UnicodeEncodeError):
        name = ""
    if name:
        return name
    getuid = getattr(os, "getuid", None)
    return f"uid:{getuid()}" if getuid is not None else "unknown"
