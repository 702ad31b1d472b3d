"""Knowledge articles ``KB-n``: written, revised, published, retired.

``KnowledgeBase(tracker)`` works in the tracker's unit of work, as its actor
and with its clock. Anyone may write a draft and revise it; publishing and
retiring need ``publish-articles`` (the ``kb-author`` role, or admin). Every
change of content is a new revision (``article_revisions``), numbered from 1;
the article row holds the latest one in plain columns (title, body, tags),
which is what a full-text index reads.

An article moves ``draft → published → retired``; a retired one may be
published again. Publishing approves the latest revision (``published_revision``,
with who approved it): a later edit is a draft revision of a published article,
and ``kb run`` keeps running the approved one until it is published again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from inctrack.admin.taxonomy import join
from inctrack.domain import (
    ArticleStatus,
    format_article_id,
    parse_article_ref,
    parse_choice,
    required_text,
)
from inctrack.errors import NotFound, Rejected
from inctrack.incidents.tracker import Tracker
from inctrack.records import Record, timestamp
from inctrack.storage.models import Article, ArticleRevision

DRAFT, PUBLISHED, RETIRED = ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.RETIRED
MAX_TITLE = 200
CONTENT = ("title", "body", "tags", "category", "subcategory", "service")
"""The columns a revision keeps: what an edit changes."""

ARTICLE_CSV_COLUMNS = (
    "id", "title", "status", "revision", "published_revision", "published_by",
    "published_at", "tags", "category", "service", "source", "created_at", "created_by",
    "updated_at", "body",
)  # fmt: skip
"""CSV columns of an article (tags joined with commas)."""


@dataclass(frozen=True)
class Content:
    """What an article says, as given to ``add``, ``edit`` or an import.

    ``None`` leaves a field as it is; for ``category`` and ``service`` an empty
    string clears it, and an empty ``tags`` list removes every tag.
    """

    title: str | None = None
    body: str | None = None
    tags: Sequence[str] | None = None
    category: str | None = None
    service: str | None = None

    def given(self) -> bool:
        return any(value is not None for value in self.__dict__.values())


def clean_body(text: str) -> str:
    """Markdown as stored: Unix line ends, no blank lines around it, no trailing blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()


def clean_tags(tags: Iterable[str]) -> str:
    """Tags as stored: lower case, sorted, unique, comma-separated."""
    found = set()
    for tag in tags:
        for part in str(tag).split(","):
            cleaned = " ".join(part.strip().lower().split())
            if cleaned:
                found.add(cleaned)
    return ",".join(sorted(found))


def tag_list(tags: str) -> list[str]:
    return [tag for tag in tags.split(",") if tag]


class KnowledgeBase:
    """Knowledge articles, read and written inside one tracker's transaction."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.work = tracker.work
        self.session = tracker.session
        self._categories: dict[str, tuple[str, str | None]] = {}

    # -- reading -------------------------------------------------------------

    def get(self, ref: str | int) -> Article | None:
        return self.session.get(Article, parse_article_ref(ref))

    def get_or_raise(self, ref: str | int, *, lock: bool = False) -> Article:
        number = parse_article_ref(ref)
        if lock:
            statement = select(Article).where(col(Article.id) == number).with_for_update()
            article = self.session.scalars(statement).first()
        else:
            article = self.session.get(Article, number)
        if article is None:
            raise NotFound(
                f"There is no article {format_article_id(number)}; "
                "`inctrack kb list --all` shows the ones that exist."
            )
        return article

    def find(
        self,
        *,
        statuses: Sequence[ArticleStatus | str] = (),
        include_retired: bool = False,
        tag: str | None = None,
        category: str | None = None,
        service: str | None = None,
    ) -> list[Article]:
        """Articles by number; without statuses, all but the retired ones."""
        statement = select(Article).order_by(col(Article.id))
        if statuses:
            wanted = [parse_choice(ArticleStatus, s, "status") for s in statuses]
            statement = statement.where(col(Article.status).in_(wanted))
        elif not include_retired:
            statement = statement.where(col(Article.status) != RETIRED.value)
        if category is not None:
            top, _, sub = category.strip().lower().partition("/")
            statement = statement.where(col(Article.category) == top)
            if sub:
                statement = statement.where(col(Article.subcategory) == sub)
        if service is not None:
            statement = statement.where(col(Article.service) == service.strip())
        articles = list(self.session.scalars(statement))
        if tag is not None:
            wanted_tag = clean_tags([tag])
            articles = [a for a in articles if wanted_tag in tag_list(a.tags)]
        return articles

    def revisions(self, article: Article) -> list[ArticleRevision]:
        statement = (
            select(ArticleRevision)
            .where(col(ArticleRevision.article_id) == article.id)
            .order_by(col(ArticleRevision.number))
        )
        return list(self.session.scalars(statement))

    def revision(self, article: Article, number: int) -> ArticleRevision:
        statement = select(ArticleRevision).where(
            col(ArticleRevision.article_id) == article.id, col(ArticleRevision.number) == number
        )
        found = self.session.scalars(statement).first()
        if found is None:
            raise NotFound(
                f"{format_article_id(article.id)} has no revision {number}; it has revisions "
                f"1 to {article.revision} (`inctrack kb history {format_article_id(article.id)}`)."
            )
        return found

    def record(self, article: Article, *, revision: int | None = None) -> Record:
        """The article's record; with ``revision``, the content of that revision."""
        record = article_record(article)
        if revision is not None and revision != article.revision:
            old = self.revision(article, revision)
            record.update(revision_content(old))
            record["revision"] = old.number
        return record

    def history(self, article: Article) -> list[Record]:
        return [revision_record(article, r) for r in self.revisions(article)]

    # -- writing -------------------------------------------------------------

    def add(
        self,
        content: Content,
        *,
        source: str | None = None,
        number: int | None = None,
        at: datetime | None = None,
    ) -> Article:
        """A new draft article (revision 1). ``number`` keeps an imported ``KB-n``."""
        work = self.work
        now = work.now()
        when = work.when(at, now)
        if content.title is None:
            raise Rejected("An article needs a title; say in a few words what it solves.")
        if number is None:
            number = work.numbers.take("article")
        else:
            work.numbers.raise_to("article", number)
        article = Article(
            id=number, title="", body="", status=DRAFT.value, revision=0,
            source=source, created_at=when, created_by=work.actor, updated_at=when,
        )  # fmt: skip
        self.session.add(article)
        self._apply(article, content, when=when)
        self.session.flush()
        return article

    def edit(self, ref: str | int, content: Content, *, at: datetime | None = None) -> Article:
        """A new revision with the fields given; Rejected when nothing would change."""
        if not content.given():
            raise Rejected(
                "Say what changes: --title, --body, --file, --tag, --category or --service."
            )
        article = self.get_or_raise(ref, lock=True)
        when = self._when(article, at)
        if not self._apply(article, content, when=when):
            raise Rejected(f"{format_article_id(article.id)} already says that; nothing changed.")
        return article

    def update(self, article: Article, content: Content, *, when: datetime) -> bool:
        """Apply ``content`` to a locked article: True when a revision was added."""
        return self._apply(article, content, when=when)

    def publish(self, ref: str | int, *, at: datetime | None = None) -> Article:
        """Approve the latest revision: what readers see and ``kb run`` runs."""
        self.work.authorize("publish-articles")
        article = self.get_or_raise(ref, lock=True)
        aid = format_article_id(article.id)
        if article.status == PUBLISHED.value and article.published_revision == article.revision:
            raise Rejected(f"{aid} is already published (revision {article.revision}).")
        when = self._when(article, at)
        article.status = PUBLISHED.value
        article.published_revision = article.revision
        article.published_by = self.work.actor
        article.published_at = when
        article.updated_at = when
        return article

    def retire(self, ref: str | int, *, at: datetime | None = None) -> Article:
        """Take an article out of use; it stays readable with ``--all``."""
        self.work.authorize("publish-articles")
        article = self.get_or_raise(ref, lock=True)
        if article.status == RETIRED.value:
            raise Rejected(f"{format_article_id(article.id)} is already retired.")
        article.status = RETIRED.value
        article.updated_at = self._when(article, at)
        return article

    def set_status(self, article: Article, status: ArticleStatus | str, *, when: datetime) -> bool:
        """Move a locked article to ``status`` (an import's ``status`` key); True if it moved."""
        target = ArticleStatus(parse_choice(ArticleStatus, status, "article status"))
        if target is DRAFT:
            if article.status != DRAFT.value:
                raise Rejected(
                    f"{format_article_id(article.id)} is {article.status}; an article does "
                    "not go back to draft (edit it: the new revision waits for publishing)."
                )
            return False
        if target is PUBLISHED and not (
            article.status == PUBLISHED.value and article.published_revision == article.revision
        ):
            self.publish(article.id, at=when)
            return True
        if target is RETIRED and article.status != RETIRED.value:
            self.retire(article.id, at=when)
            return True
        return False

    def draft_from_incident(self, ref: str | int) -> Content:
        """An article drafted from an incident: its title, description and resolution."""
        incident = self.tracker.get_or_raise(ref)
        parts = []
        if incident.description:
            parts.append(f"## Symptoms\n\n{incident.description}")
        if incident.resolution_note:
            parts.append(f"## Resolution\n\n{incident.resolution_note}")
        category = join(incident.category, incident.subcategory) if incident.category else None
        return Content(
            title=incident.title,
            body="\n\n".join(parts),
            category=category,
            service=incident.service,
        )

    # -- helpers -------------------------------------------------------------

    def _when(self, article: Article, at: datetime | None) -> datetime:
        when = self.work.when(at)
        if when < article.updated_at:
            raise Rejected(
                f"{when.isoformat()} is before the last change to "
                f"{format_article_id(article.id)} ({article.updated_at.isoformat()}); "
                "a history only moves forward."
            )
        return when

    def _category(self, path: str) -> tuple[str | None, str | None]:
        """``path`` validated against the taxonomy, once per path (an import repeats them)."""
        if not path:
            return None, None
        if path not in self._categories:
            self._categories[path] = self.tracker.taxonomy.validate(path)
        return self._categories[path]

    def _apply(self, article: Article, content: Content, *, when: datetime) -> bool:
        values = {name: getattr(article, name) for name in CONTENT}
        if content.title is not None:
            values["title"] = required_text(content.title, "title", limit=MAX_TITLE)
        if content.body is not None:
            values["body"] = clean_body(content.body)
        if content.tags is not None:
            values["tags"] = clean_tags(content.tags)
        if content.category is not None:
            path = content.category.strip()
            values["category"], values["subcategory"] = self._category(path)
        if content.service is not None:
            values["service"] = content.service.strip() or None
        if article.revision and all(values[n] == getattr(article, n) for n in CONTENT):
            return False
        for name, value in values.items():
            setattr(article, name, value)
        article.revision += 1
        article.updated_at = when
        self.session.add(
            ArticleRevision(
                article_id=article.id, number=article.revision, at=when, actor=self.work.actor,
                **values,
            )
        )  # fmt: skip
        return True


def category_path(item: Article | ArticleRevision) -> str | None:
    return join(item.category, item.subcategory) if item.category else None


def revision_content(item: Article | ArticleRevision) -> Record:
    return {
        "title": item.title,
        "body": item.body,
        "tags": tag_list(item.tags),
        "category": category_path(item),
        "service": item.service,
    }


def article_record(article: Article) -> Record:
    """The public record of an article (docs/reference/formats.md, "Articles")."""
    return {
        "id": format_article_id(article.id),
        "title": article.title,
        "status": article.status,
        "revision": article.revision,
        "published_revision": article.published_revision,
        "published_by": article.published_by,
        "published_at": timestamp(article.published_at),
        "tags": tag_list(article.tags),
        "category": category_path(article),
        "service": article.service,
        "source": article.source,
        "created_at": timestamp(article.created_at),
        "created_by": article.created_by,
        "updated_at": timestamp(article.updated_at),
        "body": article.body,
    }


def revision_record(article: Article, revision: ArticleRevision) -> Record:
    return {
        "id": format_article_id(article.id),
        "revision": revision.number,
        "at": timestamp(revision.at),
        "actor": revision.actor,
        "published": revision.number == article.published_revision,
        **revision_content(revision),
    }
