"""``bureau restore`` and ``bureau backup --verify``: read an archive back, checking it first.

Restore writes nothing until the manifest has been checked (its version, its node, the
target), stages every part in a private folder inside BUREAU_HOME while checking its
SHA-256, and only then moves the parts into place and applies this version's migrations.
The node comes back with its key, its log, its peers and their cursors, its outbox and the
state of every delivery, as they were when the archive was taken.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bureau.exchange import canonical as c
from bureau.exchange import identity, keys
from bureau.operations.backup import database
from bureau.operations.backup.manifest import Manifest, Part, Refused, check_not_newer
from bureau.operations.backup.read import read_archive
from bureau.operations.backup.take import backup_dir, bureau_version

# What may already be in a new BUREAU_HOME: what starting the program creates by itself (a
# generated secret key, empty folders for static files and metrics) and a folder of backups.
ALLOWED_IN_EMPTY_HOME = {"secret_key", "static", "metrics", "backups"}


@dataclass
class Checked:
    manifest: Manifest
    notes: list[str] = field(default_factory=list)


def archive_verify(*, path: Path) -> Checked:
    """Read the whole archive and check it, writing nothing but a temporary copy of its
    database (for SQLite's own check and its migrations)."""
    with tempfile.TemporaryDirectory(prefix="bureau-verify-") as tmp:
        staging = Path(tmp)

        def place(part: Part) -> Path | None:
            return staging / part.name if part.kind in ("database", "node_key") else None

        manifest = read_archive(
            path, passphrase=settings.BUREAU_BACKUP_KEY, on_manifest=lambda m: None, place=place
        )
        _check_contents(manifest, staging)
    return Checked(manifest, _notes(manifest))


def _check_contents(manifest: Manifest, staging: Path) -> None:
    """What the sums cannot show: the database opens and is the one described, the key is
    the node's."""
    if (db := manifest.part("database")) is not None:
        problem = database.quick_check(staging / db.name)
        if problem != "ok":
            raise Refused(f"the archive's database does not pass SQLite's check: {problem}")
        if database.migrations_in_file(staging / db.name) != manifest.database["migrations"]:
            raise Refused(
                "the archive is damaged: its database is not the one its manifest describes"
            )
    if (key := manifest.part("node_key")) is not None:
        try:
            public = keys.public_text(keys.parse_private((staging / key.name).read_text()))
        except ValueError as error:
            raise Refused(f"the archive's node key cannot be read: {error}") from None
        if public != manifest.node["public_key"]:
            raise Refused("the archive is damaged: its node key is not the one its manifest names")


def _notes(manifest: Manifest) -> list[str]:
    return [f"not in the archive: {what}" for what in manifest.not_included]


def archive_restore(*, path: Path) -> Checked:
    """Bring a node back from an archive onto an empty BUREAU_HOME (and, on SQLite, no
    database yet; on PostgreSQL, the database restored from its own dump)."""
    home = Path(settings.BUREAU_HOME)
    _check_target(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(prefix=".bureau-restore-", dir=home))
    try:
        manifest = read_archive(
            path,
            passphrase=settings.BUREAU_BACKUP_KEY,
            on_manifest=_check_manifest,
            place=lambda part: staging / part.name,
        )
        _check_contents(manifest, staging)
        _move_into_place(manifest, staging, home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    connection.close()
    call_command("migrate", interactive=False, verbosity=0)
    if identity.public_key() != manifest.node["public_key"]:
        raise Refused("the restored node key is not the archive's: check BUREAU_NODE_KEY")
    return Checked(manifest, _notes(manifest))


def _check_target(home: Path) -> None:
    found = sorted(
        entry.name
        for entry in (home.iterdir() if home.is_dir() else [])
        if entry.name not in ALLOWED_IN_EMPTY_HOME
        and not entry.name.startswith(".bureau-")
        and entry.resolve() != backup_dir().resolve()
    )
    if database.engine() == "sqlite" and database.sqlite_path().exists():
        found.append(database.sqlite_path().name)
    if found:
        raise Refused(
            f"BUREAU_HOME ({home}) is not empty: it holds {', '.join(sorted(set(found))[:8])}. "
            "Restore into a new, empty BUREAU_HOME; nothing was changed"
        )
    trade = Path(settings.BUREAU_TRADE_DIR)
    if trade.is_dir() and any(p.is_file() and p.name != ".lock" for p in trade.rglob("*")):
        raise Refused(
            f"BUREAU_TRADE_DIR ({trade}) is not empty: restore into an empty folder; "
            "nothing was changed"
        )


def _check_manifest(manifest: Manifest) -> None:
    check_not_newer(manifest, version=bureau_version(), known=database.known_migrations())
    node = manifest.node["name"]
    if node != settings.BUREAU_NODE_NAME:
        raise Refused(
            f"the archive is of node {node}, but this one is configured as "
            f"{settings.BUREAU_NODE_NAME}: set BUREAU_NODE_NAME={node} to restore it"
        )
    _check_engine(manifest)
    _check_key(manifest)


def _check_engine(manifest: Manifest) -> None:
    here = database.engine()
    if manifest.database["included"] and here != "sqlite":
        raise Refused(
            "the archive holds a SQLite database, but DATABASE_URL points to PostgreSQL: "
            "unset DATABASE_URL to restore the node on SQLite"
        )
    if not manifest.database["included"]:
        if here == "sqlite":
            raise Refused(
                "the archive comes from a node on PostgreSQL and holds no database: set "
                "DATABASE_URL to the database restored from its dump (pg_restore), then restore"
            )
        _check_postgres(manifest)


def _check_postgres(manifest: Manifest) -> None:
    """On PostgreSQL the database comes from the operator's dump: it must be there already,
    and it must be this node's (its newest log event signed with the archive's key)."""
    if not database.migrations_live():
        raise Refused(
            f"the database {settings.DATABASES['default']['NAME']} is empty: an archive of a "
            "node on PostgreSQL does not hold its database. Restore the database first "
            "(pg_restore from its pg_dump), then run `bureau restore` again"
        )
    from bureau.exchange.models import LogEvent

    last = LogEvent.objects.filter(node=manifest.node["name"]).order_by("-seq").first()
    if last is None:
        return
    event = json.loads(last.data)
    key = keys.parse_public(manifest.node["public_key"])
    if not keys.verify(key, event.get("sig", ""), c.signed_part(event)):
        raise Refused(
            "the database holds another node's log (its events are not signed with the "
            "archive's node key): restore the dump of this node's database"
        )


def _check_key(manifest: Manifest) -> None:
    archived = manifest.node["public_key"]
    if manifest.node.get("key_source") == "environment":
        if not settings.BUREAU_NODE_KEY:
            raise Refused(
                "the node's key came from BUREAU_NODE_KEY and is not in the archive: set "
                "BUREAU_NODE_KEY to the same key, then restore"
            )
    elif not settings.BUREAU_NODE_KEY:
        return
    with contextlib.suppress(Exception):
        if keys.public_text(identity.node_key()) == archived:
            return
    raise Refused(
        f"BUREAU_NODE_KEY is not the archived node's key ({archived}): set it to that key, "
        "or unset it to use the key in the archive"
    )


def _move_into_place(manifest: Manifest, staging: Path, home: Path) -> None:
    roots = {"home": home, "trade": Path(settings.BUREAU_TRADE_DIR)}
    for part in manifest.parts:
        source = staging / part.name
        if part.kind == "database":
            target = database.sqlite_path()
        else:
            target = roots[part.area] / part.relative
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.move(source, target)
        target.chmod(0o600)
