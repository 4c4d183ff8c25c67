"""Periodic background work run inside ``bureau serve`` on the embedded default."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from bureau.catalog.services import items_expire_due

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0


def run_once() -> None:
    close_old_connections()
    expired = items_expire_due()
    if expired:
        log.info("expired %d items past their valid-until date", expired)


def _loop(stop: threading.Event) -> None:
    while not stop.wait(INTERVAL_SECONDS):
        try:
            run_once()
        except Exception:  # keep the loop alive whatever one round hits
            log.exception("background round failed")


def start() -> threading.Event:
    """Start the loop in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="bureau-background", daemon=True).start()
    return stop
