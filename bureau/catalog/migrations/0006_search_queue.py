"""The queue of the search index: a trigger on catalog_item writes the id of every item
inserted, changed or deleted, in the same transaction, whatever path writes it (see
bureau/catalog/index.py)."""

from django.db import migrations, models

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER catalog_item_search_queue_{event.lower()} AFTER {event} ON catalog_item
        BEGIN INSERT INTO catalog_searchqueue(item_id) VALUES ({row}.id); END"""
    for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old"))
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS catalog_item_search_queue_{event}"
    for event in ("insert", "update", "delete")
]
POSTGRES_UP = [
    """CREATE FUNCTION catalog_item_search_queue() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                INSERT INTO catalog_searchqueue(item_id) VALUES (OLD.id);
            ELSE
                INSERT INTO catalog_searchqueue(item_id) VALUES (NEW.id);
            END IF;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER catalog_item_search_queue AFTER INSERT OR UPDATE OR DELETE ON catalog_item
        FOR EACH ROW EXECUTE FUNCTION catalog_item_search_queue()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS catalog_item_search_queue ON catalog_item",
    "DROP FUNCTION IF EXISTS catalog_item_search_queue()",
]


def forwards(apps, schema_editor):
    statements = SQLITE_TRIGGERS if schema_editor.connection.vendor == "sqlite" else POSTGRES_UP
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = SQLITE_DROP if schema_editor.connection.vendor == "sqlite" else POSTGRES_DOWN
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_search_word_forms")]

    operations = [
        migrations.CreateModel(
            name="SearchQueue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("item_id", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
