"""New outbox events' and deliveries' uids are time-ordered (version 7, ``bureau.core.uids``).
The default is made in Python, so only the migration state changes: altering the fields on
SQLite would copy both tables."""

import bureau.core.uids
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0007_fk_indexes_in_composites"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name="uid",
                    field=models.UUIDField(
                        default=bureau.core.uids.uuid7, editable=False, unique=True
                    ),
                )
                for model in ("delivery", "outboxevent")
            ],
        ),
    ]
