"""Changing the category taxonomy: add, retire, rename (admins only).

Validation against the taxonomy, for everyone, is :class:`inctrack.admin.taxonomy.Taxonomy`.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from inctrack.admin.taxonomy import Taxonomy
from inctrack.storage.models import Category, Incident
from inctrack.work import UnitOfWork


class Categories:
    """The taxonomy's changes, each authorized as ``manage-categories``."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.taxonomy = Taxonomy(work.session)

    def add(self, path: str) -> list[Category]:
        self.work.authorize("manage-categories")
        return self.taxonomy.add(path, now=self.work.now())

    def retire(self, path: str) -> list[Category]:
        self.work.authorize("manage-categories")
        return self.taxonomy.retire(path, now=self.work.now())

    def rename(self, old: str, new: str) -> dict[str, str]:
        """Rename in the taxonomy and relabel the incidents filed under it.

        A rename changes the label, not the classification, so incidents get no
        event; their timelines keep the name used when they were categorized.
        """
        self.work.authorize("manage-categories")
        renames = self.taxonomy.rename(old, new)
        for old_path, new_path in renames.items():
            old_cat, _, old_sub = old_path.partition("/")
            new_cat, _, new_sub = new_path.partition("/")
            matches = col(Incident.category) == old_cat
            if old_sub:
                matches &= col(Incident.subcategory) == old_sub
                self.work.session.execute(
                    update(Incident).where(matches).values(category=new_cat, subcategory=new_sub)
                )
            else:
                self.work.session.execute(update(Incident).where(matches).values(category=new_cat))
        return renames

    # -- helpers -------------------------------------------------------------
