"""The two-level category taxonomy: ``category/subcategory``, team data.

Seeded with a sensible IT default when the database is created (migration 0002
holds that seed, frozen). Categories
are retired, never deleted: incidents logged under them keep their meaning.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from inctrack.domain import parse_category
from inctrack.errors import NotFound, Rejected
from inctrack.storage.models import Category


def join(category: str, subcategory: str | None) -> str:
    return f"{category}/{subcategory}" if subcategory else category


class Taxonomy:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self, *, include_retired: bool = False) -> list[Category]:
        statement = select(Category).order_by(col(Category.path))
        if not include_retired:
            statement = statement.where(col(Category.retired_at).is_(None))
        return list(self.session.scalars(statement))

    def get(self, path: str) -> Category | None:
        return self.session.scalars(select(Category).where(col(Category.path) == path)).first()

    def get_or_raise(self, path: str) -> Category:
        node = self.get(path)
        if node is None:
            raise NotFound(f"There is no category {path}{self._suggest(path)}")
        return node

    def validate(self, text: str) -> tuple[str, str | None]:
        """``network/vpn`` -> ("network", "vpn") if it is in the taxonomy and not retired."""
        category, subcategory = parse_category(text)
        path = join(category, subcategory)
        if self.get_or_raise(path).retired_at is not None:
            raise Rejected(
                f"The category {path} is retired; choose a current one (`inctrack category list`)."
            )
        return category, subcategory

    def add(self, text: str, *, now: datetime) -> list[Category]:
        """Add a category or subcategory (and its parent, if new); return what was added."""
        category, subcategory = parse_category(text)
        wanted = [category] + ([join(category, subcategory)] if subcategory else [])
        added = []
        for path in wanted:
            existing = self.get(path)
            if existing is None:
                node = Category(path=path, created_at=now)
                self.session.add(node)
                added.append(node)
            elif existing.retired_at is not None:
                existing.retired_at = None  # adding a retired category brings it back
                added.append(existing)
        if not added:
            raise Rejected(f"The category {wanted[-1]} already exists.")
        self.session.flush()
        return added

    def retire(self, text: str, *, now: datetime) -> list[Category]:
        """Retire a category (with its subcategories) or one subcategory."""
        category, subcategory = parse_category(text)
        path = join(category, subcategory)
        node = self.get_or_raise(path)
        if node.retired_at is not None:
            raise Rejected(f"The category {path} is already retired.")
        nodes = [node] if subcategory else self._family(category)
        for each in nodes:
            if each.retired_at is None:
                each.retired_at = now
        return nodes

    def rename(self, old: str, new: str) -> dict[str, str]:
        """Rename a category or a subcategory; return old path -> new path for each node."""
        old_cat, old_sub = parse_category(old)
        new_cat, new_sub = parse_category(new)
        old_path, new_path = join(old_cat, old_sub), join(new_cat, new_sub)
        self.get_or_raise(old_path)
        if (old_sub is None) != (new_sub is None) or (old_sub and old_cat != new_cat):
            raise Rejected(
                "A rename stays on its level: rename network to networking, or network/vpn "
                "to network/remote-access."
            )
        if self.get(new_path) is not None:
            raise Rejected(f"The category {new_path} already exists.")
        nodes = [self.get(old_path)] if old_sub else self._family(old_cat)
        renames: dict[str, str] = {}
        for node in nodes:
            assert node is not None
            renames[node.path] = new_path if old_sub else new_cat + node.path[len(old_cat) :]
            node.path = renames[node.path]
        self.session.flush()
        return renames

    def _family(self, category: str) -> list[Category]:
        statement = select(Category).where(
            (col(Category.path) == category) | col(Category.path).startswith(f"{category}/")
        )
        return list(self.session.scalars(statement.order_by(col(Category.path))))

    def _suggest(self, path: str) -> str:
        known = [node.path for node in self.all()]
        close = difflib.get_close_matches(path, known, n=3, cutoff=0.5)
        if not close and "/" in path:
            parent = path.split("/")[0]
            close = [p for p in known if p.startswith(f"{parent}/")][:5]
        if close:
            return "; did you mean " + " or ".join(close) + "?"
        return "; `inctrack category list` shows the taxonomy."
