"""Indexes every inserted item and audit entry paid for and no read needs are dropped:

- the item's organisation: ``item_org_status`` (organisation, status) starts with it;
- the item's origin node: kept as a plain index, without the second one for LIKE that a
  CharField's ``db_index`` makes on PostgreSQL (the node is only ever compared whole);
- the item's creator and the audit entry's actor: indexed only where set, since every item
  and entry received from a peer has none (the indexes serve a user's deletion).

The indexes are dropped by name, not by altering the fields, which on SQLite would copy the
whole table and drop its full-text and search-queue triggers with it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = {
    "catalog_item_organisation_id_81d2aeb6": ("catalog_item", "organisation_id"),
    "catalog_item_origin_node_c8b2ad2e": ("catalog_item", "origin_node"),
    "catalog_item_created_by_id_2e0b9b9f": ("catalog_item", "created_by_id"),
    "catalog_itemtransition_actor_id_dc910bca": ("catalog_itemtransition", "actor_id"),
}
LIKE = "catalog_item_origin_node_c8b2ad2e_like"


def drop_like(apps, schema_editor):
    schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE}"')


def create_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{LIKE}" ON "catalog_item" ("origin_node" varchar_pattern_ops)'
        )


def _user_key(**options):
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        **options,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_interface_language_and_currency"),
        ("catalog", "0010_item_uid_time_ordered"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                *(
                    migrations.RunSQL(
                        f'DROP INDEX IF EXISTS "{name}"',
                        f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                    )
                    for name, (table, column) in DROPPED.items()
                ),
                migrations.RunPython(drop_like, create_like),
            ],
            state_operations=[
                migrations.AlterField(model_name="item", name="created_by", field=_user_key()),
                migrations.AlterField(
                    model_name="item",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="items",
                        to="accounts.organisation",
                        verbose_name="organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="item",
                    name="origin_node",
                    field=models.CharField(max_length=100, verbose_name="origin node"),
                ),
                migrations.AlterField(model_name="itemtransition", name="actor", field=_user_key()),
            ],
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(fields=["origin_node"], name="item_origin_node"),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)),
                fields=["created_by"],
                name="item_created_by",
            ),
        ),
        migrations.AddIndex(
            model_name="itemtransition",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="transition_actor",
            ),
        ),
    ]
