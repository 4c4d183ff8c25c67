"""Fault injection: whatever breaks, every delivery is made exactly once after de-duplication.

Real processes on this run's database (an SQLite file, or PostgreSQL when the suite runs on it),
a real HTTP receiver that counts requests by webhook-id, a real SMTP server (aiosmtpd) that keeps
every message, and a fake peer speaking the exchange protocol. The faults:

- the database locked for longer than the lock timeout while webhooks, emails and exchange
  pulls are due: every loop of ``bureau serve`` fails, backs off, and carries on afterwards;
- a worker killed (SIGKILL) at each step of dispatch and sending (``bureau.core.faults``);
- a receiver that answers slowly, answers 500, or closes the connection.

De-duplication is by the delivery's id, which receivers get as ``webhook-id`` and in the email's
``X-Bureau-Delivery`` header; the same id on every try is what makes at-least-once safe.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bureau.core.faults import POINTS
from bureau.delivery.tests.receiver import Receiver
from bureau.delivery.tests.test_email import Inbox, free_port, smtp_server
from tests.exchange.support import FakeLog, FakePeer, Node, add_peer, item_body, make_node
from tests.exchange.support import serving as serving_node
from tests.live import support
from tests.live.support import BUREAU, REPO, WORKER_REDIS_URL, run

WAIT = 120.0  # a bound on a hung run, not a timing
ITEMS = 3
# Each item reaches the subscriber by webhook, email and its live stream: the live one makes a
# batch's announcement after its commit (dispatch.announcing) a step that can be killed.
CHANNELS = 3
NAMESPACE = uuid.UUID("5a1e0000-0000-4000-8000-00000000fa17")

SETUP = """
import django, sys
django.setup()
from bureau.accounts.services import organisation_create, user_create
from bureau.alerts.services import endpoint_create, subscription_create
chamber = organisation_create(actor=None, data={"name": "Chamber", "kind": "chamber", "country": "AZ"})
staff = user_create(email="staff@az.example", password="x" * 12, organisation=chamber, role="staff")
member = user_create(email="trader@example.org", password="x" * 12, organisation=chamber, role="member")
endpoint, _ = endpoint_create(owner=member, url=sys.argv[1])
subscription_create(owner=member, data={"name": "Everything", "channels": [
    {"kind": "webhook", "endpoint": endpoint.pk}, {"kind": "email", "email_mode": "instant"},
    {"kind": "live"}]})
"""

PUBLISH = """
import django, sys
django.setup()
from bureau.accounts.models import User
from bureau.catalog import services
from tests.samples import lead_data
staff = User.objects.get(email="staff@az.example")
prepared = [services.item_prepare(actor=staff, data=lead_data(title=f"{sys.argv[1]} {n}"))
            for n in range(int(sys.argv[2]))]
services.items_save(prepared, actor=staff, publish=True)
"""


@dataclass
class World:
    node: Node
    receiver: Receiver
    inbox: Inbox
    home: Path

    @property
    def env(self) -> dict[str, str]:
        return self.node.store.env

    def script(self, code: str, *args: str) -> str:
        done = run(self.node.store, sys.executable, "-c", code, *args)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def publish(self, prefix: str, count: int = ITEMS) -> None:
        self.script(PUBLISH, prefix, str(count))

    def deliveries(self, prefix: str) -> list[tuple[str, str, str]]:
        """(kind, status, uid) of every delivery of the items whose title starts with prefix."""
        rows = self.node.query(
            "SELECT d.kind, d.status, d.uid FROM delivery_delivery d"
            " JOIN catalog_item i ON i.id = d.item_id WHERE i.title LIKE ?",
            (f"{prefix}%",),
        )
        return [(kind, status, str(uuid.UUID(str(uid)))) for kind, status, uid in rows]

    def emailed(self) -> Counter[str]:
        return Counter(r.message["X-Bureau-Delivery"] for r in list(self.inbox.received))

    def all_made_once(self, prefix: str, items: int) -> bool:
        """Every delivery of these items recorded as delivered, and seen by its receiver."""
        rows = self.deliveries(prefix)
        if len(rows) < CHANNELS * items or any(status != "delivered" for _, status, _ in rows):
            return False
        hooks = {u for kind, _, u in rows if kind == "webhook"}
        mails = {u for kind, _, u in rows if kind == "email"}
        return hooks <= set(self.receiver.ok_ids) and mails <= set(self.emailed())

    def expire_leases(self) -> None:
        """A killed worker's leases run out: move them to the past instead of waiting."""
        sql = (
            "UPDATE delivery_delivery SET lease_until = '2000-01-01 00:00:00'"
            " WHERE lease_until IS NOT NULL"
        )
        if self.node.store.pg_name:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:  # commits at the end
                conn.execute(sql)
            return
        path = Path(self.env["BUREAU_HOME"]) / "bureau.sqlite3"
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db, db:
            db.execute(sql)


def this_run_uses_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


@contextlib.contextmanager
def world_at(home: Path, **extra: str) -> Iterator[World]:
    receiver = Receiver().start()
    inbox, port = Inbox(), free_port()
    smtp = smtp_server(inbox, port)
    node = make_node(
        home / "node", "az-islamabad", postgres=this_run_uses_postgres(),
        BUREAU_WEBHOOK_ALLOW_PRIVATE="true", BUREAU_WEBHOOK_TIMEOUT="1",
        BUREAU_WEBHOOK_RETRY_DELAYS=",".join(["0.2"] * 30),
        BUREAU_SMTP_HOST="127.0.0.1", BUREAU_SMTP_PORT=str(port), **extra,
    )  # fmt: skip
    try:
        world = World(node, receiver, inbox, home)
        world.script(SETUP, receiver.url)
        yield world
    finally:
        node.store.drop()
        smtp.stop()
        receiver.stop()


wait_for = functools.partial(support.wait_for, timeout=WAIT)


def start_worker(world: World, *args: str, **extra: str) -> subprocess.Popen[bytes]:
    """``bureau worker``; its log is appended to worker.log in the world's folder."""
    with (world.home / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [BUREAU, "worker", "--poll", "0.1", *args],
            env={"REDIS_URL": WORKER_REDIS_URL, **world.env, **extra}, cwd=REPO,
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def assert_made_exactly_once(world: World, prefix: str, items: int) -> None:
    rows = world.deliveries(prefix)
    assert len(rows) == CHANNELS * items, rows  # one per (item, channel): none lost or doubled
    hooks = {u for kind, _, u in rows if kind == "webhook"}
    mails = {u for kind, _, u in rows if kind == "email"}
    live = {u for kind, _, u in rows if kind == "live"}
    assert len(hooks) == len(mails) == len(live) == items
    assert hooks <= set(world.receiver.ok_ids) and mails <= set(world.emailed())


# --- a worker killed at each step -------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_at(tmp_path_factory.mktemp("faults")) as made:
        yield made


@pytest.mark.parametrize("point", POINTS)
def test_a_worker_killed_at_each_step_loses_and_doubles_nothing(world, point):
    world.publish(point)
    crashing = start_worker(world, BUREAU_FAILPOINT=point)
    try:
        assert crashing.wait(timeout=WAIT) == -9, f"the worker never reached {point}"
    finally:
        if crashing.poll() is None:
            stop(crashing)
    world.expire_leases()
    worker = start_worker(world)
    try:
        wait_for(lambda: world.all_made_once(point, ITEMS), f"every delivery after {point}",
                 lambda: world.deliveries(point))  # fmt: skip
    finally:
        stop(worker)
    assert_made_exactly_once(world, point, ITEMS)


# --- a receiver that misbehaves ---------------------------------------------------------------


@pytest.mark.parametrize("misbehaviour", ["slow", "fail", "close"])
def test_a_receiver_that_is_slow_fails_or_hangs_up_still_gets_everything_once(world, misbehaviour):
    world.receiver.first_try = misbehaviour
    try:
        prefix = f"receiver {misbehaviour}"
        world.publish(prefix)
        worker = start_worker(world)
        try:
            wait_for(
                lambda: world.all_made_once(prefix, ITEMS),
                f"deliveries to a {misbehaviour} receiver",
            )
        finally:
            stop(worker)
    finally:
        world.receiver.first_try = ""
    assert_made_exactly_once(world, prefix, ITEMS)
    hooks = {u for kind, _, u in world.deliveries(prefix) if kind == "webhook"}
    assert all(world.receiver.seen[u] >= 2 for u in hooks)  # each first try really failed


def test_a_worker_process_answers_readyz_for_its_loops(world):
    from tests.live.support import free_port as any_port

    port = any_port()
    worker = start_worker(world, "--health-port", str(port))
    try:
        wait_for(lambda: set(EVERY_LOOP) <= set(loops_of(f"http://127.0.0.1:{port}")),
                 "the worker's /readyz")  # fmt: skip
        answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        alive = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
    finally:
        stop(worker)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert alive.status_code == 200


EVERY_LOOP = (
    "dispatch",
    "webhooks",
    "email",
    "email-digest",
    "expire",
    "exchange-pull",
    "exchange-push",
)


# --- the database locked for longer than the lock timeout -------------------------------------


class DatabaseLock:
    """Hold what every loop needs: SQLite's write lock, or PostgreSQL table locks."""

    def __init__(self, node: Node) -> None:
        self.conn: Any
        if node.store.pg_name:
            import psycopg

            self.conn = psycopg.connect(node.store.env["DATABASE_URL"])
            self.conn.execute(
                "LOCK TABLE delivery_delivery, delivery_outboxevent, exchange_peer"
                " IN EXCLUSIVE MODE"
            )
        else:
            path = Path(node.store.env["BUREAU_HOME"]) / "bureau.sqlite3"
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None


def loops_of(base_url: str) -> dict[str, dict[str, Any]]:
    """The loops a worker's ``--health-port`` reports at /readyz."""
    with contextlib.suppress(httpx.HTTPError, ValueError):
        answer = httpx.get(f"{base_url}/readyz", timeout=10).json()
        return {loop["name"]: loop for loop in answer["loops"]}
    return {}


def ready(base_url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200
    return False


LOOPS_UNDER_TEST = ("dispatch", "webhooks", "email", "exchange-pull")


def all_failed(log_path: Path) -> bool:
    """Whether every loop under test has logged a failed round."""
    log = log_path.read_text(errors="replace")
    return all(f"{name}: a round failed" in log for name in LOOPS_UNDER_TEST)


def peer_with_items(name: str) -> FakePeer:
    fake = FakePeer(FakeLog(name))
    for n in range(ITEMS):
        uid = str(uuid.uuid5(NAMESPACE, f"{name}-{n}"))
        fake.log.append("item.published", item_body(uid, f"peer lot {n}", org_uid=str(NAMESPACE)))
    return fake.start()


def test_a_database_locked_longer_than_the_lock_timeout_stops_no_loop_for_good(tmp_path):
    fake = peer_with_items("pk-fake")
    log_path = tmp_path / "serve.log"
    try:
        with world_at(tmp_path, BUREAU_DB_LOCK_TIMEOUT="1") as world:
            add_peer(world.node, "pk-fake", fake.url, fake.log.public_key)
            world.publish("local")  # webhooks and emails due, and the peer's events to pull
            lock = DatabaseLock(world.node)
            try:
                with serving_node(world.node, log_path) as server:
                    wait_for(lambda: all_failed(log_path), "every loop to fail",
                             lambda: log_path.read_text(errors="replace")[-3000:])  # fmt: skip
                    lock.release()
                    wait_for(
                        lambda: (
                            world.all_made_once("local", ITEMS)
                            and world.all_made_once("peer lot", ITEMS)
                        ),
                        "every delivery once the lock is gone",
                        lambda: world.deliveries(""),
                    )
                    wait_for(lambda: ready(server.base_url), "the node to be ready again")
            finally:
                lock.release()
            assert_made_exactly_once(world, "local", ITEMS)
            assert_made_exactly_once(world, "peer lot", ITEMS)
    finally:
        fake.stop()
    log = log_path.read_text(errors="replace")
    assert "restarting it" not in log  # no loop's thread died: each carried on by itself
    assert "Event loop is closed" not in log
