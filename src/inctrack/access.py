"""People, their roles, and who may do what.

Permissions are data: a verb maps to the roles that may perform it. With no
user registered (a solo analyst) every action is allowed; once anyone is
registered, an unknown identity or a missing role is refused (exit 5).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlmodel import Session, col

from inctrack.domain import Role
from inctrack.errors import PermissionDenied
from inctrack.storage.models import User

WORKERS = frozenset({Role.SERVICE_DESK, Role.RESPONDER, Role.INCIDENT_MANAGER})
DESK = frozenset({Role.SERVICE_DESK, Role.INCIDENT_MANAGER})
OWNERSHIP = frozenset({Role.SERVICE_DESK, Role.INCIDENT_MANAGER, Role.ADMIN})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "log": WORKERS,
    "edit": WORKERS,
    "categorize": WORKERS,
    "prioritize": WORKERS,
    "assign": WORKERS,
    "respond": WORKERS,
    "note": WORKERS,
    "escalate": WORKERS,
    "declare-major": DESK,
    "keep-major-priority": frozenset({Role.INCIDENT_MANAGER}),
    "owner": OWNERSHIP,
    "role": frozenset({Role.INCIDENT_MANAGER}),
    "hold": WORKERS,
    "resume": WORKERS,
    "resolve": WORKERS,
    "close": frozenset({Role.SERVICE_DESK}),
    "reopen": DESK,
    "cancel": DESK,
    "link": WORKERS,
    "link-problem": WORKERS,
    "manage-problems": WORKERS,
    "close-problem": frozenset({Role.INCIDENT_MANAGER}),
    "manage-categories": frozenset({Role.ADMIN}),
    "manage-users": frozenset({Role.ADMIN}),
    "manage-groups": frozenset({Role.ADMIN}),
    "manage-policy": frozenset({Role.ADMIN}),
    "manage-templates": frozenset({Role.SERVICE_DESK, Role.ADMIN}),
    "import": frozenset({Role.ADMIN}),
    "publish-articles": frozenset({Role.KB_AUTHOR, Role.ADMIN}),
    "update": WORKERS | {Role.ADMIN},
    "manage-services": frozenset({Role.ADMIN}),
    "service-status": frozenset({Role.SERVICE_DESK, Role.INCIDENT_MANAGER, Role.ADMIN}),
    "manage-maintenance": frozenset({Role.INCIDENT_MANAGER, Role.ADMIN}),
    "review": WORKERS,
}
"""action -> the roles that may perform it. Only the service desk closes."""

DESCRIPTIONS = {
    "review": "working on a post-incident review",
    "log": "logging an incident",
    "edit": "editing an incident",
    "categorize": "categorizing",
    "prioritize": "prioritizing",
    "assign": "assigning",
    "respond": "responding",
    "note": "adding a note",
    "escalate": "escalating",
    "role": "naming major-incident roles",
    "hold": "putting on hold",
    "resume": "resuming",
    "resolve": "resolving",
    "close": "closing",
    "reopen": "reopening",
    "cancel": "cancelling",
    "link": "linking",
    "link-problem": "linking incidents to a problem",
    "manage-problems": "recording problems",
    "close-problem": "closing a problem",
    "declare-major": "declaring a major incident",
    "keep-major-priority": "keeping a major incident's priority below P1",
    "owner": "transferring an incident's ownership",
    "manage-categories": "changing the category taxonomy",
    "manage-users": "managing users",
    "manage-groups": "changing the resolver groups",
    "manage-policy": "changing the SLA policy and calendar",
    "manage-templates": "changing the log templates",
    "import": "importing incidents",
    "publish-articles": "publishing or retiring knowledge articles",
    "update": "posting a stakeholder update",
    "manage-services": "changing the service registry",
    "service-status": "setting a service's status by hand",
    "manage-maintenance": "scheduling maintenance",
}


def parse_roles(names: Iterable[str | Role]) -> list[Role]:
    from inctrack.errors import Rejected

    roles = set()
    for name in names:
        try:
            roles.add(Role(str(name).strip().lower()))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise Rejected(f"{name!r} is not a role; use one of {allowed}.") from None
    return [role for role in Role if role in roles]


def roles_of(user: User) -> list[Role]:
    return [Role(name) for name in user.roles.split(",") if name]


_ANYONE = "inctrack.people.anyone"
"""Where a session keeps whether anyone is registered, and in which transaction."""


class People:
    """Look-ups and permission checks over the users table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def anyone_registered(self) -> bool:
        """Whether any user is registered: read once per transaction of the session
        (identity and every permission check ask); users are only added, by :meth:`add`."""
        transaction, anyone = self.session.info.get(_ANYONE, (None, False))
        if transaction is None or transaction is not self.session.get_transaction():
            count = self.session.execute(select(func.count()).select_from(User)).scalar_one()
            anyone = count > 0
            self.session.info[_ANYONE] = (self.session.get_transaction(), anyone)
        return bool(anyone)

    def add(self, user: User) -> None:
        self.session.add(user)
        self.session.flush()
        self.session.info[_ANYONE] = (self.session.get_transaction(), True)

    def get(self, name: str) -> User | None:
        return self.session.get(User, name)

    def bound_to(self, login: str) -> User | None:
        """The user bound to the OS login ``login``, if any."""
        return self.session.scalars(select(User).where(col(User.login) == login)).first()

    def all(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(col(User.name))))

    def has_role(self, name: str, *roles: Role) -> bool:
        """True for a solo desk (nobody registered) or an active user with one of ``roles``."""
        if not self.anyone_registered():
            return True
        user = self.get(name)
        return user is not None and user.active and bool(set(roles_of(user)) & set(roles))

    def authorize(self, actor: str, action: str) -> None:
        """Refuse (exit 5) unless ``actor`` may perform ``action``."""
        if not self.anyone_registered():
            return
        needed = PERMISSIONS[action]
        phrase = DESCRIPTIONS.get(action, action)
        what = phrase[0].upper() + phrase[1:]
        names = [role.value for role in Role if role in needed]
        need = " or ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} or {names[-1]}"
        user = self.get(actor)
        if user is None:
            example = next(role for role in Role if role in needed)
            raise PermissionDenied(
                f"{what} needs the {need} role, and {actor} is not a registered user; ask an "
                f"admin to run `inctrack user add {actor} --role {example}`, or act as someone "
                "who is (--as)."
            )
        if not user.active:
            raise PermissionDenied(
                f"{what} needs an active user with the {need} role, and {actor} is deactivated; "
                "ask an admin to reactivate them."
            )
        if not set(roles_of(user)) & needed:
            have = ", ".join(roles_of(user)) or "no role"
            raise PermissionDenied(f"{what} needs the {need} role; {actor} has {have}.")
