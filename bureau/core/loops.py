"""Background loops that never die for good, and the record of their last completed round.

Every loop of the worker (dispatch, webhooks, email, digests, expiry, exchange pulls and
pushes) runs in a thread of its own as a series of rounds. A round that raises is logged, the
loop backs off and carries on; a thread that dies all the same (``SystemExit`` in a job, a bug
in the loop itself) is restarted by the supervisor. Each loop records when it last completed a
round, so that ``/readyz`` and ``bureau status`` can name a loop that has been stuck for too
long (a database locked for minutes, a peer that never answers, a restart that keeps failing).

``loop_rounds()`` reads this process's record; the supervisor also writes it every second to a
file in ``BUREAU_METRICS_DIR``, so that ``last_rounds_on_host()`` answers for every process of
the host (a web process started with ``--no-worker``, ``bureau status``, several workers).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

# Seconds to wait after 1, 2, 3, ... failed rounds in a row, then the last one for ever after.
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
SUPERVISE_SECONDS = 1.0
# A loop that rounds rarely (daily digests every minute) is stale only after several periods.
STALE_PERIODS = 3
FILE_PREFIX = "loops-"


@dataclass
class _Loop:
    name: str
    every_seconds: float
    started: float = field(default_factory=time.time)
    last_round: float | None = None
    rounds: int = 0
    failures: int = 0  # in a row; reset by a completed round
    restarts: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class LoopRound:
    """What ``loop_rounds()`` tells of one loop."""

    name: str
    last_round_at: dt.datetime | None  # None: no round completed since the loop started
    since: dt.datetime  # the last completed round, or the start when there was none
    seconds_since: float
    stale_after: float
    rounds: int
    failures: int
    restarts: int
    last_error: str

    @property
    def stale(self) -> bool:
        return self.seconds_since > self.stale_after


_loops: dict[str, _Loop] = {}
_lock = threading.Lock()


def register(name: str, *, every_seconds: float) -> None:
    """Start recording a loop (again: a worker started anew begins a fresh record)."""
    with _lock:
        _loops[name] = _Loop(name, every_seconds)


def unregister(name: str) -> None:
    with _lock:
        _loops.pop(name, None)


def round_completed(name: str) -> None:
    with _lock:
        loop = _loops.get(name)
        if loop is not None:
            loop.last_round, loop.failures = time.time(), 0
            loop.rounds += 1


def round_failed(name: str, error: BaseException) -> float:
    """Record a failed round; returns the seconds to back off before the next."""
    with _lock:
        loop = _loops.get(name)
        if loop is None:
            return BACKOFF_SECONDS[0]
        loop.failures += 1
        loop.last_error = f"{type(error).__name__}: {error}"[:500]
        return BACKOFF_SECONDS[min(loop.failures, len(BACKOFF_SECONDS)) - 1]


def loop_rounds() -> list[LoopRound]:
    """Each loop of this process: its last completed round, and whether that is too long ago."""
    now, floor = time.time(), float(settings.BUREAU_READY_LOOP_SECONDS)
    with _lock:
        loops = list(_loops.values())
    return [
        LoopRound(
            name=loop.name,
            last_round_at=(
                dt.datetime.fromtimestamp(loop.last_round, dt.UTC) if loop.last_round else None
            ),
            since=dt.datetime.fromtimestamp(loop.last_round or loop.started, dt.UTC),
            seconds_since=now - (loop.last_round or loop.started),
            stale_after=max(floor, STALE_PERIODS * loop.every_seconds),
            rounds=loop.rounds,
            failures=loop.failures,
            restarts=loop.restarts,
            last_error=loop.last_error,
        )
        for loop in sorted(loops, key=lambda loop: loop.name)
    ]


def publish_rounds(directory: Path) -> None:
    """Write this process's loops and their last rounds (or starts) to its file in ``directory``."""
    rounds = {r.name: r.since.isoformat() for r in loop_rounds()}
    path = directory / f"{FILE_PREFIX}{os.getpid()}.json"
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(rounds))
    partial.replace(path)  # readers never see half a file


def unpublish_rounds(directory: Path) -> None:
    with contextlib.suppress(OSError):
        (directory / f"{FILE_PREFIX}{os.getpid()}.json").unlink()


def last_rounds_on_host(directory: Path) -> dict[str, dt.datetime]:
    """Each loop of every live process of this host: its last completed round (or, before the
    first, its start). Of two processes running the same loop, the one further behind counts."""
    found: dict[str, dt.datetime] = {r.name: r.since for r in loop_rounds()}
    for path in directory.glob(f"{FILE_PREFIX}*.json"):
        pid = path.stem.removeprefix(FILE_PREFIX)
        if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
            continue
        with contextlib.suppress(OSError, ValueError):
            for name, at in json.loads(path.read_text()).items():
                when = dt.datetime.fromisoformat(at)
                found[name] = min(found.get(name, when), when)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # killed without cleaning up: its file says nothing any more
    except PermissionError:
        return True
    return True


def health_report() -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of a health check: 503 naming the loops stuck for too long.

    Error texts are left out: the answer may be public, the log has them."""
    rounds = loop_rounds()
    stale = [r.name for r in rounds if r.stale]
    body = {
        "status": "stale" if stale else "ok",
        "stale": stale,
        "loops": [
            {
                "name": r.name,
                "last_round_at": r.last_round_at.isoformat() if r.last_round_at else None,
                "seconds_since": round(r.seconds_since, 1),
                "stale_after": r.stale_after,
                "stale": r.stale,
                "rounds": r.rounds,
                "failures": r.failures,
                "restarts": r.restarts,
            }
            for r in rounds
        ],
    }
    return (503 if stale else 200), body


def run_rounds(
    name: str, one_round: Callable[[], object], *, wait: Callable[[float], object]
) -> Callable[[], bool]:
    """A loop body: call ``one_round`` again and again, surviving any exception.

    ``wait(seconds)`` sleeps between rounds and returns true when the loop should stop; it is
    called with 0 after a round that asks to go on at once (returns true), with the back-off
    after a failure, and with the loop's period otherwise.
    """
    every = _loops[name].every_seconds if name in _loops else 1.0

    def body() -> bool:
        while True:
            try:
                again = one_round()
            except Exception as error:
                delay = round_failed(name, error)
                log.exception("%s: a round failed; next try in %g s", name, delay)
            else:
                round_completed(name)
                delay = 0.0 if again is True else every
            if wait(delay):
                return True

    return body


class Supervisor:
    """Runs each loop in a daemon thread and restarts any thread that ends before the stop."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._targets: dict[str, Callable[[], object]] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._watch: threading.Thread | None = None

    def spawn(self, name: str, target: Callable[[], object], *, every_seconds: float) -> None:
        register(name, every_seconds=every_seconds)
        self._targets[name] = target
        self._start(name)

    def _start(self, name: str) -> None:
        thread = threading.Thread(target=self._targets[name], name=f"bureau-{name}", daemon=True)
        self._threads[name] = thread
        thread.start()

    def start(self) -> Supervisor:
        self._watch = threading.Thread(
            target=self._supervise, name="bureau-supervisor", daemon=True
        )
        self._watch.start()
        return self

    def _supervise(self) -> None:
        directory = Path(settings.BUREAU_METRICS_DIR)
        while not self.stop.wait(SUPERVISE_SECONDS):
            self.check()
            try:
                publish_rounds(directory)
            except OSError:
                log.warning("the loops' rounds could not be written to %s", directory)
        unpublish_rounds(directory)

    def check(self) -> list[str]:
        """Restart every loop whose thread has ended; returns their names."""
        dead = [name for name, thread in self._threads.items() if not thread.is_alive()]
        for name in dead:
            if self.stop.is_set():
                break
            with _lock:
                if name in _loops:
                    _loops[name].restarts += 1
            log.error("%s: the loop's thread ended; restarting it", name)
            self._start(name)
        return dead

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in [*self._threads.values(), *([self._watch] if self._watch else [])]:
            thread.join(max(0.0, deadline - time.monotonic()))
        for name in self._threads:
            unregister(name)
