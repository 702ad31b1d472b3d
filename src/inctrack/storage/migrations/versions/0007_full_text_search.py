"""The full-text index: one ``search_documents`` table over incidents and problems.

Every searchable record is one document with a ``title`` (weighing more) and a
``body``; its key is ``number * 16 + kind`` (0 an incident, 1 a problem), so a
later kind (the knowledge base's articles) adds its own code, source view and
triggers without changing this table. What a document says comes from one view
per kind (``search_source_incidents``, ``search_source_problems``): the title;
the description, resolution note, service, reporter and external ID; and the
text of the record's events (notes, responses, reasons, resolution notes, edited
descriptions). Triggers keep each document in step with every write, in the
writer's own transaction; this revision builds the documents of the records
already there.

SQLite: an FTS5 table with the porter tokenizer. PostgreSQL: a table with a
weighted ``tsvector`` column (title A, body B, 'english') under a GIN index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INCIDENT_BODY = (
    "coalesce(i.description, '') || ' ' || coalesce(i.resolution_note, '') || ' ' || "
    "coalesce(("
    "SELECT {concat} FROM events e WHERE e.incident_id = i.id AND e.kind <> 'logged' "
    "AND (e.message IS NOT NULL OR e.field = 'description')), '') || ' ' || "
    "coalesce(i.service, '') || ' ' || coalesce(i.reporter, '') || ' ' || "
    "coalesce(i.external_id, '')"
)
PROBLEM_BODY = (
    "coalesce(p.description, '') || ' ' || coalesce(p.root_cause, '') || ' ' || "
    "coalesce(p.workaround, '') || ' ' || coalesce(("
    "SELECT {concat} FROM problem_events e WHERE e.problem_id = p.id "
    "AND e.kind <> 'created' AND e.message IS NOT NULL), '')"
)
EVENT_TEXT = (
    "coalesce(e.message, '') || CASE WHEN e.field = 'description' "
    "THEN ' ' || coalesce(e.new, '') ELSE '' END"
)
CONCAT = {
    "sqlite": f"group_concat({EVENT_TEXT}, ' ')",
    "postgresql": f"string_agg({EVENT_TEXT}, ' ' ORDER BY e.id)",
}
INCIDENT_TEXT = ("title", "description", "resolution_note", "service", "reporter", "external_id")
PROBLEM_TEXT = ("title", "description", "root_cause", "workaround")
SOURCES = (
    # (kind, code, table, events table, its key, the texts that matter, body, event filter)
    ("incidents", 0, "incidents", "events", "incident_id", INCIDENT_TEXT, INCIDENT_BODY, "i",
     "NEW.kind <> 'logged' AND (NEW.message IS NOT NULL OR NEW.field = 'description')"),
    ("problems", 1, "problems", "problem_events", "problem_id", PROBLEM_TEXT, PROBLEM_BODY, "p",
     "NEW.kind <> 'created' AND NEW.message IS NOT NULL"),
)  # fmt: skip


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_documents USING fts5("
            "title, body, tokenize = 'porter unicode61')"
        )
    else:
        op.execute(
            "CREATE TABLE search_documents (id BIGINT PRIMARY KEY, title TEXT NOT NULL, "
            "body TEXT NOT NULL, document TSVECTOR GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english'::regconfig, title), 'A') || "
            "setweight(to_tsvector('english'::regconfig, body), 'B')) STORED)"
        )
        op.execute("CREATE INDEX ix_search_documents ON search_documents USING GIN (document)")
    for name, code, table, events, key, texts, body, alias, when in SOURCES:
        view = f"search_source_{name}"
        op.execute(
            f"CREATE VIEW {view} AS SELECT {alias}.id AS source_id, "
            f"CAST({alias}.id AS BIGINT) * 16 + {code} AS document_id, {alias}.title AS title, "
            f"{body.format(concat=CONCAT[dialect])} AS body FROM {table} {alias}"
        )
        if dialect == "sqlite":
            _sqlite_triggers(name, code, table, events, key, texts, view, when)
        else:
            _postgresql_triggers(name, table, events, key, texts, view, when)
        op.execute(
            f"INSERT INTO search_documents ({'rowid' if dialect == 'sqlite' else 'id'}, title, "
            f"body) SELECT document_id, title, body FROM {view}"
        )


def _sqlite_triggers(
    name: str,
    code: int,
    table: str,
    events: str,
    key: str,
    texts: tuple[str, ...],
    view: str,
    when: str,
) -> None:
    def write(number: str) -> str:
        return (
            f"DELETE FROM search_documents WHERE rowid = {number} * 16 + {code}; "
            "INSERT INTO search_documents (rowid, title, body) "
            f"SELECT document_id, title, body FROM {view} WHERE source_id = {number};"
        )

    op.execute(
        f"CREATE TRIGGER search_{name}_insert AFTER INSERT ON {table} BEGIN {write('NEW.id')} END"
    )
    op.execute(
        f"CREATE TRIGGER search_{name}_update AFTER UPDATE OF {', '.join(texts)} ON {table} "
        f"BEGIN {write('NEW.id')} END"
    )
    op.execute(
        f"CREATE TRIGGER search_{name}_events AFTER INSERT ON {events} WHEN {when} "
        f"BEGIN {write(f'NEW.{key}')} END"
    )


def _postgresql_triggers(
    name: str, table: str, events: str, key: str, texts: tuple[str, ...], view: str, when: str
) -> None:
    op.execute(
        f"CREATE FUNCTION inctrack_search_{name}(number BIGINT) RETURNS void LANGUAGE sql AS $$ "
        f"INSERT INTO search_documents (id, title, body) SELECT document_id, title, body "
        f"FROM {view} WHERE source_id = number ON CONFLICT (id) DO UPDATE "
        "SET title = EXCLUDED.title, body = EXCLUDED.body $$"
    )
    op.execute(
        f"CREATE FUNCTION inctrack_search_{name}_write() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM inctrack_search_{name}(NEW.id); RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE FUNCTION inctrack_search_{name}_event() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM inctrack_search_{name}(NEW.{key}); RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER search_{name}_write AFTER INSERT OR UPDATE OF {', '.join(texts)} "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION inctrack_search_{name}_write()"
    )
    op.execute(
        f"CREATE TRIGGER search_{name}_events AFTER INSERT ON {events} FOR EACH ROW "
        f"WHEN ({when}) EXECUTE FUNCTION inctrack_search_{name}_event()"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, _code, table, events, *_ in SOURCES:
        if dialect == "sqlite":
            for trigger in ("insert", "update", "events"):
                op.execute(f"DROP TRIGGER IF EXISTS search_{name}_{trigger}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS search_{name}_write ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS search_{name}_events ON {events}")
            for function in (f"{name}", f"{name}_write", f"{name}_event"):
                op.execute(f"DROP FUNCTION IF EXISTS inctrack_search_{function}")
        op.execute(f"DROP VIEW IF EXISTS search_source_{name}")
    op.execute("DROP TABLE IF EXISTS search_documents")
