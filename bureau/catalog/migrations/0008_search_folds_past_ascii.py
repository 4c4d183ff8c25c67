"""SQLite: the full-text triggers fold a text only when it is not all ASCII.

Folding is eighteen nested replace() calls a column, each copying the text, and an ASCII text
is left as it was by all of them (every folded letter is outside ASCII): the triggers now test
that first (bureau/catalog/folding.py, ``sqlite_expression_past_ascii``). What the index holds
is the same, so it is not filled again. A catch-up inserts thousands of items a page; the
test spares it about a third of the full-text trigger's cost. PostgreSQL: nothing changes.
"""

from django.db import migrations

from bureau.catalog.folding import sqlite_expression, sqlite_expression_past_ascii

COLUMNS = ("title", "summary", "body")


def _values(row: str, fast: bool) -> str:
    fold = sqlite_expression_past_ascii if fast else sqlite_expression
    return ", ".join(fold(f"{row}.{column}") for column in COLUMNS)


def _triggers(fast: bool) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS catalog_item_fts_update",
        "DROP TRIGGER IF EXISTS catalog_item_fts_delete",
        "DROP TRIGGER IF EXISTS catalog_item_fts_insert",
        f"""CREATE TRIGGER catalog_item_fts_insert AFTER INSERT ON catalog_item BEGIN
            INSERT INTO catalog_item_fts(rowid, title, summary, body)
            VALUES (new.id, {_values("new", fast)}); END""",
        f"""CREATE TRIGGER catalog_item_fts_delete AFTER DELETE ON catalog_item BEGIN
            INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
            VALUES ('delete', old.id, {_values("old", fast)}); END""",
        f"""CREATE TRIGGER catalog_item_fts_update AFTER UPDATE OF title, summary, body
            ON catalog_item BEGIN
            INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
            VALUES ('delete', old.id, {_values("old", fast)});
            INSERT INTO catalog_item_fts(rowid, title, summary, body)
            VALUES (new.id, {_values("new", fast)}); END""",
    ]


SQLITE_INSERT_TRIGGER = _triggers(True)[3]


def _run(fast: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in _triggers(fast):
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_search_folds_letters")]

    operations = [migrations.RunPython(_run(True), _run(False))]
