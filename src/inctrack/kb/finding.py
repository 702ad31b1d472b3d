"""Articles found by their words: ``kb search``, ``kb suggest`` and the suggestions
``log`` and ``show`` print.

Hits come from the full-text engine (the ``article`` kind, migration 0013) as
article records with ``score`` and ``snippet``, best first. A search with no hit
offers, for each of its words that finds nothing, the nearest indexed term that
would: the candidates come from the index's own word list (SQLite's ``fts5vocab``
table, PostgreSQL's ``ts_stat``), the closest spellings first, each checked to find
an article and shown as an article writes it (``cartridge``, not its stem).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from sqlalchemy import exists, select, text
from sqlmodel import col

from inctrack.domain import ArticleStatus
from inctrack.errors import Rejected
from inctrack.kb.articles import KnowledgeBase, article_record
from inctrack.records import Record
from inctrack.search import ARTICLE, Search
from inctrack.search.syntax import STOPWORDS, parse
from inctrack.storage.models import Article, Incident

PUBLISHED = ArticleStatus.PUBLISHED.value
SHOWN_SUGGESTIONS = 3
"""How many articles ``log`` and ``show`` print under an incident."""
MAX_WORDS = 16
"""At most this many of an incident's words make its suggestion query."""
SAME_CATEGORY, SAME_SERVICE = 1.5, 1.5
"""What an article about the incident's category (or service) multiplies its score by."""
NEAREST = 3
"""At most this many nearest terms offered for a search with no hit."""


def _statuses(include_all: bool) -> dict[str, list[str]]:
    return {} if include_all else {ARTICLE.name: [PUBLISHED]}


def search_articles(
    kb: KnowledgeBase, query: str, *, include_all: bool = False, limit: int | None = 20
) -> list[Record]:
    """The articles matching ``query``, best first (published ones unless ``include_all``);
    each record with its ``score`` and a highlighted ``snippet``."""
    hits = Search(kb.session).query(
        query, kinds=[ARTICLE.name], statuses=_statuses(include_all), limit=limit
    )
    articles = {
        a.id: a
        for a in kb.session.scalars(
            select(Article).where(col(Article.id).in_([h.number for h in hits]))
        )
    }
    return [
        {**article_record(articles[h.number]), "score": h.score, "snippet": h.snippet}
        for h in hits
        if h.number in articles
    ]


def nearest_terms(kb: KnowledgeBase, query: str, *, include_all: bool = False) -> list[str]:
    """Indexed terms close to the words of ``query`` that find an article (published
    unless ``include_all``), closest first; empty when none is close."""
    try:
        parsed = parse(query)
    except Rejected:
        return []
    words = [w for clause in parsed.clauses for term in clause for w in term.words]
    vocabulary = _vocabulary(kb, words)
    found: list[str] = []
    searcher = Search(kb.session)
    statuses = _statuses(include_all)
    for word in dict.fromkeys(words):
        if len(word) < 3 or word.isdigit():
            continue
        if searcher.query(f'"{word}"', kinds=[ARTICLE.name], statuses=statuses, limit=1):
            continue  # this word finds articles; another one of the query does not
        cutoff = 0.6 if len(word) <= 4 else 0.7  # one letter wrong in three is close
        for term in difflib.get_close_matches(word, vocabulary, n=8, cutoff=cutoff):
            if term == word or term in STOPWORDS:
                continue
            hits = searcher.query(f'"{term}"', kinds=[ARTICLE.name], statuses=statuses, limit=1)
            shown = _marked_word(hits[0].snippet) if hits else None
            if shown and shown not in found:
                found.append(shown)
                break
    return found[:NEAREST]


def _marked_word(snippet: str) -> str | None:
    """The word as the article writes it (``cartridge``, not the stem ``cartridg``)."""
    match = re.search(r"«([^«»]+)»", snippet)
    return match.group(1).casefold() if match else None


def _vocabulary(kb: KnowledgeBase, words: Sequence[str]) -> list[str]:
    """The indexed terms about as long as ``words`` (within two letters)."""
    lengths = [len(w) for w in words if len(w) >= 3]
    if not lengths:
        return []
    low, high = min(lengths) - 2, max(lengths) + 2
    if kb.session.get_bind().dialect.name == "sqlite":
        sql = (
            "SELECT term FROM search_documents_vocabulary WHERE length(term) BETWEEN :low AND :high"
        )
    else:
        sql = (
            "SELECT word FROM ts_stat('SELECT document FROM search_documents "
            f"WHERE mod(id, 16) = {ARTICLE.code}') WHERE length(word) BETWEEN :low AND :high"
        )
    rows = kb.session.execute(text(sql), {"low": low, "high": high})
    return [str(term) for (term,) in rows if not str(term).isdigit()]


def has_published(kb: KnowledgeBase) -> bool:
    """Whether any article is published: one cheap check before suggesting."""
    return bool(kb.session.scalar(select(exists().where(col(Article.status) == PUBLISHED))))


def incident_query(incident: Incident) -> str | None:
    """An OR query of an incident's significant words (title first), or None."""
    texts = [incident.title, incident.description or "", incident.category or "",
             incident.subcategory or "", incident.service or ""]  # fmt: skip
    words: dict[str, None] = {}
    for piece in texts:
        for word in _words(piece):
            if len(word) >= 3 and not word.isdigit() and word not in STOPWORDS:
                words.setdefault(word)
    chosen = list(words)[:MAX_WORDS]
    return " OR ".join(chosen) if chosen else None


def _words(piece: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"[^\W_]+", piece)]


def suggest(kb: KnowledgeBase, ref: str | int, *, limit: int | None = 10) -> list[Record]:
    """Published articles for an incident: matching its title, description, category and
    service, those about the same category or service first among equals."""
    return suggest_for(kb, kb.tracker.get_or_raise(ref), limit=limit)


def suggest_for(kb: KnowledgeBase, incident: Incident, *, limit: int | None) -> list[Record]:
    query = incident_query(incident)
    if query is None:
        return []
    wide = None if limit is None else max(limit * 3, 30)
    found = search_articles(kb, query, limit=wide)
    for record in found:
        boost = 1.0
        if incident.category and str(record["category"] or "").split("/")[0] == incident.category:
            boost *= SAME_CATEGORY
        if incident.service and record["service"] == incident.service:
            boost *= SAME_SERVICE
        record["score"] = float(f"{float(record['score']) * boost:.6g}")
    found.sort(key=lambda r: -float(r["score"]))
    return found if limit is None else found[:limit]


def shown_suggestions(kb: KnowledgeBase, incident: Incident) -> list[Record]:
    """The few articles ``log`` and ``show`` print: none, after one cheap check, when
    nothing is published."""
    if not has_published(kb):
        return []
    return suggest_for(kb, incident, limit=SHOWN_SUGGESTIONS)
