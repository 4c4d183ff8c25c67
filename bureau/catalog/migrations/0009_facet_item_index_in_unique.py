"""A facet's own index on its item is dropped: the unique (item, key) index starts with the item
and answers every read by item (the search index's reads of an item's keys use it alone). One
index less for each of the ten or so facet rows an item has, on every insert. The index is
dropped by name, not by altering the field, which on SQLite would copy the whole table."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "catalog_itemfacet_item_id_09220911"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_search_folds_past_ascii")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "catalog_itemfacet" ("item_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="itemfacet",
                    name="item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="facets",
                        to="catalog.item",
                    ),
                )
            ],
        )
    ]
