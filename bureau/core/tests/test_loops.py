"""Background loops survive any exception, a dead loop is restarted, and /readyz names a stuck one."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import OperationalError
from django.test import Client

from bureau.core import loops
from bureau.delivery.webhooks import Sender
from bureau.operations.loops import last_rounds

WAIT = 30.0  # a bound on a hung run, not a timing


@pytest.fixture
def loop_name():
    yield "test-loop"
    loops.unregister("test-loop")


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def state(name: str) -> loops.LoopRound:
    return next(r for r in loops.loop_rounds() if r.name == name)


def test_a_round_that_raises_is_logged_backed_off_and_followed_by_the_next(loop_name, caplog):
    loops.register(loop_name, every_seconds=2.0)
    outcomes = iter([OperationalError("database is locked")] * 3 + [None, None])
    waits: list[float] = []

    def one_round() -> None:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        if len(waits) == 3:
            assert state(loop_name).failures == 3
            assert state(loop_name).last_error == "OperationalError: database is locked"
        return len(waits) == 5

    assert loops.run_rounds(loop_name, one_round, wait=wait)() is True
    assert waits == [0.5, 1.0, 2.0, 2.0, 2.0]  # backing off, then the loop's own period
    after = state(loop_name)
    assert (after.rounds, after.failures, after.restarts) == (2, 0, 0)
    assert after.last_round_at is not None and not after.stale
    assert caplog.text.count("a round failed") == 3


def test_the_supervisor_restarts_a_loop_whose_thread_died(loop_name):
    stop, started = threading.Event(), []

    def target() -> None:
        started.append(1)
        if len(started) == 1:
            return  # the thread ends, as it would after an error that escaped the loop
        loops.run_rounds(loop_name, lambda: None, wait=stop.wait)()

    supervisor = loops.Supervisor(stop)
    supervisor.spawn(loop_name, target, every_seconds=0.01)
    wait_until(lambda: started and not supervisor._threads[loop_name].is_alive(), "the death")
    assert state(loop_name).rounds == 0
    assert supervisor.check() == [loop_name]
    wait_until(lambda: state(loop_name).rounds > 0, "a round after the restart")
    stop.set()
    assert state(loop_name).restarts == 1
    supervisor.join(WAIT)
    assert loop_name not in {r.name for r in loops.loop_rounds()}


def test_readyz_names_a_loop_stuck_too_long(client: Client, loop_name, settings, tmp_path, db):
    settings.BUREAU_METRICS_DIR = tmp_path
    settings.BUREAU_READY_LOOP_SECONDS = 60
    loops.register(loop_name, every_seconds=1.0)
    loops.round_completed(loop_name)
    ok = client.get("/readyz")
    assert ok.status_code == 200 and ok.json()["checks"][f"loop {loop_name}"] == "ok"
    settings.BUREAU_READY_LOOP_SECONDS = 0.05
    loops.register(loop_name, every_seconds=0.01)  # started anew, and never completes a round
    wait_until(lambda: state(loop_name).stale, "the loop to be stale")
    stuck = client.get("/readyz")
    assert stuck.status_code == 503
    assert "last round finished" in stuck.json()["checks"][f"loop {loop_name}"]
    status, report = loops.health_report()  # what `bureau worker --health-port` answers
    assert status == 503 and report["stale"] == [loop_name]
    assert "OperationalError" not in str(report)  # error texts stay in the log


def test_every_process_of_the_host_reads_the_loops_of_the_others(loop_name, settings, tmp_path):
    settings.BUREAU_METRICS_DIR = tmp_path
    stop = threading.Event()
    supervisor = loops.Supervisor(stop)
    supervisor.spawn(
        loop_name, loops.run_rounds(loop_name, lambda: None, wait=stop.wait), every_seconds=0.01
    )
    supervisor.start()
    mine = tmp_path / f"loops-{os.getpid()}.json"
    wait_until(mine.exists, "this process's file")
    # Another live process of the host (a worker), and one killed without cleaning up.
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        (tmp_path / f"loops-{other.pid}.json").write_text(
            json.dumps(
                {loop_name: "2026-01-01T00:00:00+00:00", "email": "2026-01-02T00:00:00+00:00"}
            )
        )
        (tmp_path / f"loops-{gone.pid}.json").write_text(
            json.dumps({"expire": "2020-01-01T00:00:00+00:00"})
        )
        seen = last_rounds()
    finally:
        other.kill()
        other.wait()
        stop.set()
        supervisor.join(WAIT)
    assert set(seen) == {loop_name, "email"}  # the dead process's loops are not reported
    assert seen[loop_name] == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # the one further behind
    assert not mine.exists()  # a worker that stops takes its file away


def test_waking_a_sender_whose_loop_has_closed_is_harmless():
    sender = Sender()

    async def run_once() -> None:
        stop = asyncio.Event()
        stop.set()
        await sender.run(stop)

    asyncio.run(run_once())
    sender.wake()  # the loop is closed: this raised "Event loop is closed" in every dispatch round
