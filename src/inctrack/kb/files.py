"""``kb import`` and ``kb export``: a folder of Markdown files, in and out.

An imported file is found again on the next import by its ``id: KB-n`` key
(which ``kb export`` writes) or else by its source key: its path relative to
the folder given (or its file name, for a file given alone). A file whose
content did not change adds no revision, so export → import changes nothing.
The whole import is one transaction: a bad file names itself and nothing is
written. Export writes each file to a temporary name and renames it over,
and never overwrites a file that is not the same article's.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from inctrack.domain import format_article_id, parse_article_ref
from inctrack.errors import Conflict, NotFound, Rejected
from inctrack.kb.articles import (
    Content,
    KnowledgeBase,
    category_path,
    tag_list,
)
from inctrack.kb.markdown import read_page, write_page
from inctrack.records import Record
from inctrack.storage.models import Article

SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: ``created``, ``updated``, ``unchanged`` (import) or
    ``written`` (export)."""

    path: str
    article: str
    title: str
    action: str

    def record(self) -> Record:
        return {"path": self.path, "id": self.article, "title": self.title, "action": self.action}


def markdown_files(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """(file, source key) for each Markdown file named or inside a folder named."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix.lower() in SUFFIXES:
                    found.append((file, file.relative_to(path).as_posix()))
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise Rejected(f"{path} is not a Markdown file (.md); nothing was imported.")
            found.append((path, path.name))
        else:
            raise NotFound(f"{path} does not exist; give Markdown files or folders of them.")
    return found


def import_files(
    kb: KnowledgeBase, paths: Sequence[Path], *, at: datetime | None = None
) -> list[FileResult]:
    """Create or update one article per Markdown file (see the module's docstring)."""
    files = markdown_files(paths)
    if not files:
        raise Rejected("No Markdown files (.md) found there; nothing was imported.")
    when = kb.work.when(at)
    results = []
    seen: dict[int, str] = {}
    for file, source in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Rejected(f"{file}: cannot read it as UTF-8 text ({exc}).") from None
        try:
            result = _import_one(kb, text, source=source, name=str(file), when=when)
        except (Rejected, NotFound) as exc:
            if exc.message.startswith(f"{file}:"):
                raise
            raise type(exc)(f"{file}: {exc.message}") from None
        number = parse_article_ref(result.article)
        if number in seen:
            raise Rejected(
                f"{file} and {seen[number]} are both {result.article}; one file per article."
            )
        seen[number] = str(file)
        results.append(FileResult(str(file), result.article, result.title, result.action))
    return results


def _import_one(
    kb: KnowledgeBase, text: str, *, source: str, name: str, when: datetime
) -> FileResult:
    page = read_page(text, name=name)
    fallback = Path(source).stem.replace("-", " ").replace("_", " ").strip() or source
    content = Content(
        title=page.title(fallback),
        body=page.body,
        tags=page.tags() or [],
        category=page.text("category") or "",
        service=page.text("service") or "",
    )
    status = page.text("status")
    article, number = _existing(kb, page.text("id"), source)
    if article is None:
        if number is not None and _by_source(kb, source) is not None:
            source_key: str | None = None  # that path is another article's already
        else:
            source_key = source
        article = kb.add(content, source=source_key, number=number, at=when)
        action = "created"
    else:
        if article.updated_at > when:
            when = article.updated_at
        changed = kb.update(article, content, when=when)
        action = "updated" if changed else "unchanged"
    if status and kb.set_status(article, status, when=when) and action == "unchanged":
        action = "updated"
    return FileResult(name, format_article_id(article.id), article.title, action)


def _existing(
    kb: KnowledgeBase, given: str | None, source: str
) -> tuple[Article | None, int | None]:
    """The article a file updates (by ``id``, else by source key), or the number a new
    one takes (its ``id`` when that number is free)."""
    if given:
        number = parse_article_ref(given)
        article = kb.get(number)
        if article is not None:
            return kb.get_or_raise(number, lock=True), None
        return None, number
    return _by_source(kb, source), None


def _by_source(kb: KnowledgeBase, source: str) -> Article | None:
    from sqlalchemy import select
    from sqlmodel import col

    statement = select(Article).where(col(Article.source) == source).with_for_update()
    return kb.session.scalars(statement).first()


def file_name(article: Article) -> str:
    """Where an article is exported: its source key, else ``kb-n-its-title.md``."""
    if article.source:
        return article.source
    slug = re.sub(r"[^a-z0-9]+", "-", article.title.lower()).strip("-")[:60].strip("-")
    return f"kb-{article.id}-{slug or 'article'}.md"


def export_files(kb: KnowledgeBase, folder: Path, articles: Sequence[Article]) -> list[FileResult]:
    """Write ``articles`` under ``folder`` as Markdown with front matter."""
    if folder.exists() and not folder.is_dir():
        raise Rejected(f"{folder} is a file; kb export writes into a folder.")
    if not folder.parent.is_dir():
        raise NotFound(f"{folder.parent} does not exist; create it first.")
    planned = []
    root = folder.resolve()
    for article in articles:
        target = (folder / file_name(article)).resolve()
        if root not in target.parents:
            raise Rejected(
                f"{format_article_id(article.id)}'s source {article.source!r} points outside "
                f"{folder}; nothing was written."
            )
        _check_target(target, article)
        meta = {
            "id": format_article_id(article.id), "title": article.title,
            "tags": tag_list(article.tags), "category": category_path(article),
            "service": article.service, "status": article.status,
        }  # fmt: skip
        planned.append((target, article, write_page(meta, article.body)))
    folder.mkdir(exist_ok=True)
    results = []
    for target, article, text in planned:
        _write_atomically(target, text)
        results.append(
            FileResult(str(target), format_article_id(article.id), article.title, "written")
        )
    return results


def _check_target(target: Path, article: Article) -> None:
    """Refuse to overwrite a file that is not this article's own export (Conflict, exit 6)."""
    if not target.exists():
        return
    aid = format_article_id(article.id)
    try:
        page = read_page(target.read_text(encoding="utf-8"), name=str(target))
        owner = page.text("id")
        same = owner is not None and parse_article_ref(owner) == article.id
    except (OSError, UnicodeDecodeError, Rejected):
        same = False
    if not same:
        raise Conflict(
            f"{target} exists and is not {aid}'s export; move it away or export to another "
            "folder. Nothing was written."
        )


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".inctrack-", suffix=".md.tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
