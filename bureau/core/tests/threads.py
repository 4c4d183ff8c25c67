"""What the tests of concurrent writers ask of a thread."""

from __future__ import annotations

import sys
import threading


def waiting_to_begin(thread: threading.Thread) -> bool:
    """Whether ``thread`` is waiting to begin a transaction on SQLite: SQLite says nothing of who
    waits, so look at where the thread is."""
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code.co_name == "_start_transaction_under_autocommit":
            return True
        frame = frame.f_back
    return False
