"""A received event's own index on its peer is dropped: the unique (peer, seq) index starts
with the peer and answers every read by peer. One index less on every event received. Dropped
by name, not by altering the field, which on SQLite would copy the whole table."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "exchange_receivedevent_peer_id_7cdaa2a5"


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_node_identity")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "exchange_receivedevent" ("peer_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="receivedevent",
                    name="peer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="received",
                        to="exchange.peer",
                    ),
                )
            ],
        )
    ]
