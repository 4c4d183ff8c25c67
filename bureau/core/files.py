"""The node's files are its own: BUREAU_HOME is 0700 and the SQLite files in it are 0600.

The database holds session keys and (sealed) webhook secrets, BUREAU_HOME the node's private
key and secret key: no other account on the machine may read them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) and make it 0700 when this user owns it."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if path.stat().st_uid == os.geteuid():
        path.chmod(PRIVATE_DIR)


def private_sqlite(database: Path) -> None:
    """Bring the SQLite file and its companions (-wal, -shm) to 0600 where they exist.

    Not created here: an empty home must stay empty until something is written (a restore
    refuses a home that is not). Files the ``bureau`` command creates are 0600 already (its
    umask); this catches those made otherwise, or before."""
    for suffix in SQLITE_COMPANIONS:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            Path(f"{database}{suffix}").chmod(PRIVATE_FILE)


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: SQLite files made since (test databases) are 0600 too."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict.get("NAME") or "")
        if name and name != ":memory:" and not name.startswith("file:"):
            private_sqlite(Path(name))
