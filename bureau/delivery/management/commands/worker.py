"""``bureau worker``: background work in its own process; run as many as you like."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

import bureau.web.background  # noqa: F401 - registers the periodic jobs
from bureau.delivery.worker import Worker


class Command(BaseCommand):
    help = "Dispatch published items to subscriptions and send webhooks and emails, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--poll", type=float, default=0.25, help="Seconds between checks of the outbox."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: done.set())
        worker = Worker(poll_seconds=options["poll"]).start()
        self.stdout.write("Worker running; Ctrl-C stops it.")
        self.stdout.flush()
        done.wait()
        worker.shutdown()
