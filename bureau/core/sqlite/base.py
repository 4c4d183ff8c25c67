"""Django's SQLite backend, with the threads of one process taking turns to write in a queue.

Every transaction here begins with ``BEGIN IMMEDIATE``: it takes the database's write lock at
once, so two writing threads never deadlock. SQLite makes a thread that finds the lock taken
sleep and look again (after 1, 2, 5, 10 ... 100 ms), so it wakes up to tens of milliseconds
after the lock was released, and while it sleeps nobody writes. Under a steady stream of
writes from two threads (a peer's pages applied while the dispatcher matches what they
published) that idle time was a quarter of the catch-up's wall time.

So the threads of a process first take a lock of this process for the database file, which
hands over the moment it is released, and only then begin. SQLite's own lock stays the one
that keeps the data safe: this one only orders the threads of one process, never another
process, and a transaction that ends in any way (commit, rollback, closed connection) gives it
back.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def writer_lock(name: str) -> threading.Lock:
    """The process's lock for the database file ``name``."""
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def _forget_locks() -> None:
    # A child forked while another thread held a lock would otherwise wait for it forever.
    global _locks_guard
    _locks.clear()
    _locks_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_locks)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer: threading.Lock | None = None

    def _start_transaction_under_autocommit(self) -> None:
        lock = writer_lock(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5.0))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")  # as SQLite says after its timeout
        self._writer = lock
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _release_writer(self) -> None:
        lock, self._writer = self._writer, None
        if lock is not None:
            lock.release()
