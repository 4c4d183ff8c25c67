"""What goes into an archive, staged in a private folder before the archive is written.

Staging first gives every part a fixed size and SHA-256 for the manifest, which is the
archive's first member, and keeps the moment of the snapshot short: the database is copied
through SQLite's online backup API, the trade statistics are hard-linked under the trade
store's write lock (their files are never changed in place, only replaced by renames), and
the other files of BUREAU_HOME are copied.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from bureau.operations.backup import database
from bureau.operations.backup.manifest import Part
from bureau.trade import store

# Not state: files being written (renamed into place when complete), a database's journal
# (its content is in the online backup), locks and this program's own staging folders.
SKIP_SUFFIXES = (".partial", ".tmp", "-wal", "-shm", "-journal")
SKIP_PREFIXES = (".bureau-", ".manifest-", ".lock")
# Folders of BUREAU_HOME the program rebuilds by itself.
DERIVED = ("static", "metrics")
KINDS = {"node_key": "node_key", "secret_key": "secret_key"}


@dataclass(frozen=True)
class Staged:
    part: Part
    path: Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _staged(name: str, kind: str, path: Path) -> Staged:
    return Staged(Part(name, kind, path.stat().st_size, sha256_of(path)), path)


def _target(staging: Path, name: str) -> Path:
    target = staging / name
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return target


def stage_database(staging: Path) -> Staged | None:
    """The SQLite database through the online backup API; None on PostgreSQL."""
    if database.engine() != "sqlite":
        return None
    name = "database/bureau.sqlite3"
    target = _target(staging, name)
    database.sqlite_snapshot(database.sqlite_path(), target)
    return _staged(name, "database", target)


def _skipped(name: str) -> bool:
    return name.endswith(SKIP_SUFFIXES) or name.startswith(SKIP_PREFIXES)


def home_files(home: Path, *, leave_out: list[Path]) -> Iterator[Path]:
    """Every regular file of BUREAU_HOME that is state, outside the folders in ``leave_out``."""
    left_out = {p.resolve() for p in leave_out} | {(home / d).resolve() for d in DERIVED}
    for root, dirs, files in os.walk(home):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not _skipped(d) and (here / d).resolve() not in left_out
        )
        for name in sorted(files):
            path = here / name
            if not _skipped(name) and path.resolve() not in left_out and not path.is_symlink():
                yield path


def stage_home(staging: Path, *, leave_out: list[Path]) -> list[Staged]:
    """Copy the files of BUREAU_HOME; another SQLite database found there goes through the
    online backup API too, never as a file copy."""
    home = Path(settings.BUREAU_HOME)
    staged = []
    for path in home_files(home, leave_out=leave_out):
        relative = path.relative_to(home).as_posix()
        name = f"home/{relative}"
        target = _target(staging, name)
        if database.is_sqlite_file(path):
            database.sqlite_snapshot(path, target)
            kind = "sqlite"
        else:
            shutil.copyfile(path, target)
            kind = KINDS.get(relative, "file")
        target.chmod(0o600)
        staged.append(_staged(name, kind, target))
    return staged


def stage_trade(staging: Path) -> list[Staged]:
    """The trade statistics folder as of one moment: linked (or copied) under its write lock."""
    root = store.trade_dir()
    if not root.is_dir():
        return []
    linked: list[tuple[str, Path]] = []
    with store.writing():
        for root_name, dirs, files in os.walk(root):
            here = Path(root_name)
            dirs[:] = sorted(d for d in dirs if not _skipped(d))
            for file_name in sorted(files):
                path = here / file_name
                if _skipped(file_name) or path.is_symlink():
                    continue
                name = f"trade/{path.relative_to(root).as_posix()}"
                target = _target(staging, name)
                try:
                    os.link(path, target)
                except OSError:  # another file system, or links not allowed
                    shutil.copyfile(path, target)
                linked.append((name, target))
    return [_staged(name, "trade", target) for name, target in linked]
