"""Search folds the letters typed differently on different keyboards (bureau/catalog/folding.py):
Azerbaijani ə and ı ("pambiq" finds "pambıq"), Urdu typed with Arabic letters or vowel marks.

SQLite: the FTS5 index is filled through triggers that fold title, summary and body with
replace(); it is filled again from the table. PostgreSQL: bureau_unaccent() folds them too, and
the generated search column is added again so that every row is computed with it.
"""

from django.db import migrations

from bureau.catalog.folding import postgres_translate_arguments, sqlite_expression

COLUMNS = ("title", "summary", "body")


def _values(row: str, fold: bool) -> str:
    return ", ".join(
        sqlite_expression(f"{row}.{column}") if fold else f"{row}.{column}" for column in COLUMNS
    )


def _triggers(fold: bool) -> list[str]:
    return [
        f"""CREATE TRIGGER catalog_item_fts_insert AFTER INSERT ON catalog_item BEGIN
            INSERT INTO catalog_item_fts(rowid, title, summary, body)
            VALUES (new.id, {_values("new", fold)}); END""",
        f"""CREATE TRIGGER catalog_item_fts_delete AFTER DELETE ON catalog_item BEGIN
            INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
            VALUES ('delete', old.id, {_values("old", fold)}); END""",
        f"""CREATE TRIGGER catalog_item_fts_update AFTER UPDATE OF title, summary, body
            ON catalog_item BEGIN
            INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
            VALUES ('delete', old.id, {_values("old", fold)});
            INSERT INTO catalog_item_fts(rowid, title, summary, body)
            VALUES (new.id, {_values("new", fold)}); END""",
    ]


def _sqlite(fold: bool) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS catalog_item_fts_update",
        "DROP TRIGGER IF EXISTS catalog_item_fts_delete",
        "DROP TRIGGER IF EXISTS catalog_item_fts_insert",
        # An external-content index: emptied, then filled with what the triggers would write.
        "INSERT INTO catalog_item_fts(catalog_item_fts) VALUES('delete-all')",
        *_triggers(fold),
        f"""INSERT INTO catalog_item_fts(rowid, title, summary, body)
            SELECT catalog_item.id, {_values("catalog_item", fold)} FROM catalog_item""",
    ]


SQLITE_INSERT_TRIGGER = _triggers(True)[0]


def _unaccent(fold: bool) -> str:
    body = "public.unaccent('public.unaccent'::regdictionary, $1)"
    if fold:
        source, target = postgres_translate_arguments()
        body = f"translate({body}, '{source}', '{target}')"
    return f"""CREATE OR REPLACE FUNCTION bureau_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT {body} $$"""


def _postgres(fold: bool) -> list[str]:
    expression = " || ".join(
        f"setweight(to_tsvector('bureau_english', bureau_unaccent(coalesce({column}, ''))), "
        f"'{weight}')"
        for column, weight in zip(COLUMNS, "ABC", strict=True)
    )
    return [
        "DROP INDEX IF EXISTS catalog_item_search",
        "ALTER TABLE catalog_item DROP COLUMN IF EXISTS search",
        _unaccent(fold),
        f"ALTER TABLE catalog_item ADD COLUMN search tsvector GENERATED ALWAYS AS ({expression}) STORED",
        "CREATE INDEX catalog_item_search ON catalog_item USING gin (search)",
    ]


def _run(fold: bool):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"sqlite": _sqlite, "postgresql": _postgres}.get(vendor)
        for statement in statements(fold) if statements else []:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_search_queue")]

    operations = [migrations.RunPython(_run(True), _run(False))]
