"""The database's side of a backup: SQLite's online backup API, and what migrations it holds."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import defaultdict
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

SQLITE_MAGIC = b"SQLite format 3\x00"


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else connection.vendor


def sqlite_path() -> Path:
    return Path(connection.settings_dict["NAME"]).resolve()


def is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def sqlite_snapshot(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API, in one step.

    One step reads the whole database in one read transaction: in WAL mode writers go on
    meanwhile, and the copy is the database as of that transaction's start (a step-by-step
    copy would start over each time a writer changed a page). The copy is turned into a
    single self-contained file (rollback journal), so it needs no -wal file beside it.
    """
    with (
        contextlib.closing(sqlite3.connect(source, timeout=60)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.execute("PRAGMA busy_timeout = 60000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    target.chmod(0o600)


def _rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        try:
            return list(conn.execute(sql, params).fetchall())
        except sqlite3.DatabaseError:
            return []


def migrations_in_file(path: Path) -> dict[str, list[str]]:
    """The applied migrations recorded in a SQLite file, by app."""
    applied: dict[str, list[str]] = defaultdict(list)
    for app, name in _rows(path, "SELECT app, name FROM django_migrations ORDER BY app, name"):
        applied[str(app)].append(str(name))
    return dict(applied)


def log_head_in_file(path: Path, node: str) -> int:
    rows = _rows(path, "SELECT last_seq FROM exchange_loghead WHERE node = ?", (node,))
    return int(str(rows[0][0])) if rows else 0


def quick_check(path: Path) -> str:
    """SQLite's own check of a database file: 'ok' or what is wrong."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            return "; ".join(str(row[0]) for row in conn.execute("PRAGMA quick_check"))
    except sqlite3.DatabaseError as error:
        return str(error)


def migrations_live() -> dict[str, list[str]]:
    """The applied migrations of the configured database, by app (empty when it has none)."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = defaultdict(list)
    for app, name in sorted(recorder.applied_migrations()):
        applied[app].append(name)
    return dict(applied)


def known_migrations() -> dict[str, set[str]]:
    """The migrations this version of the code has, by app."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known: dict[str, set[str]] = defaultdict(set)
    for app, name in loader.disk_migrations:
        known[app].add(name)
    return dict(known)


_all_applied: set[str] = set()  # databases seen with every migration: it stays so


def unapplied_migrations() -> list[str]:
    """Migrations of this code that the configured database lacks ('app.name'), in order."""
    from django.db.migrations.executor import MigrationExecutor

    name = str(connection.settings_dict["NAME"])
    if name in _all_applied:
        return []
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    missing = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    if not missing:
        _all_applied.add(name)
    return missing


def server_version() -> str:
    if connection.vendor == "sqlite":
        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])
