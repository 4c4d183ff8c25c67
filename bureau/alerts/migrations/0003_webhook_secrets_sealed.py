# Webhook signing secrets are stored sealed (bureau.core.sealed): the column grows, and the
# secrets already stored in clear are sealed in place (and unsealed again on the way back).

from django.db import migrations

import bureau.core.sealed


def _rows(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, secret FROM alerts_webhookendpoint")
        return cursor.fetchall()


def _write(schema_editor, rows):
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany("UPDATE alerts_webhookendpoint SET secret = %s WHERE id = %s", rows)


def seal_stored(apps, schema_editor):
    rows = _rows(schema_editor)
    sealed = [
        (bureau.core.sealed.seal(secret), pk)
        for pk, secret in rows
        if secret and not secret.startswith(bureau.core.sealed.PREFIX)
    ]
    _write(schema_editor, sealed)


def unseal_stored(apps, schema_editor):
    rows = _rows(schema_editor)
    plain = [
        (bureau.core.sealed.unseal(secret), pk)
        for pk, secret in rows
        if secret and secret.startswith(bureau.core.sealed.PREFIX)
    ]
    _write(schema_editor, plain)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_subscription_versions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=bureau.core.sealed.SealedCharField(editable=False, max_length=255),
        ),
        migrations.RunPython(seal_stored, unseal_stored, elidable=False),
    ]
