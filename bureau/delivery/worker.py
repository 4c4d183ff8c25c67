"""Background work: dispatch outbox events, send webhooks and emails, expire items.

``bureau worker`` runs it as its own process (any number of them); on the embedded default
``bureau serve`` runs it in threads of the web process, so one command is enough.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections

from bureau.delivery import outbox
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex
from bureau.delivery.webhooks import Sender

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every_seconds: float


PERIODIC_JOBS: list[PeriodicJob] = []


def periodic(
    name: str, every_seconds: float
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function the worker calls every ``every_seconds`` (expiry, email digests, ...)."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        PERIODIC_JOBS.append(PeriodicJob(name, function, every_seconds))
        return function

    return register


@dataclass
class Worker:
    poll_seconds: float = 0.25
    stop: threading.Event = field(default_factory=threading.Event)
    index: LiveIndex = field(default_factory=LiveIndex)
    sender: Sender = field(default_factory=Sender)
    _dispatch_wake: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Worker:
        """Start every loop in a daemon thread; outbox events recorded in this process wake it at once."""
        outbox.on_new_events(self._dispatch_wake.set)
        for name, target in (("dispatch", self._dispatch_loop), ("webhooks", self._sender_loop)):
            self._spawn(name, target)
        for job in PERIODIC_JOBS:
            self._spawn(job.name, functools.partial(self._periodic_loop, job))
        return self

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"bureau-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self._dispatch_wake.set()
        self.sender.wake()
        for thread in self._threads:
            thread.join(timeout)

    def _dispatch_loop(self) -> None:
        while not self.stop.is_set():
            try:
                close_old_connections()
                if dispatch_pending(self.index):
                    self.sender.wake()
                    continue  # more may be waiting
            except Exception:
                log.exception("dispatch round failed")
            self._dispatch_wake.wait(self.poll_seconds)
            self._dispatch_wake.clear()

    def _sender_loop(self) -> None:
        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            threading.Thread(
                target=lambda: (self.stop.wait(), loop.call_soon_threadsafe(stop.set)), daemon=True
            ).start()
            await self.sender.run(stop)

        asyncio.run(main())

    def _periodic_loop(self, job: PeriodicJob) -> None:
        while not self.stop.wait(job.every_seconds):
            try:
                close_old_connections()
                job.run()
            except Exception:
                log.exception("%s failed", job.name)
