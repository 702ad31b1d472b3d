"""Database roles for analysts (PostgreSQL): what ``inctrack db grant`` sets up.

Each analyst gets a role of their own with only what the tool needs: reading every
table, adding and changing rows, never changing or deleting an event. The role owns
nothing, so it cannot disable the append-only triggers, alter a table or set
``session_replication_role``; a session as it acts as the user it was granted to
(:mod:`inctrack.identity`). SQLite has no roles: whoever can write the file can do
anything, whatever the roles say (docs/identity.md).
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, col, select

from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.storage.models import User, load_all
from inctrack.work import UnitOfWork

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
"""A role name that needs no quoting and reads the same in ``current_user``."""
APPEND_ONLY = frozenset({"events", "problem_events", "review_events"})
"""Tables a role may read and add to, never change."""
DELETABLE = frozenset({"holidays", "templates"})
"""Tables whose rows the tool removes (``calendar holiday --remove``, ``template remove``)."""
READ_ONLY = frozenset({"alembic_version"})
"""The schema revision: only the owner upgrades the schema."""
INDEX = "search_documents"
"""The full-text index, outside the models: the triggers that keep it run as the
writing role, so it may add and rewrite documents there (never delete them)."""


def search_views() -> list[str]:
    """The views the index triggers read each kind's text from (one per kind)."""
    from inctrack import search

    return [kind.view for kind in search.KINDS.values()]


def privileges(table: str) -> str:
    """What a granted role may do to ``table``."""
    if table in APPEND_ONLY or table in READ_ONLY or table.startswith("search_source_"):
        return "SELECT, INSERT" if table in APPEND_ONLY else "SELECT"
    return "SELECT, INSERT, UPDATE, DELETE" if table in DELETABLE else "SELECT, INSERT, UPDATE"


class Grants:
    """``db grant``: a PostgreSQL role per analyst (admins only, once anyone is registered)."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session = work.session

    def grant(self, name: str, *, role: str | None = None) -> User:
        """Create ``role`` (default: the user's OS login, else their name) if it does not
        exist, give it the tool's privileges on this schema, and bind it to ``name``."""
        if self.session.get_bind().dialect.name != "postgresql":
            raise Rejected(
                "SQLite has no database roles: anyone who can write the file can do anything, "
                "whatever inctrack's roles say; see docs/identity.md for what protects a shared "
                "file, and for moving a team to PostgreSQL."
            )
        self.work.authorize("manage-users")
        user = self.work.people.get(name.strip())
        if user is None:
            raise NotFound(f"There is no user {name}; `inctrack user list` shows who there is.")
        role_name = self._role_name(user, role)
        try:
            self._create(role_name)
            self._grant(role_name)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42501":
                raise
            raise PermissionDenied(
                f"The database refused to set up the role {role_name} "
                f"({str(exc.orig).strip().splitlines()[0]}); run `db grant` connected as the "
                "database's owner, with the right to create roles."
            ) from None
        user.db_role = role_name
        return user

    def _role_name(self, user: User, role: str | None) -> str:
        name = (role if role is not None else user.login or user.name).strip()
        if not ROLE_NAME.fullmatch(name):
            raise Rejected(
                f"{name!r} cannot be a database role name; give one with --login ROLE "
                "(lower-case letters, digits and _, starting with a letter or _)."
            )
        other = self.session.scalars(select(User).where(col(User.db_role) == name)).first()
        if other is not None and other.name != user.name:
            raise Rejected(f"The database role {name} is already granted to {other.name}.")
        if name == self.session.execute(text("SELECT current_user")).scalar_one():
            raise Rejected(
                f"{name} is the role this session runs as; grant each analyst a role of their "
                "own, not the owner's."
            )
        return name

    def _create(self, role: str) -> None:
        found = self.session.execute(
            text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = :role"),
            {"role": role},
        ).first()
        if found is None:
            self.session.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        elif found[0]:
            raise Rejected(
                f"The database role {role} is a superuser (or bypasses row security): it could "
                "disable the append-only triggers; grant a role without those rights."
            )

    def _grant(self, role: str) -> None:
        schema = self.session.execute(text("SELECT current_schema()")).scalar_one()
        run = self.session.execute
        run(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        load_all()
        for table in [*SQLModel.metadata.tables, INDEX, *READ_ONLY, *search_views()]:
            run(text(f'GRANT {privileges(table)} ON "{schema}"."{table}" TO "{role}"'))
        run(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))
