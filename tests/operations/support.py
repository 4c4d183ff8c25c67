"""Nodes to back up and restore: stores with content, a database copy the operator's way
(pg_dump and pg_restore on PostgreSQL), and fresh targets to restore into."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bureau.trade.tests.builders import write_figures
from tests.live.support import BUREAU, Store, pg_admin, run

ITEMS_SQL = "SELECT uid, title, status FROM catalog_item ORDER BY uid"
PEERS_SQL = "SELECT name, url, public_key, cursor_seq, cursor_hash FROM exchange_peer ORDER BY name"


def bureau(store: Store, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [BUREAU, *args],
        env={**store.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def bureau_fails(store: Store, *args: str, env: dict[str, str] | None = None) -> str:
    """Run a command that must fail; returns what it said (stdout and stderr)."""
    done = subprocess.run(
        [BUREAU, *args],
        env={**store.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def query(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the store's own database (``?`` placeholders)."""
    if store.pg_name:
        import psycopg

        with psycopg.connect(store.env["DATABASE_URL"]) as conn:
            return [tuple(map(_plain, r)) for r in conn.execute(sql.replace("?", "%s"), params)]
    path = Path(store.env["BUREAU_HOME"]) / "bureau.sqlite3"
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        return [tuple(map(_plain, r)) for r in conn.execute(sql, params)]


def execute(store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Run one statement on the store's database and commit it."""
    if store.pg_name:
        import psycopg

        with psycopg.connect(store.env["DATABASE_URL"]) as conn:
            conn.execute(sql.replace("?", "%s"), params)
        return
    path = Path(store.env["BUREAU_HOME"]) / "bureau.sqlite3"
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as lite, lite:
        lite.execute(sql, params)


def _plain(value: Any) -> Any:
    """The same value from either engine (PostgreSQL gives UUIDs, SQLite hex text)."""
    return value.hex if hasattr(value, "hex") and not isinstance(value, bytes | str) else value


def import_trade(store: Store, folder: Path) -> None:
    path = write_figures(
        folder / "figures.csv",
        [("2022", "AZE", "PAK", "turnover", "28.1"), ("2023", "AZE", "PAK", "turnover", "31.4")],
    )
    bureau(store, "trade", "import", str(path), "--format", "figures")


def add_files(store: Store) -> None:
    """State other than the database: an upload and an email in the mail spool."""
    home = Path(store.env["BUREAU_HOME"])
    (home / "media" / "uploads").mkdir(parents=True, exist_ok=True)
    (home / "media" / "uploads" / "brochure.pdf").write_bytes(b"%PDF-1.4 a chamber brochure")
    (home / "mail").mkdir(exist_ok=True)
    (home / "mail" / "20260101-000000-1.log").write_text("Subject: digest\n\nRice, cotton.\n")


@dataclass
class Target:
    """Where a node is restored: a new BUREAU_HOME and, on PostgreSQL, a database restored
    from the source's dump."""

    store: Store


def target_for(
    source: Store, home: Path, *, dump: Path | None = None, empty: bool = False
) -> Target:
    """A target for ``source``; on PostgreSQL its database restored from ``dump`` (taken now
    when None), or left empty when ``empty``."""
    env = {**source.env, "BUREAU_HOME": str(home)}
    target = Store(env, source.pg_server)
    if source.pg_name:
        target.pg_name = f"{source.pg_name}_restored_{home.name}"[:63]
        pg_admin(source.pg_server, f'DROP DATABASE IF EXISTS "{target.pg_name}" WITH (FORCE)')
        pg_admin(source.pg_server, f'CREATE DATABASE "{target.pg_name}"')
        env["DATABASE_URL"] = f"{source.pg_server}/{target.pg_name}"
        if not empty:
            if dump is None:
                dump = home.parent / f"{home.name}.dump"
                pg_dump(source, dump)
            pg_restore(dump, env["DATABASE_URL"])
    return Target(target)


def pg_dump(source: Store, path: Path) -> None:
    subprocess.run(
        ["pg_dump", "-Fc", "-f", str(path), source.env["DATABASE_URL"]], check=True, timeout=300
    )


def pg_restore(path: Path, url: str) -> None:
    subprocess.run(["pg_restore", "--no-owner", "-d", url, str(path)], check=True, timeout=300)


def manifest_of(archive: Path) -> dict[str, Any]:
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return dict(json.loads(member.read()))


def python(store: Store, code: str, *args: str) -> str:
    done = run(store, sys.executable, "-c", code, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout
