"""What a user types in a search box, parsed once and written out for each database.

The syntax, the same on SQLite and PostgreSQL:

- ``printer jam``: every word (AND);
- ``"paper jam"``: the words in this order;
- ``-toner`` (or ``-"toner low"``): not this word (or phrase);
- ``print*``: any word that starts so;
- ``vpn OR wifi``: either (``OR`` in capitals binds tighter than the implied AND).

Both stores stem words (``printers`` is ``printer``); a word of five letters or
more also finds the words that begin with its stem, so ``printing`` (stem
``print``) finds ``printer``. Phrases match their stemmed words exactly.

Words are what the index sees: letters and digits (``foo-bar`` is the phrase
``"foo bar"``, ``100%`` the word ``100``); anything else is left out, so no input
reaches the database's own query language unquoted. Common English words
(``the``, ``of``) are left out on both stores, as PostgreSQL's 'english'
configuration does; a query with nothing left to look for is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inctrack.errors import Rejected

_TOKEN = re.compile(r'(-?)"([^"]*)"?(\*?)|(\S+)')
_WORD = re.compile(r"[^\W_]+")

_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for
    from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own s same she should so some such t than
    that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will
    with you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""PostgreSQL's English stop words (its ``english.stop``, abridged to the common ones)."""


STEM_PREFIX_LENGTH = 5
"""A word this long or longer also finds the words that begin with its stem; shorter
words would find too much (``log`` would find ``login`` and ``logistics``)."""


@dataclass(frozen=True)
class Term:
    """One word, phrase (several words in order) or prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Parsed:
    """Clauses that must all match, each a choice of terms; terms that must not."""

    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    def fts5(self) -> str:
        """An FTS5 MATCH expression in which every word is a quoted string."""

        def term(t: Term) -> str:
            return '"' + " ".join(t.words) + '"' + (" *" if t.prefix else "")

        def clause(terms: tuple[Term, ...]) -> str:
            return "(" + " OR ".join(term(t) for t in terms) + ")"

        expression = " AND ".join(clause(c) for c in self.clauses)
        return "".join([expression, *(f" NOT {term(t)}" for t in self.excluded)])

    def tsquery(self) -> str:
        """A ``to_tsquery`` text in which every word is a quoted lexeme."""

        def term(t: Term) -> str:
            words = [f"'{w}'" for w in t.words]
            if t.prefix:
                words[-1] += ":*"
            return "(" + " <-> ".join(words) + ")"

        clauses = ["(" + " | ".join(term(t) for t in c) + ")" for c in self.clauses]
        return " & ".join(clauses + [f"!{term(t)}" for t in self.excluded])


def parse(text: str) -> Parsed:
    """The query ``text`` means; :class:`Rejected` when it leaves nothing to look for."""
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, quoted, star, bare = match.groups()
        if bare is not None:
            if bare == "OR":
                pending_or = bool(clauses)
                continue
            if bare == "AND":
                continue
            negated, star = ("-" if bare.startswith("-") else ""), ""
            if bare.endswith("*"):
                star, bare = "*", bare.rstrip("*")
            quoted = bare.lstrip("-")
        term = _term(quoted, prefix=bool(star), phrase=bare is None)
        if term is None:
            continue
        if negated:
            excluded.append(term)
        elif pending_or:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        pending_or = False
    if not clauses:
        raise Rejected(_nothing_left(text, excluded))
    return Parsed(tuple(tuple(c) for c in clauses), tuple(excluded))


def _term(text: str, *, prefix: bool, phrase: bool) -> Term | None:
    words = tuple(word.casefold() for word in _WORD.findall(text))
    if not words:
        return None
    if len(words) == 1 and not phrase and not prefix:
        if words[0] in STOPWORDS:
            return None
        # A word finds the words that begin with its stem: "printing" (print) finds
        # "printer"; neither stemmer makes them one word.
        prefix = len(words[0]) >= STEM_PREFIX_LENGTH and not words[0].isdigit()
    return Term(words, prefix=prefix)


def _nothing_left(text: str, excluded: list[Term]) -> str:
    if excluded:
        return f"The search {text.strip()!r} only says what to leave out; add a word to look for."
    if not text.strip():
        return "The search is empty; give a word to look for."
    return (
        f"The search {text.strip()[:60]!r} has no word to look for (only punctuation or "
        "common words like 'the'); give a word that is in the text."
    )
