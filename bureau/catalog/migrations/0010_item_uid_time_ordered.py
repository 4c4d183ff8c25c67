"""New items' uids are time-ordered (version 7, ``bureau.core.uids``). The default is made in
Python, so only the migration state changes: altering the field on SQLite would copy the whole
table and drop its full-text and search-queue triggers with it."""

import bureau.core.uids
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_facet_item_index_in_unique"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="item",
                    name="uid",
                    field=models.UUIDField(
                        default=bureau.core.uids.uuid7, editable=False, unique=True
                    ),
                ),
            ],
        ),
    ]
