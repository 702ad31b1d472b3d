"""Full-text search: one index over every kind of record, kept by the database itself.

The index is the table ``search_documents`` (migration 0007): one document per
record, a ``title`` that weighs more and a ``body``. A document's key is
``number * 16 + kind.code``. Each kind of record has a source view (what its
document says) and triggers that rewrite its document on every write, in the
writer's own transaction; on SQLite the table is FTS5 (porter tokenizer, ranked
by ``bm25()``, snippets by ``snippet()``), on PostgreSQL a weighted ``tsvector``
under a GIN index (ranked by ``ts_rank_cd``, snippets by ``ts_headline``).

The API, for any package that has records to find::

    from inctrack import search
    search.register(search.Kind("article", code=2, table="articles", prefix="KB"))
    hits = search.Search(session).query("printer -toner", kinds=("article",), limit=10)
    hits[0].kind, hits[0].number, hits[0].score, hits[0].snippet

A new kind adds, in its own migration, a view ``search_source_<table>``
(``source_id``, ``document_id``, ``title``, ``body``) and the triggers that write
its documents; :func:`rebuild` then fills the index from the view. A bulk load
wraps itself in :func:`pause` and :func:`resume` (the index is built once, at the
end, in the same transaction). :func:`matching` is the index as one filter among
others (``list --search``). The query syntax is in :mod:`inctrack.search.syntax`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, ColumnElement, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from inctrack.search.syntax import Parsed, parse

__all__ = [
    "ARTICLE",
    "INCIDENT",
    "KINDS",
    "PROBLEM",
    "Hit",
    "Kind",
    "Paused",
    "Search",
    "matching",
    "parse",
    "pause",
    "rebuild",
    "register",
    "resume",
]

MARK = ("«", "»")
"""What a snippet puts around each word that matched."""
ELLIPSIS = "…"
SNIPPET_WORDS = 12
TITLE_WEIGHT = 10.0
"""How much more a word in the title counts than one in the body (SQLite's ``bm25``;
PostgreSQL weighs A against B as 1.0 against 0.4)."""


@dataclass(frozen=True)
class Kind:
    """A kind of record in the index: its name, its code in document keys, the table
    whose ``id`` numbers it and whose ``status`` filters it, and its ID prefix."""

    name: str
    code: int
    table: str
    prefix: str

    @property
    def view(self) -> str:
        return f"search_source_{self.table}"


KINDS: dict[str, Kind] = {}
"""Every kind the index knows, by name."""


def register(kind: Kind) -> Kind:
    """Make ``kind`` searchable (its migration made its view and triggers)."""
    taken = {k.code: k.name for k in KINDS.values()}
    if not 0 <= kind.code < 16 or taken.get(kind.code, kind.name) != kind.name:
        raise ValueError(f"search kind code {kind.code} is taken or out of range")
    KINDS[kind.name] = kind
    return kind


INCIDENT = register(Kind("incident", code=0, table="incidents", prefix="INC"))
PROBLEM = register(Kind("problem", code=1, table="problems", prefix="PRB"))
ARTICLE = register(Kind("article", code=2, table="articles", prefix="KB"))
"""Knowledge articles (migration 0013): title and tags, then body, category, service."""


@dataclass(frozen=True)
class Hit:
    """One record that matched: best first, with the score that ranked it."""

    kind: str
    number: int
    score: float
    snippet: str = field(default="", compare=False)

    @property
    def ref(self) -> str:
        return f"{KINDS[self.kind].prefix}-{self.number}"


class Search:
    """Queries on the index, inside the caller's session (and its transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def query(
        self,
        text_: str,
        *,
        kinds: Sequence[str] | None = None,
        statuses: Mapping[str, Collection[str]] | None = None,
        limit: int | None = 20,
    ) -> list[Hit]:
        """The records matching ``text_``, best first: of ``kinds`` (all by default),
        each kind limited to ``statuses[kind]`` when given. Raises ``Rejected`` when
        the text has nothing to look for."""
        parsed = parse(text_)
        chosen = [KINDS[name] for name in (kinds or list(KINDS))]
        ranked = self._ranked(parsed, chosen, statuses or {}, limit)
        if not self.sqlite:  # SQLite wrote them with the ranking, for the hits alone
            ranked = self._headlines(parsed, ranked)
        by_code = {k.code: k.name for k in chosen}
        return [
            Hit(by_code[key % 16], key // 16, float(f"{score:.6g}"), " ".join(snippet.split()))
            for key, score, snippet in ranked
        ]

    def _ranked(
        self,
        parsed: Parsed,
        kinds: list[Kind],
        statuses: Mapping[str, Collection[str]],
        limit: int | None,
    ) -> list[tuple[int, float, str]]:
        if self.sqlite:
            # FTS5 ranks every match itself (ORDER BY rank) and writes the snippets of
            # the rows returned only.
            key = "search_documents.rowid"
            start, stop = MARK
            columns = (
                f"{key}, -rank, snippet(search_documents, -1, '{start}', '{stop}', "
                f"'{ELLIPSIS}', {SNIPPET_WORDS})"
            )
            source = "search_documents"
            where = f"search_documents MATCH :q AND rank MATCH 'bm25({TITLE_WEIGHT}, 1.0)'"
            order = "rank"
        else:
            key = "d.id"
            columns = f"{key}, ts_rank_cd(d.document, q.q) AS score, ''"
            source = "search_documents d, to_tsquery('english', :q) q(q)"
            where = "d.document @@ q.q"
            order = "score DESC, d.id"
        allowed = " OR ".join(_kind_filter(key, kind, statuses.get(kind.name)) for kind in kinds)
        sql = (
            f"SELECT {columns} FROM {source} WHERE {where} AND ({allowed or 'FALSE'}) "
            f"ORDER BY {order}" + (f" LIMIT {int(limit)}" if limit else "")
        )
        params: dict[str, Any] = {"q": self._expression(parsed)}
        filtered = [kind.name for kind in kinds if statuses.get(kind.name)]
        for name in filtered:
            params[f"s_{name}"] = list(statuses[name])
        statement = text(sql).bindparams(
            *(bindparam(f"s_{name}", expanding=True) for name in filtered)
        )
        rows = self.session.execute(statement, params)
        return [(int(k), float(s), str(snippet or "")) for k, s, snippet in rows]

    def _headlines(
        self, parsed: Parsed, ranked: list[tuple[int, float, str]]
    ) -> list[tuple[int, float, str]]:
        """PostgreSQL's snippets, for the hits alone: from the body when it matches, else
        from the title."""
        if not ranked:
            return ranked
        start, stop = MARK
        options = (
            f"StartSel={start}, StopSel={stop}, MaxWords={SNIPPET_WORDS}, MinWords=4, "
            f"MaxFragments=1, FragmentDelimiter={ELLIPSIS}"
        )
        sql = (
            "SELECT d.id, CASE WHEN to_tsvector('english', d.body) @@ q.q "
            f"THEN ts_headline('english', d.body, q.q, '{options}') "
            f"ELSE ts_headline('english', d.title, q.q, '{options}') END "
            "FROM search_documents d, to_tsquery('english', :q) q(q) WHERE d.id IN :keys"
        )
        statement = text(sql).bindparams(bindparam("keys", expanding=True))
        keys = [key for key, _, _ in ranked]
        rows = self.session.execute(statement, {"q": self._expression(parsed), "keys": keys})
        snippets = {int(key): str(snippet or "") for key, snippet in rows}
        return [(key, score, snippets.get(key, "")) for key, score, _ in ranked]

    def _expression(self, parsed: Parsed) -> str:
        return parsed.fts5() if self.sqlite else parsed.tsquery()


def _kind_filter(key: str, kind: Kind, statuses: Collection[str] | None) -> str:
    this = f"{key} % 16 = {kind.code}"
    if not statuses:
        return this
    return (
        f"({this} AND EXISTS (SELECT 1 FROM {kind.table} s WHERE s.id = {key} / 16 "
        f"AND s.status IN :s_{kind.name}))"
    )


def matching(kind: str, query: str, ids: ColumnElement[int]) -> ColumnElement[bool]:
    """A condition on ``ids`` (the kind's table's ``id``): the record's document matches
    ``query``, for a filter among others (as ``list --search`` uses it). Raises
    ``Rejected`` when the query has nothing to look for."""
    return _Matches(KINDS[kind], parse(query), ids)


class _Matches(ColumnElement[bool]):
    """``ids IN (the numbers of the documents of a kind matching a query)``, written in
    each database's own terms."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, kind: Kind, parsed: Parsed, ids: ColumnElement[int]) -> None:
        self.kind = kind
        self.parsed = parsed
        self.ids = ids


@compiles(_Matches, "sqlite")
def _matches_sqlite(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    ids = compiler.process(element.ids, **kw)
    q = compiler.process(bindparam(None, element.parsed.fts5(), unique=True), **kw)
    return (
        f"{ids} IN (SELECT rowid / 16 FROM search_documents WHERE search_documents "
        f"MATCH {q} AND rowid % 16 = {element.kind.code})"
    )


@compiles(_Matches, "postgresql")
def _matches_postgresql(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    ids = compiler.process(element.ids, **kw)
    q = compiler.process(bindparam(None, element.parsed.tsquery(), unique=True), **kw)
    return (
        f"{ids} IN (SELECT id / 16 FROM search_documents WHERE document @@ "
        f"to_tsquery('english', {q}) AND mod(id, 16) = {element.kind.code})"
    )


@dataclass
class Paused:
    """Index triggers dropped (SQLite) or disabled (PostgreSQL) for a bulk load."""

    connection: Connection
    saved: list[tuple[str, str]]


def pause(connection: Connection) -> Paused:
    """Stop keeping the index for a bulk load in this transaction; :func:`resume` must
    follow in the same transaction (a rollback undoes the pause too)."""
    if connection.dialect.name == "sqlite":
        saved = [
            (str(name), str(sql))
            for name, sql in connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE 'search\\_%' ESCAPE '\\'"
                )
            )
        ]
        for name, _ in saved:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    else:
        saved = [
            (str(table), str(name))
            for table, name in connection.execute(
                text(
                    # This database's schema only: the server database may hold others.
                    "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                    "JOIN pg_class ON pg_class.oid = tgrelid "
                    "WHERE NOT tgisinternal AND tgname LIKE 'search\\_%' "
                    "AND pg_class.relnamespace = current_schema()::regnamespace"
                )
            )
        ]
        for table, name in saved:
            connection.exec_driver_sql(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
    return Paused(connection, saved)


def resume(paused: Paused, *, kinds: Sequence[str]) -> None:
    """Keep the index again, and build the documents of ``kinds`` once, in bulk."""
    connection = paused.connection
    sqlite = connection.dialect.name == "sqlite"
    for first, second in paused.saved:
        if sqlite:
            connection.exec_driver_sql(second)
        else:
            connection.exec_driver_sql(f'ALTER TABLE {first} ENABLE TRIGGER "{second}"')
    rebuild(connection, kinds=kinds)


def rebuild(connection: Connection, *, kinds: Sequence[str] | None = None) -> None:
    """Write again, from their source views, the documents of ``kinds`` (all by default)."""
    key = "rowid" if connection.dialect.name == "sqlite" else "id"
    for name in kinds or list(KINDS):
        kind = KINDS[name]
        connection.execute(text(f"DELETE FROM search_documents WHERE {key} % 16 = {kind.code}"))
        connection.execute(
            text(
                f"INSERT INTO search_documents ({key}, title, body) "
                f"SELECT document_id, title, body FROM {kind.view}"
            )
        )
