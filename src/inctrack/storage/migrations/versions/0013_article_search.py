"""Knowledge articles in the full-text index: the search kind ``article`` (code 2).

An article's document: its title and tags as the title (weighing more), its
Markdown body, category, subcategory and service as the body; the article row
holds the latest revision, so that is what is indexed (``kb search`` filters on
the row's status). A view ``search_source_articles`` says it, triggers keep it in
step with every write of those columns, and this revision builds the documents
of the articles already there.

SQLite also gets ``search_documents_vocabulary``, an ``fts5vocab`` table over the
index: the indexed terms a search with no hit suggests from (PostgreSQL reads
them with ``ts_stat``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CODE = 2
VIEW = "search_source_articles"
TEXTS = ("title", "body", "tags", "category", "subcategory", "service")
TITLE = "a.title || ' ' || replace(a.tags, ',', ' ')"
BODY = (
    "a.body || ' ' || coalesce(a.category, '') || ' ' || coalesce(a.subcategory, '') || ' ' "
    "|| coalesce(a.service, '')"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(
        f"CREATE VIEW {VIEW} AS SELECT a.id AS source_id, "
        f"CAST(a.id AS BIGINT) * 16 + {CODE} AS document_id, {TITLE} AS title, "
        f"{BODY} AS body FROM articles a"
    )
    if sqlite:
        write = (
            f"DELETE FROM search_documents WHERE rowid = NEW.id * 16 + {CODE}; "
            "INSERT INTO search_documents (rowid, title, body) "
            f"SELECT document_id, title, body FROM {VIEW} WHERE source_id = NEW.id;"
        )
        op.execute(
            f"CREATE TRIGGER search_articles_insert AFTER INSERT ON articles BEGIN {write} END"
        )
        op.execute(
            f"CREATE TRIGGER search_articles_update AFTER UPDATE OF {', '.join(TEXTS)} "
            f"ON articles BEGIN {write} END"
        )
        op.execute(
            "CREATE VIRTUAL TABLE search_documents_vocabulary "
            "USING fts5vocab(search_documents, 'row')"
        )
    else:
        op.execute(
            "CREATE FUNCTION inctrack_search_articles_write() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN INSERT INTO search_documents (id, title, body) SELECT document_id, "
            f"title, body FROM {VIEW} WHERE source_id = NEW.id ON CONFLICT (id) DO UPDATE "
            "SET title = EXCLUDED.title, body = EXCLUDED.body; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER search_articles_write AFTER INSERT OR UPDATE OF {', '.join(TEXTS)} "
            "ON articles FOR EACH ROW EXECUTE FUNCTION inctrack_search_articles_write()"
        )
    op.execute(
        f"INSERT INTO search_documents ({'rowid' if sqlite else 'id'}, title, body) "
        f"SELECT document_id, title, body FROM {VIEW}"
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    key = "rowid" if sqlite else "id"
    op.execute(f"DELETE FROM search_documents WHERE {key} % 16 = {CODE}")
    if sqlite:
        op.execute("DROP TABLE IF EXISTS search_documents_vocabulary")
        op.execute("DROP TRIGGER IF EXISTS search_articles_insert")
        op.execute("DROP TRIGGER IF EXISTS search_articles_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS search_articles_write ON articles")
        op.execute("DROP FUNCTION IF EXISTS inctrack_search_articles_write")
    op.execute(f"DROP VIEW IF EXISTS {VIEW}")
