"""Real processes for live-channel tests: a store, `bureau serve` and `bureau worker`, and an
SSE client that reads a stream in a thread.

Seeding runs in a child process against the store (``python -m tests.live.support seed SPEC``),
so that it goes through the service layer of the same database the servers use.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.samples import lead_data

REPO = Path(__file__).resolve().parents[2]
BUREAU = str(Path(sys.executable).with_name("bureau"))
PASSWORD = "correct-horse-battery"
WAIT = 60.0  # generous: these are not timing tests, only a bound on a hung run
# `bureau worker` refuses to start without Redis (its live events reach the web processes
# through it); tests that need no Redis of their own give their workers this one.
WORKER_REDIS_URL = "redis://127.0.0.1:6379/14"
_numbers = itertools.count()


# --- stores --------------------------------------------------------------------------


@dataclass
class Store:
    """A database of its own (SQLite in a folder, or a PostgreSQL database) and its environment."""

    env: dict[str, str]
    pg_server: str = ""
    pg_name: str = ""

    def drop(self) -> None:
        if self.pg_name:
            pg_admin(self.pg_server, f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def wait_for(
    condition: Callable[[], Any],
    what: str,
    describe: Callable[[], Any] = lambda: "",
    *,
    timeout: float = WAIT,
) -> None:
    """Poll ``condition`` until it holds; after ``timeout`` fail, naming ``what`` and what
    ``describe`` says of the state then."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {describe()}"
        time.sleep(0.1)


def pg_server_of(url: str) -> str:
    """postgres://u@h:5432/name -> postgres://u@h:5432"""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def pg_admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def make_store(home: Path, *, pg_server: str = "", **extra: str) -> Store:
    """A fresh store, initialised with `bureau init`; PostgreSQL when ``pg_server`` is given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "BUREAU_ADMIN_EMAIL", "BUREAU_ADMIN_PASSWORD")
    }
    env.update(
        BUREAU_HOME=str(home),
        BUREAU_API_RATE="1000000/s",
        BUREAU_LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    store = Store(env)
    if pg_server:
        store.pg_server, store.pg_name = (
            pg_server,
            f"bureau_live_test_{os.getpid()}_{next(_numbers)}",
        )
        pg_admin(pg_server, f'CREATE DATABASE "{store.pg_name}"')
        env["DATABASE_URL"] = f"{pg_server}/{store.pg_name}"
    done = run(store, BUREAU, "init", "--no-input")
    assert done.returncode == 0, done.stderr
    return store


def store_for_this_run(home: Path, **extra: str) -> Store:
    """A store on PostgreSQL when this test run uses it (DATABASE_URL), else on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return make_store(
        home, pg_server=pg_server_of(url) if url.startswith("postgres") else "", **extra
    )


def run(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        env=store.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def seed(store: Store, members: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Create chamber staff (who publish) and members with one subscription each.

    ``members`` maps a name to the subscription's criteria. Returns tokens and ids."""
    done = run(store, sys.executable, "-m", "tests.live.support", "seed", json.dumps(members))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _seed(members: dict[str, dict[str, Any]]) -> dict[str, Any]:
    import django

    django.setup()
    from bureau.accounts.services import organisation_create, token_create, user_create
    from bureau.alerts.services import subscription_create

    chamber = organisation_create(
        actor=None, data={"name": "Chamber", "kind": "chamber", "country": "AZ", "city": "Baku"}
    )
    company = organisation_create(
        actor=None, data={"name": "Trader", "kind": "company", "country": "PK"}, chamber=chamber
    )
    staff = user_create(
        email="staff@az.example", password=PASSWORD, organisation=chamber, role="staff"
    )
    out: dict[str, Any] = {"staff_token": token_create(user=staff), "members": {}}
    for name, criteria in members.items():
        email = f"{name}@trader.example"
        user = user_create(email=email, password=PASSWORD, organisation=company, role="member")
        subscription = subscription_create(owner=user, data={"name": name.title(), **criteria})
        out["members"][name] = {
            "id": user.pk,
            "email": email,
            "token": token_create(user=user),
            "subscription": subscription.pk,
        }
    return out


# --- processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    base_url: str = ""

    def stop(self) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def threads(self) -> int:
        status = Path(f"/proc/{self.popen.pid}/status").read_text()
        return int(
            next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:"))
        )


@contextlib.contextmanager
def serving(store: Store, *, worker: bool = True, **extra: str) -> Iterator[Process]:
    """`bureau serve` on a free port (with the in-process worker unless ``worker=False``)."""
    port = free_port()
    command = [BUREAU, "serve", "--host", "127.0.0.1", "--port", str(port)]
    popen = subprocess.Popen(
        [*command, *([] if worker else ["--no-worker"])],
        env={**store.env, **extra},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    process = Process(popen, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert popen.poll() is None, f"bureau serve exited with {popen.returncode}"
            with contextlib.suppress(httpx.HTTPError):
                if (
                    httpx.get(process.base_url + "/api/v1/items?limit=1", timeout=5).status_code
                    == 200
                ):
                    break
            assert time.monotonic() < deadline, "bureau serve did not answer"
            time.sleep(0.2)
        yield process
    finally:
        process.stop()


@contextlib.contextmanager
def working(store: Store, **extra: str) -> Iterator[Process]:
    """A `bureau worker` process (on ``WORKER_REDIS_URL`` unless the store or ``extra`` names one)."""
    popen = subprocess.Popen(
        [BUREAU, "worker", "--poll", "0.1"],
        env={"REDIS_URL": WORKER_REDIS_URL, **store.env, **extra},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    process = Process(popen)
    try:
        yield process
    finally:
        process.stop()


# --- HTTP ----------------------------------------------------------------------------

lead = lead_data  # the item record the process tests publish


def publish(base_url: str, token: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create and publish an item through the API, as chamber staff."""
    response = httpx.post(
        f"{base_url}/api/v1/items?publish=true",
        json=data,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@dataclass
class Event:
    id: str
    event: str
    data: dict[str, Any]


@dataclass
class StreamReader:
    """Reads an event stream with httpx in a thread of its own; the ``retry`` line and every
    event land in ``received``."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    received: queue.Queue[Event | str | BaseException | None] = field(default_factory=queue.Queue)
    response_headers: httpx.Headers | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _task: asyncio.Task[None] | None = None
    _thread: threading.Thread | None = None

    def start(self) -> StreamReader:
        started = threading.Event()

        def main() -> None:
            async def run() -> None:
                self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
                started.set()
                await self._read()

            with contextlib.suppress(asyncio.CancelledError):
                asyncio.run(run())

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        started.wait()
        assert self.next() == "retry: 2000", "the stream did not open with its retry line"
        return self

    async def _read(self) -> None:
        try:
            timeout = httpx.Timeout(10, read=None)
            async with (
                httpx.AsyncClient(cookies=self.cookies, timeout=timeout) as client,
                client.stream("GET", self.url, headers=self.headers) as response,
            ):
                self.response_headers = response.headers
                if response.status_code != 200:
                    body = await response.aread()
                    self.received.put(RuntimeError(f"{response.status_code}: {body!r}"))
                    return
                await self._parse(response.aiter_lines())
        except asyncio.CancelledError:
            raise
        except Exception as error:  # handed to the test's thread
            self.received.put(error)
        finally:
            self.received.put(None)

    async def _parse(self, lines: AsyncIterator[str]) -> None:
        fields: dict[str, str] = {}
        async for line in lines:
            if line.startswith("retry:"):
                self.received.put(line)
            elif line == "" and "data" in fields:
                data = json.loads(fields["data"])
                self.received.put(Event(fields.get("id", ""), fields.get("event", ""), data))
                fields = {}
            elif line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value

    def next(self, timeout: float = WAIT) -> Event | str:
        got = self.received.get(timeout=timeout)
        if isinstance(got, BaseException):
            raise got
        if got is None:
            raise EOFError("the stream ended")
        return got

    def events(self, count: int, timeout: float = WAIT) -> list[Event]:
        deadline, out = time.monotonic() + timeout, list[Event]()
        while len(out) < count:
            got = self.next(max(0.1, deadline - time.monotonic()))
            assert isinstance(got, Event), got
            out.append(got)
        return out

    def stop(self) -> None:
        """Disconnect, as a browser tab that closes."""
        if self._loop is not None and self._task is not None:
            with contextlib.suppress(RuntimeError):  # already finished
                self._loop.call_soon_threadsafe(self._task.cancel)
        if self._thread is not None:
            self._thread.join(timeout=WAIT)


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(_seed(json.loads(sys.argv[2]))))
