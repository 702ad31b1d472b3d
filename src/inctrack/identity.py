"""Who is acting: the name a command gives, checked against what the store can vouch for.

inctrack cannot prove who typed a command. What each store can vouch for
(docs/identity.md says what that is worth):

- the operating-system login running the command (every event records it);
- a user bound to that login (``user add --login``): with no ``--as``, the
  command acts as them; acting as a user bound to *another* login needs the
  running login to be an admin's;
- on PostgreSQL, the database role of the session: a role set up by ``db grant``
  acts as its user, and as anyone else only when that user is an admin.

A name not bound to anything may still be asserted, as before (a solo desk, a
team that has not bound its logins): roles then prevent mistakes, not attacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlmodel import Session, col

from inctrack.access import People, roles_of
from inctrack.domain import Role
from inctrack.errors import PermissionDenied
from inctrack.storage.models import User


@dataclass(frozen=True)
class Voucher:
    """The user the store vouches for, and how (``OS login x``, ``database role x``)."""

    user: User
    how: str
    binding: bool
    """True when every other name is refused unless this user is an admin (a database
    role); False when only names bound to another login are (an OS login)."""

    @property
    def is_admin(self) -> bool:
        return self.user.active and Role.ADMIN in roles_of(self.user)


def identify(session: Session, *, asserted: str | None, login: str) -> str:
    """The acting user's name: ``asserted`` (``--as``, ``INCTRACK_USER``) if the store allows
    it, else the user bound to the session's role or to ``login``, else ``login`` itself.

    Raises :class:`PermissionDenied` (exit 5) when ``asserted`` is someone the store
    says the caller is not, and the caller is no admin.
    """
    people = People(session)
    if not people.anyone_registered():
        return asserted or login
    voucher = vouched(session, login)
    if asserted is None or (voucher is not None and voucher.user.name == asserted):
        return voucher.user.name if voucher is not None else login
    if voucher is not None and voucher.binding and not voucher.is_admin:
        raise PermissionDenied(
            f"This database session is {voucher.how}, which acts as {voucher.user.name}; "
            f"acting as {asserted} needs {voucher.user.name} to be an admin."
        )
    target = people.get(asserted)
    bound = target.login if target is not None else None
    if bound is not None and bound != login and not (voucher is not None and voucher.is_admin):
        raise PermissionDenied(
            f"{asserted} is bound to the OS login {bound}, and this is {login}; only an "
            "admin's login may act as someone else (drop --as and INCTRACK_USER to act as "
            "yourself)."
        )
    return asserted


def vouched(session: Session, login: str) -> Voucher | None:
    """The user the session's database role is granted to, else the one bound to ``login``."""
    role = session_role(session)
    if role is not None:
        user = session.scalars(select(User).where(col(User.db_role) == role)).first()
        if user is not None:
            return Voucher(user, f"the database role {role}", binding=True)
    user = session.scalars(select(User).where(col(User.login) == login)).first()
    return None if user is None else Voucher(user, f"the OS login {login}", binding=False)


def session_role(session: Session) -> str | None:
    """The database role the session runs as (PostgreSQL); None where there are no roles."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return str(session.execute(text("SELECT current_user")).scalar_one())
