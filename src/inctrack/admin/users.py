"""People and their roles: who may use the tracker, and as what.

The first user must be an admin, and the last active admin cannot lose the
role, so that someone can always manage users. See :mod:`inctrack.access` for
what each role may do.
"""

from __future__ import annotations

from inctrack.access import parse_roles, roles_of
from inctrack.admin.groups import Groups
from inctrack.domain import Role, check_tier, optional_text, required_text
from inctrack.errors import NotFound, Rejected
from inctrack.storage.models import User
from inctrack.work import UnitOfWork


class Users:
    """Registering and changing users (admins only, once anyone is registered)."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work

    def all(self) -> list[User]:
        return self.work.people.all()

    def assignable(self, name: str) -> User | None:
        """The user called ``name``, who can be given work; once users exist, an unknown or
        inactive name is NotFound (with nobody registered, anyone goes: None)."""
        people = self.work.people
        if not people.anyone_registered():
            return None
        user = people.get(name)
        if user is None or not user.active:
            raise NotFound(f"There is no active user {name}; `inctrack user list` shows them.")
        return user

    def add(
        self,
        name: str,
        *,
        roles: list[str] | list[Role],
        tier: int | None = None,
        group: str | None = None,
        email: str | None = None,
        login: str | None = None,
    ) -> User:
        """Register a person; the first one must be an admin, so that someone can add more.

        ``login`` binds them to an OS login: with no ``--as``, that login acts as them,
        and another login may act as them only if it is an admin's (docs/identity.md).
        """
        self.work.authorize("manage-users")
        user_name = required_text(name, "user name")
        role_list = parse_roles(roles)
        if not role_list:
            raise Rejected("Give the user at least one --role.")
        if not self.work.people.anyone_registered() and Role.ADMIN not in role_list:
            raise Rejected(
                f"The first user must have the admin role, so that someone can manage users; "
                f"add --role admin (for example: user add {user_name} --role service-desk "
                "--role admin)."
            )
        if self.work.people.get(user_name) is not None:
            raise Rejected(f"{user_name} is already a user; change them with `user update`.")
        user = User(
            name=user_name, roles=",".join(role_list), tier=check_tier(tier),
            assignment_group=self._group(group), email=optional_text(email),
            created_at=self.work.now(), login=self._login(login, user_name),
        )  # fmt: skip
        self.work.people.add(user)
        return user

    def update(
        self,
        name: str,
        *,
        roles: list[str] | list[Role] | None = None,
        tier: int | None = None,
        group: str | None = None,
        email: str | None = None,
        active: bool | None = None,
        login: str | None = None,
    ) -> User:
        """Change what is given; ``login=""`` unbinds the user from their OS login."""
        self.work.authorize("manage-users")
        user = self.work.people.get(name.strip())
        if user is None:
            raise NotFound(f"There is no user {name}; `inctrack user list` shows who there is.")
        if roles is not None:
            role_list = parse_roles(roles)
            if not role_list:
                raise Rejected("A user needs at least one role; deactivate them instead.")
            user.roles = ",".join(role_list)
        if tier is not None:
            user.tier = check_tier(tier)
        if group is not None:
            user.assignment_group = self._group(group)
        if email is not None:
            user.email = optional_text(email)
        if active is not None:
            user.active = active
        if login is not None:
            user.login = self._login(login, user.name)
        admins = [u for u in self.work.people.all() if u.active and Role.ADMIN in roles_of(u)]
        if not admins:
            raise Rejected(f"{user.name} is the last active admin; make someone else admin first.")
        return user

    def _login(self, login: str | None, name: str) -> str | None:
        """An OS login no other user is bound to; blank means none."""
        given = optional_text(login)
        if given is None:
            return None
        other = self.work.people.bound_to(given)
        if other is not None and other.name != name:
            raise Rejected(
                f"The OS login {given} is already bound to {other.name}; one login acts as "
                f"one user (unbind it with `user update {other.name} --login ''`)."
            )
        return given

    def _group(self, name: str | None) -> str | None:
        """A user's group as the registry spells it; blank means none."""
        given = optional_text(name)
        return None if given is None else Groups(self.work).resolve(given)
