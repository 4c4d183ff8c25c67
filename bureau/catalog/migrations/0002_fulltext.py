"""The full-text index, kept by the database itself: FTS5 on SQLite, tsvector on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE catalog_item_fts USING fts5(
        title, summary, body, content='catalog_item', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER catalog_item_fts_insert AFTER INSERT ON catalog_item BEGIN
        INSERT INTO catalog_item_fts(rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body); END""",
    """CREATE TRIGGER catalog_item_fts_delete AFTER DELETE ON catalog_item BEGIN
        INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body); END""",
    """CREATE TRIGGER catalog_item_fts_update AFTER UPDATE OF title, summary, body ON catalog_item BEGIN
        INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO catalog_item_fts(rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS catalog_item_fts_update",
    "DROP TRIGGER IF EXISTS catalog_item_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_item_fts_insert",
    "DROP TABLE IF EXISTS catalog_item_fts",
]
# unaccent() is not IMMUTABLE, so a generated column needs this wrapper with a fixed dictionary.
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE OR REPLACE FUNCTION bureau_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    """ALTER TABLE catalog_item ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', bureau_unaccent(coalesce(title, ''))), 'A') ||
        setweight(to_tsvector('simple', bureau_unaccent(coalesce(summary, ''))), 'B') ||
        setweight(to_tsvector('simple', bureau_unaccent(coalesce(body, ''))), 'C')) STORED""",
    "CREATE INDEX catalog_item_search ON catalog_item USING gin (search)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS catalog_item_search",
    "ALTER TABLE catalog_item DROP COLUMN search",
    "DROP FUNCTION IF EXISTS bureau_unaccent(text)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
