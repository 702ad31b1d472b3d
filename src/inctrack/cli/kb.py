"""The knowledge base: `kb add|edit|show|list|history|publish|retire|import|export|
feedback|search|suggest|run`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inctrack.cli.kb_run import run
from inctrack.cli.options import (
    AtOption,
    FormatOption,
    IncidentArgument,
    OutputFormat,
    QuietOption,
    checked_choice,
)
from inctrack.cli.runtime import Runtime, runtime
from inctrack.domain import ArticleStatus
from inctrack.errors import NotFound, Rejected, UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from inctrack.kb.articles import Content, KnowledgeBase
    from inctrack.records import Record
    from inctrack.storage.models import Article

app = typer.Typer(
    help="The knowledge base: articles KB-n, and diagnostic runbooks run on incidents.",
    no_args_is_help=True,
)


class Verdict(StrEnum):
    """`kb feedback`'s verdict (the core checks it: a typo gets a did-you-mean)."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not-helpful"


ArticleArgument = Annotated[str, typer.Argument(metavar="KB", help="KB-3, kb-3 or 3.")]
BodyOption = Annotated[
    str | None,
    typer.Option("--body", "-d", metavar="TEXT", help="The article in Markdown; `-` reads stdin."),
]
FileOption = Annotated[
    Path | None, typer.Option("--file", metavar="F.md", help="Read the Markdown body from F.md.")
]
TagOption = Annotated[
    list[str] | None, typer.Option("--tag", metavar="TAG", help="A tag (repeatable).")
]
CategoryOption = Annotated[
    str | None,
    typer.Option("--category", "-c", metavar="CAT[/SUB]", help="A category of the taxonomy."),
]
ServiceOption = Annotated[
    str | None, typer.Option("--service", metavar="SERVICE", help="The service it is about.")
]


def _body(body: str | None, file: Path | None) -> str | None:
    if body is not None and file is not None:
        raise UsageError("Give --body or --file, not both.")
    if body == "-":
        return sys.stdin.read()
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"{file} does not exist.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise Rejected(f"Cannot read {file} as UTF-8 text ({exc}).") from None
    return body


def _content(
    title: str | None, body: str | None, tags: list[str] | None, category: str | None,
    service: str | None,
) -> Content:  # fmt: skip
    from inctrack.kb.articles import Content

    return Content(title=title, body=body, tags=tags, category=category, service=service)


def _write(
    rt: Runtime,
    action: Callable[[KnowledgeBase, datetime | None], Article],
    *,
    at: str | None,
    fmt: OutputFormat | None,
    quiet: bool,
) -> None:
    """Every article write: one transaction, then the ID (``-q``) or the article."""
    from inctrack.kb.articles import ARTICLE_CSV_COLUMNS, KnowledgeBase
    from inctrack.render.kb import article_detail

    when = rt.when(at)
    with rt.tracker(write=True) as tracker:
        kb = KnowledgeBase(tracker)
        record = kb.record(action(kb, when))
    rt.emit_written(record, fmt, quiet=quiet, table=article_detail, columns=ARTICLE_CSV_COLUMNS)


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[
        str | None, typer.Argument(metavar="TITLE", help="What the article solves.")
    ] = None,
    body: BodyOption = None,
    file: FileOption = None,
    tag: TagOption = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    from_incident: Annotated[
        str | None,
        typer.Option("--from", metavar="INC-n", help="Draft it from this incident's text."),
    ] = None,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write a draft article (anyone may; a kb-author publishes it).

    With no --body or --file on a terminal, the body opens in your editor.

    Examples:
      inctrack kb add "VPN drops every hour" --file vpn.md --tag vpn -c network/vpn
      inctrack kb add --from INC-42
    """
    if title is None and from_incident is None:
        raise UsageError("Give a TITLE, or --from INC-n to draft from an incident.")
    rt = runtime(ctx)
    text = _body(body, file)
    if text is None and from_incident is None and sys.stdin.isatty():
        from inctrack.cli.editing import run_editor

        text = run_editor(f"# {title}\n\n")
    content = _content(title, text, tag, category, service)

    def action(kb: KnowledgeBase, when: datetime | None) -> Article:
        given = content
        if from_incident is not None:
            drafted = kb.draft_from_incident(from_incident)
            given = type(content)(**{
                name: value if value is not None else getattr(drafted, name)
                for name, value in content.__dict__.items()
            })  # fmt: skip
        return kb.add(given, at=when)

    _write(rt, action, at=at, fmt=fmt, quiet=quiet)


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: ArticleArgument,
    title: Annotated[str | None, typer.Option("--title", help="A new title.")] = None,
    body: BodyOption = None,
    file: FileOption = None,
    tag: TagOption = None,
    category: Annotated[
        str | None,
        typer.Option("--category", "-c", metavar="CAT[/SUB]", help="A category; '' clears it."),
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", metavar="SERVICE", help="'' clears it.")
    ] = None,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Revise an article: a new revision with what changed (--tag replaces the tags).

    With no option on a terminal, the article opens in your editor as front matter
    and Markdown. A published article stays published at its approved revision until
    a kb-author publishes the new one.
    """
    rt = runtime(ctx)
    text = _body(body, file)
    options = (title, text, tag, category, service)
    if all(option is None for option in options) and sys.stdin.isatty():
        content = _edit_in_editor(rt, ref)
    else:
        content = _content(title, text, tag, category, service)
    _write(rt, lambda kb, when: kb.edit(ref, content, at=when), at=at, fmt=fmt, quiet=quiet)


def _edit_in_editor(rt: Runtime, ref: str) -> Content:
    from inctrack.cli.editing import run_editor
    from inctrack.kb.articles import KnowledgeBase
    from inctrack.kb.markdown import read_page, write_page

    with rt.tracker(write=False) as tracker:
        record = KnowledgeBase(tracker).record(KnowledgeBase(tracker).get_or_raise(ref))
    meta = {key: record[key] for key in ("title", "tags", "category", "service")}
    page = read_page(run_editor(write_page(meta, record["body"])), name="the edited article")
    return _content(
        page.title(record["title"]), page.body, page.tags() or [],
        page.text("category") or "", page.text("service") or "",
    )  # fmt: skip


@app.command("show")
def show(
    ctx: typer.Context,
    ref: ArticleArgument,
    revision: Annotated[
        int | None, typer.Option("--revision", metavar="N", min=1, help="Revision N.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Show an article, its Markdown rendered (or an older --revision)."""
    from inctrack.kb.articles import ARTICLE_CSV_COLUMNS, KnowledgeBase
    from inctrack.render.kb import article_detail

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        kb = KnowledgeBase(tracker)
        record = kb.record(kb.get_or_raise(ref), revision=revision)
    rt.emit(record, fmt, table=article_detail, columns=ARTICLE_CSV_COLUMNS)


@app.command("list")
def list_articles(
    ctx: typer.Context,
    status: Annotated[
        list[ArticleStatus] | None,
        typer.Option("--status", case_sensitive=False, help="Only these (repeatable)."),
    ] = None,
    include_all: Annotated[
        bool, typer.Option("--all", "-a", help="Include retired articles.")
    ] = False,
    tag: Annotated[str | None, typer.Option("--tag", help="Only with this tag.")] = None,
    category: Annotated[
        str | None, typer.Option("--category", "-c", metavar="CAT[/SUB]", help="Only these.")
    ] = None,
    service: Annotated[str | None, typer.Option("--service", help="Only these.")] = None,
    fmt: FormatOption = None,
) -> None:
    """Articles by number; retired ones only with --all or --status retired."""
    from inctrack.kb.articles import ARTICLE_CSV_COLUMNS, KnowledgeBase
    from inctrack.render.kb import article_list

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        kb = KnowledgeBase(tracker)
        found = kb.find(
            statuses=status or (), include_retired=include_all, tag=tag, category=category,
            service=service,
        )  # fmt: skip
        records = [kb.record(article) for article in found]
    rt.emit(records, fmt, table=article_list, columns=ARTICLE_CSV_COLUMNS)


@app.command("history")
def history(ctx: typer.Context, ref: ArticleArgument, fmt: FormatOption = None) -> None:
    """Every revision of an article: when, by whom, and which one is published."""
    from inctrack.kb.articles import KnowledgeBase
    from inctrack.render.kb import article_history

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        kb = KnowledgeBase(tracker)
        records = kb.history(kb.get_or_raise(ref))
    columns = ("id", "revision", "at", "actor", "published", "title", "tags", "category",
               "service", "body")  # fmt: skip
    rt.emit(records, fmt, table=article_history, columns=columns)


@app.command("publish")
def publish(
    ctx: typer.Context,
    ref: ArticleArgument,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Publish an article's latest revision (kb-author or admin)."""
    _write(runtime(ctx), lambda kb, when: kb.publish(ref, at=when), at=at, fmt=fmt, quiet=quiet)


@app.command("retire")
def retire(
    ctx: typer.Context,
    ref: ArticleArgument,
    at: AtOption = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Retire an article: out of lists and runs, kept for history (kb-author or admin)."""
    _write(runtime(ctx), lambda kb, when: kb.retire(ref, at=when), at=at, fmt=fmt, quiet=quiet)


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="Markdown files or folders of them.")
    ],
    fmt: FormatOption = None,
) -> None:
    """Import Markdown files (front matter: title, tags, category, service, status).

    A file imported before updates its article (by its `id: KB-n` key, else by its
    path): a new revision only when its content changed. All files or none.

    Examples:
      inctrack kb import ~/wiki/runbooks/
      inctrack kb export kb/ && inctrack kb import kb/
    """
    from inctrack.kb.articles import KnowledgeBase
    from inctrack.kb.files import import_files
    from inctrack.render.kb import file_results

    rt = runtime(ctx)
    with rt.tracker(write=True) as tracker:
        results = import_files(KnowledgeBase(tracker), paths)
    rt.emit([r.record() for r in results], fmt, table=file_results,
            columns=("path", "id", "title", "action"))  # fmt: skip


@app.command("export")
def export(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The folder to write into.")],
    fmt: FormatOption = None,
) -> None:
    """Write every article as Markdown with front matter, for `kb import` (or git).

    Files are written whole (temporary file, then rename); a file there that is not
    the same article's export is never overwritten (exit 6).
    """
    from inctrack.kb.articles import KnowledgeBase
    from inctrack.kb.files import export_files
    from inctrack.render.kb import file_results

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        kb = KnowledgeBase(tracker)
        results = export_files(kb, folder, kb.find(include_retired=True))
    rt.emit([r.record() for r in results], fmt, table=file_results,
            columns=("path", "id", "title", "action"))  # fmt: skip


@app.command("feedback")
def feedback(
    ctx: typer.Context,
    ref: ArticleArgument,
    incident: IncidentArgument,
    verdict: Annotated[
        str,
        typer.Argument(
            **checked_choice(Verdict, metavar="helpful|not-helpful"),
            help="Whether the article helped with the incident.",
        ),
    ],
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Say whether an article helped with an incident (on its timeline)."""
    from inctrack.kb.usage import Usage

    runtime(ctx).write(
        lambda t, when: Usage(t).feedback(ref, incident, verdict), at=None, fmt=fmt, quiet=quiet
    )


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            metavar="TEXT",
            help='Words (all must match), "a phrase", -word to leave out, prefix*, a OR b.',
        ),
    ],
    include_all: Annotated[
        bool, typer.Option("--all", "-a", help="Drafts and retired articles too.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-L", min=0, help="At most this many (0: no limit).")
    ] = 20,
    fmt: FormatOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the IDs alone, one per line.")
    ] = False,
) -> None:
    """Find published articles by their words, best match first (title and tags count most).

    A search with no hit suggests the nearest indexed words (on stderr, exit 0).

    Examples:
      inctrack kb search printer
      inctrack kb search '"paper jam" -toner' --all -f json
    """
    from inctrack.cli.output import notice
    from inctrack.kb.articles import KnowledgeBase
    from inctrack.kb.finding import nearest_terms, search_articles

    rt = runtime(ctx)
    nearest: list[str] = []
    with rt.tracker(write=False) as tracker:
        kb = KnowledgeBase(tracker)
        records = search_articles(kb, query, include_all=include_all, limit=limit or None)
        if not records:
            nearest = nearest_terms(kb, query, include_all=include_all)
    if not records:
        which = "article" if include_all else "published article"
        hint = f"; did you mean {' or '.join(nearest)}?" if nearest else "."
        notice(f"No {which} matches {query.strip()!r}{hint}", no_color=rt.no_color)
    _hits(rt, records, fmt, quiet)


def _hits(rt: Runtime, records: list[Record], fmt: OutputFormat | None, quiet: bool) -> None:
    from inctrack.render.kb import ARTICLE_HIT_CSV_COLUMNS, article_hits

    if quiet:
        typer.echo("".join(f"{record['id']}\n" for record in records), nl=False)
    elif records or (fmt is not None and fmt != "table"):
        rt.emit(records, fmt, table=article_hits, columns=ARTICLE_HIT_CSV_COLUMNS)


@app.command("suggest")
def suggest(
    ctx: typer.Context,
    incident: IncidentArgument,
    limit: Annotated[
        int, typer.Option("--limit", "-L", min=0, help="At most this many (0: no limit).")
    ] = 10,
    fmt: FormatOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the IDs alone, one per line.")
    ] = False,
) -> None:
    """Published articles for an incident: by its title, description, category and
    service (the same category or service first among equals).

    Examples:
      inctrack kb suggest INC-42
    """
    from inctrack.cli.output import notice
    from inctrack.kb import finding
    from inctrack.kb.articles import KnowledgeBase

    rt = runtime(ctx)
    with rt.tracker(write=False) as tracker:
        records = finding.suggest(KnowledgeBase(tracker), incident, limit=limit or None)
    if not records:
        notice("No published article matches this incident.", no_color=rt.no_color)
    _hits(rt, records, fmt, quiet)


app.command("run")(run)
