"""The resolver-group registry: the teams incidents are assigned and escalated to.

Every group that an incident or a user names is registered here (migration
0006 registered the ones in use before the registry existed). Names match
case-insensitively and are stored as the registry spells them. Groups are
retired, never deleted: incidents and users keep them, new assignments cannot
name them. Changing the registry is for admins (``manage-groups``); resolving
a name (:meth:`Groups.resolve`) is for every command that assigns.
"""

from __future__ import annotations

import difflib

from sqlalchemy import func, select, update
from sqlmodel import col

from inctrack.domain import OPEN_STATUSES, optional_text, required_text
from inctrack.errors import NotFound, Rejected
from inctrack.records import Record, group_record
from inctrack.storage.models import Group, Incident, User
from inctrack.work import UnitOfWork

MAX_GROUP_NAME = 100
"""The longest group name, in characters."""


def group_name(text: str) -> str:
    """A group name as typed, checked: not blank, one line, not too long."""
    name = required_text(text, "group name", limit=MAX_GROUP_NAME)
    if any(not char.isprintable() for char in name):
        raise Rejected("A group name is one line of printable text.")
    return name


class Groups:
    """The registry inside one unit of work: look-ups for everyone, changes for admins."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session = work.session

    # -- reading -----------------------------------------------------------------

    def all(self, *, include_retired: bool = False) -> list[Group]:
        statement = select(Group).order_by(col(Group.folded))
        if not include_retired:
            statement = statement.where(col(Group.retired_at).is_(None))
        return list(self.session.scalars(statement))

    def get(self, name: str) -> Group | None:
        """The group called ``name``, in any case; None when there is none."""
        folded = name.strip().casefold()
        return self.session.scalars(select(Group).where(col(Group.folded) == folded)).first()

    def get_or_raise(self, name: str) -> Group:
        group = self.get(name)
        if group is None:
            raise NotFound(f"There is no group {name.strip()}{self._suggest(name)}")
        return group

    def resolve(self, name: str) -> str:
        """The registry's spelling of ``name``, which new work may be given to:
        NotFound (with a suggestion) when unknown, Rejected when retired."""
        group = self.get_or_raise(name)
        if group.retired_at is not None:
            raise Rejected(
                f"The group {group.name} is retired and takes no new work; choose a current "
                "one (`inctrack group list`)."
            )
        return group.name

    def default_of(self, user: User) -> str:
        """The group of ``user``, which an assignment to them brings along."""
        assert user.assignment_group is not None
        group = self.get(user.assignment_group)
        if group is None or group.retired_at is not None:
            state = "is retired" if group is not None else "is not registered"
            raise Rejected(
                f"{user.name} belongs to the group {user.assignment_group}, which {state} and "
                "takes no new work; give --group GROUP, or ask an admin to run "
                f"`inctrack user update {user.name} --group GROUP`."
            )
        return group.name

    def record(self, group: Group) -> Record:
        """The group's public record (``group list``, ``--format json``)."""
        return group_record(
            group, members=self.members(group), open_incidents=self.open_incidents(group)
        )

    def members(self, group: Group) -> list[str]:
        statement = select(col(User.name)).where(col(User.assignment_group) == group.name)
        return list(self.session.scalars(statement.order_by(col(User.name))))

    def open_incidents(self, group: Group) -> int:
        statement = (
            select(func.count())
            .select_from(Incident)
            .where(col(Incident.assignment_group) == group.name)
            .where(col(Incident.status).in_([status.value for status in OPEN_STATUSES]))
        )
        return int(self.session.execute(statement).scalar_one())

    # -- changing (admins) -------------------------------------------------------

    def add(self, name: str, *, description: str | None = None) -> Group:
        """Register a group; adding a retired one brings it back."""
        self.work.authorize("manage-groups")
        wanted = group_name(name)
        group = self.get(wanted)
        if group is not None and group.retired_at is None:
            raise Rejected(f"The group {group.name} already exists.")
        if group is None:
            group = Group(name=wanted, folded=wanted.casefold(), created_at=self.work.now())
            self.session.add(group)
        group.retired_at = None
        if description is not None:
            group.description = optional_text(description)
        self.session.flush()
        return group

    def rename(self, old: str, new: str) -> Group:
        """Rename a group and relabel the incidents and users that name it.

        A rename changes the label, not the assignment, so incidents get no
        event; their timelines keep the name used when they were assigned.
        """
        self.work.authorize("manage-groups")
        group = self.get_or_raise(old)
        wanted = group_name(new)
        clash = self.get(wanted)
        if clash is not None and clash.id != group.id:
            raise Rejected(f"The group {clash.name} already exists; choose another name.")
        if wanted == group.name:
            raise Rejected(f"The group is already called {wanted}.")
        previous = group.name
        group.name, group.folded = wanted, wanted.casefold()
        for holder in (Incident, User):
            self.session.execute(
                update(holder)
                .where(col(holder.assignment_group) == previous)
                .values(assignment_group=wanted)
            )
        self.session.flush()
        return group

    def retire(self, name: str) -> Group:
        """Retire a group: kept on incidents and users, refused for new assignments."""
        self.work.authorize("manage-groups")
        group = self.get_or_raise(name)
        if group.retired_at is not None:
            raise Rejected(f"The group {group.name} is already retired.")
        group.retired_at = self.work.now()
        self.session.flush()
        return group

    # -- helpers -------------------------------------------------------------------

    def _suggest(self, name: str) -> str:
        known = {group.folded: group.name for group in self.all()}
        typed = name.strip().casefold()
        close = difflib.get_close_matches(typed, list(known), n=3, cutoff=0.6)
        if not close:  # "desk" for "service desk"
            close = [folded for folded in known if typed and typed in folded][:3]
        if close:
            return "; did you mean " + " or ".join(known[match] for match in close) + "?"
        if not known:
            return (
                "; no group is registered yet: an admin adds one with "
                f"`inctrack group add {name.strip()}`."
            )
        return "; `inctrack group list` shows the groups, `inctrack group add` registers one."
