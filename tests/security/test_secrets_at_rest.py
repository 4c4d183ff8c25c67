"""Secrets at rest: the node's files are its own, and webhook secrets are stored sealed.

What was found: ``bureau.sqlite3`` was 0644 in a 0755 BUREAU_HOME, and it holds session keys
and webhook signing secrets. BUREAU_HOME is now 0700, the SQLite files 0600 (the -wal and
-shm files too), and a webhook secret is stored encrypted with a key derived from the node's
secret key, so that a copy of the database alone does not let anyone sign as this node.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from bureau.alerts import services as alerts
from bureau.alerts.models import WebhookEndpoint
from bureau.core import sealed
from tests.live.support import BUREAU, REPO

MODES = """
import json, os, stat
from pathlib import Path
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x)")
    cursor.execute("INSERT INTO probe VALUES (1)")
home = Path(settings.BUREAU_HOME)
names = ["", "bureau.sqlite3", "bureau.sqlite3-wal", "bureau.sqlite3-shm", "secret_key"]
print(json.dumps({n: oct(stat.S_IMODE(os.stat(home / n).st_mode)) for n in names if (home / n).exists()}))
"""


def modes_seen(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(BUREAU_HOME=str(home), DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run(
        [BUREAU, "shell", "-c", MODES], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_new_home_and_its_database_are_private(tmp_path):
    home = tmp_path / "home"
    seen = modes_seen(home)
    assert seen[""] == "0o700"
    for name in ("bureau.sqlite3", "bureau.sqlite3-wal", "bureau.sqlite3-shm", "secret_key"):
        assert seen[name] == "0o600", (name, seen)


def test_a_home_left_open_is_closed_at_start(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    database = home / "bureau.sqlite3"
    database.touch()
    database.chmod(0o644)
    seen = modes_seen(home)
    assert seen[""] == "0o700" and seen["bureau.sqlite3"] == "0o600"


def stored_secret(endpoint: WebhookEndpoint) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM alerts_webhookendpoint WHERE id = %s", [endpoint.pk])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_webhook_secrets_are_stored_sealed(member, settings):
    settings.BUREAU_WEBHOOK_ALLOW_PRIVATE = True
    endpoint, secret = alerts.endpoint_create(owner=member, url="http://127.0.0.1:9/hook")
    raw = stored_secret(endpoint)
    assert raw.startswith(sealed.PREFIX)
    assert secret not in raw and secret.removeprefix("whsec_") not in raw
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
    rotated = alerts.endpoint_rotate_secret(owner=member, endpoint=endpoint)
    assert stored_secret(endpoint).startswith(sealed.PREFIX)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == rotated


@pytest.mark.django_db
def test_a_copy_of_the_database_without_the_key_reveals_nothing(member, settings):
    settings.BUREAU_WEBHOOK_ALLOW_PRIVATE = True
    endpoint, secret = alerts.endpoint_create(owner=member, url="http://127.0.0.1:9/hook")
    raw, original = stored_secret(endpoint), settings.SECRET_KEY
    settings.SECRET_KEY = "another node's secret key, not this one's"
    with pytest.raises(ValueError, match="secret key has changed"):
        sealed.unseal(raw)
    settings.SECRET_KEY_FALLBACKS = [original]
    assert sealed.unseal(raw) == secret  # the old key kept as a fallback still reads it


@pytest.mark.django_db
def test_secrets_stored_in_clear_before_are_sealed_by_the_migration(member, settings):
    settings.BUREAU_WEBHOOK_ALLOW_PRIVATE = True
    endpoint, secret = alerts.endpoint_create(owner=member, url="http://127.0.0.1:9/hook")
    with connection.cursor() as cursor:  # as a node before the migration had it
        cursor.execute(
            "UPDATE alerts_webhookendpoint SET secret = %s WHERE id = %s", [secret, endpoint.pk]
        )
    migration = importlib.import_module("bureau.alerts.migrations.0003_webhook_secrets_sealed")
    editor = SimpleNamespace(connection=connection)  # all the migration's steps use
    migration.seal_stored(None, editor)
    assert stored_secret(endpoint).startswith(sealed.PREFIX)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
    migration.unseal_stored(None, editor)
    assert stored_secret(endpoint) == secret
