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

from bureau.core import loops
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
    """Every background loop of this process, each supervised (``bureau.core.loops``)."""

    poll_seconds: float = 0.25
    stop: threading.Event = field(default_factory=threading.Event)
    index: LiveIndex = field(default_factory=LiveIndex)
    sender: Sender = field(default_factory=Sender)
    _dispatch_wake: threading.Event = field(default_factory=threading.Event)
    _supervisor: loops.Supervisor | None = None

    def start(self) -> Worker:
        """Start every loop in a daemon thread; outbox events recorded in this process wake it at once."""
        outbox.on_new_events(self._dispatch_wake.set)
        self._supervisor = supervisor = loops.Supervisor(self.stop)
        supervisor.spawn("dispatch", self._dispatch_loop, every_seconds=self.poll_seconds)
        supervisor.spawn("webhooks", self._sender_loop, every_seconds=self.sender.poll_seconds)
        for job in PERIODIC_JOBS:
            loop = functools.partial(self._periodic_loop, job)
            supervisor.spawn(job.name, loop, every_seconds=job.every_seconds)
        supervisor.start()
        return self

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self._dispatch_wake.set()
        self.sender.wake()
        if self._supervisor is not None:
            self._supervisor.join(timeout)

    def _dispatch_loop(self) -> None:
        def one_round() -> bool:
            close_old_connections()
            # True when a batch was dispatched: more may be waiting.
            return dispatch_pending(self.index, on_due=self.sender.wake) > 0

        def wait(seconds: float) -> bool:
            if seconds:
                self._dispatch_wake.wait(seconds)
                self._dispatch_wake.clear()
            return self.stop.is_set()

        loops.run_rounds("dispatch", one_round, wait=wait)()

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
        def one_round() -> None:
            close_old_connections()
            job.run()

        # The first round waits one period, as it always has: start-up is busy enough.
        if not self.stop.wait(job.every_seconds):
            loops.run_rounds(job.name, one_round, wait=self.stop.wait)()
