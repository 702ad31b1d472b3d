"""The team's services that hang off a tracker (``tracker.users``, ``tracker.services``,
...), each built, and its module imported, on first use: a command pays only for
the ones it needs (`note` needs none of them)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inctrack.admin.categories import Categories
    from inctrack.admin.groups import Groups
    from inctrack.admin.settings import TeamSettings
    from inctrack.admin.users import Users
    from inctrack.incidents.intake import Intake
    from inctrack.incidents.templates import Templates
    from inctrack.incidents.updates import Updates
    from inctrack.services.maintenance import Maintenance
    from inctrack.services.registry import Services
    from inctrack.work import UnitOfWork


class Desk:
    """What :class:`~inctrack.incidents.tracker.Tracker` offers besides the incident verbs."""

    work: UnitOfWork
    intake: Intake

    @property
    def templates(self) -> Templates:
        return self.intake.templates

    @cached_property
    def users(self) -> Users:
        from inctrack.admin.users import Users

        return Users(self.work)

    @cached_property
    def groups(self) -> Groups:
        from inctrack.admin.groups import Groups

        return Groups(self.work)

    @cached_property
    def categories(self) -> Categories:
        from inctrack.admin.categories import Categories

        return Categories(self.work)

    @cached_property
    def settings(self) -> TeamSettings:
        from inctrack.admin.settings import TeamSettings

        return TeamSettings(self.work)

    @cached_property
    def services(self) -> Services:
        from inctrack.services.registry import Services

        return Services(self.work)

    @cached_property
    def maintenance(self) -> Maintenance:
        from inctrack.services.maintenance import Maintenance

        return Maintenance(self.work)

    @cached_property
    def updates(self) -> Updates:
        from inctrack.incidents.updates import Updates

        return Updates(self.work)
