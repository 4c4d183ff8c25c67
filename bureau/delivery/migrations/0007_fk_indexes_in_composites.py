"""A delivery's own indexes on its channel, subscription and owner are dropped: the unique
(channel, event) constraint, ``delivery_log`` (subscription, -id) and ``delivery_owner_stream``
(owner, kind, id) start with those columns and answer every read by them. Three indexes less on
every delivery row written. They are dropped by name, not by altering the fields, which on
SQLite would copy the whole table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "channel": "delivery_delivery_channel_id_be401a35",
    "subscription": "delivery_delivery_subscription_id_d175ba11",
    "owner": "delivery_delivery_owner_id_e86ba2cf",
}
TARGETS = {
    "channel": ("alerts.channel", "deliveries"),
    "subscription": ("alerts.subscription", "deliveries"),
    "owner": (settings.AUTH_USER_MODEL, "+"),
}


def _field(name: str) -> models.ForeignKey:
    target, related_name = TARGETS[name]
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to=target,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0006_date_events_without_item"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    f'CREATE INDEX "{index}" ON "delivery_delivery" ("{name}_id")',
                )
                for name, index in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(model_name="delivery", name=name, field=_field(name))
                for name in INDEXES
            ],
        )
    ]
