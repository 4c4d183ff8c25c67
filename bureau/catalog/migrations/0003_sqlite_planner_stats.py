"""Planner statistics for SQLite, so that a full-text search is driven by its matches.

Without statistics SQLite assumes that ``status = 'published'`` picks about ten rows, and so
counts a search by walking every published item and probing the FTS5 index once per item
(seconds at 100,000 items). These rows tell it what a catalog looks like: a status or a facet
key is shared by a large share of the items. SQLite documents writing ``sqlite_stat1`` by hand
for this purpose; a later ``ANALYZE`` replaces the rows with measured ones of the same shape.
"""

from django.db import migrations

# table: (rows, {indexed columns: average rows per distinct prefix of those columns})
STATS = {
    "catalog_item": (
        1_000_000,
        {
            ("status", "published_at"): "200000 1",
            ("status", "kind", "published_at"): "200000 40000 1",
            ("organisation_id", "status"): "1000 300",
        },
    ),
    "catalog_itemfacet": (
        8_000_000,
        {("key", "item_id"): "20000 1", ("item_id", "key"): "8 1", ("item_id",): "8"},
    ),
}


def _indexes(cursor, table):
    cursor.execute(f"PRAGMA index_list({table})")
    for name in [row[1] for row in cursor.fetchall()]:
        cursor.execute(f'PRAGMA index_info("{name}")')
        yield name, tuple(row[2] for row in cursor.fetchall())


def write_stats(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ANALYZE sqlite_master")  # creates sqlite_stat1 when missing
        for table, (rows, by_columns) in STATS.items():
            for name, columns in list(_indexes(cursor, table)):
                if columns in by_columns:
                    cursor.execute(
                        "DELETE FROM sqlite_stat1 WHERE tbl = %s AND idx = %s", [table, name]
                    )
                    cursor.execute(
                        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                        [table, name, f"{rows} {by_columns[columns]}"],
                    )
        cursor.execute("ANALYZE sqlite_master")  # reloads the statistics


def remove_stats(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM sqlite_stat1 WHERE tbl IN ('catalog_item', 'catalog_itemfacet')"
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_fulltext")]

    operations = [migrations.RunPython(write_stats, remove_stats)]
