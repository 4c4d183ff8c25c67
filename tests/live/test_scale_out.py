"""The scale-out deployment as an operator sets it up: PostgreSQL, Redis, two `bureau serve
--no-worker` and two `bureau worker`, real HTTP to real webhook receivers.

The web processes reach the database as ``127.0.0.1`` and the workers as ``localhost``, so every
live event here also shows that the live channel does not depend on how a process spells its
connection. Around it: a worker without Redis, a worker killed between committing and announcing
live deliveries, the limit of requests in flight per webhook endpoint across workers, a process
with a node key or secret key of its own, and workers killed at random points, after which
every webhook and every live event has been made exactly once after de-duplication by id.
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bureau.delivery.tests.receiver import Receiver
from tests.live.support import (
    BUREAU,
    REPO,
    Event,
    Process,
    Store,
    StreamReader,
    free_port,
    lead,
    make_store,
    publish,
    run,
    serving,
)

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_SPELLED_OTHERWISE = "postgres://postgres@localhost:5432"
# Pub/sub ignores the database number; the number keeps this test's cache keys apart.
REDIS_URL = "redis://127.0.0.1:6379/14"
WAIT = 90.0  # a bound on a hung run, not a timing

SETUP = """
import django, json, sys
django.setup()
from bureau.accounts.services import organisation_create, token_create, user_create
from bureau.alerts.services import endpoint_create, subscription_create
chamber = organisation_create(actor=None, data={"name": "Chamber", "kind": "chamber", "country": "AZ"})
company = organisation_create(actor=None, data={"name": "Trader", "kind": "company", "country": "PK"}, chamber=chamber)
staff = user_create(email="staff@az.example", password="x" * 12, organisation=chamber, role="staff")
out = {"staff_token": token_create(user=staff), "members": {}}
# rice: a live stream of rice; hook: rice to the flaky receiver; tea: tea to the slow receiver.
for name, prefix, url in (("rice", "10", ""), ("hook", "10", sys.argv[1]), ("tea", "0902", sys.argv[2])):
    user = user_create(email=f"{name}@trader.example", password="x" * 12, organisation=company, role="member")
    channels = [{"kind": "live"}]
    if url:
        endpoint, _secret = endpoint_create(owner=user, url=url)
        channels = [{"kind": "webhook", "endpoint": endpoint.pk}]
    subscription_create(owner=user, data={"name": name.title(), "hs_prefixes": [prefix], "channels": channels})
    out["members"][name] = {"id": user.pk, "token": token_create(user=user)}
print(json.dumps(out))
"""


def _reachable() -> str:
    try:
        import psycopg
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except Exception as error:
        return str(error)
    return ""


def wait_for(condition: Callable[[], bool], what: str, describe: Callable[[], Any] = str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {describe()}"
        time.sleep(0.05)


@dataclass
class Cluster:
    store: Store
    seeded: dict[str, Any]
    flaky: Receiver  # rice items' webhooks: fails a fifth of first tries
    slow: Receiver  # tea items' webhooks: answers each request after a while
    webs: list[Process]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    home: Path = Path()

    @property
    def worker_env(self) -> dict[str, str]:
        name = self.store.env["DATABASE_URL"].rsplit("/", 1)[1]
        return {**self.store.env, "DATABASE_URL": f"{PG_SPELLED_OTHERWISE}/{name}"}

    def start_worker(self, **extra: str) -> subprocess.Popen[bytes]:
        with (self.home / "worker.log").open("ab") as log:
            popen = subprocess.Popen(
                [BUREAU, "worker", "--poll", "0.1"],
                env={**self.worker_env, **extra},
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.workers.append(popen)
        return popen

    def stop_workers(self) -> None:
        for popen in self.workers:
            popen.terminate()
        for popen in self.workers:
            try:
                popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
        self.workers.clear()

    def stream(self, web: Process, member: str) -> StreamReader:
        token = self.seeded["members"][member]["token"]
        return StreamReader(
            f"{web.base_url}/api/v1/stream", headers={"Authorization": f"Bearer {token}"}
        ).start()

    def publish(self, title: str, **fields: Any) -> int:
        web = self.webs[hash(title) % len(self.webs)]
        return int(
            publish(web.base_url, self.seeded["staff_token"], lead(title=title, **fields))["id"]
        )

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.store.env["DATABASE_URL"]) as conn:
            return list(conn.execute(query, params or None).fetchall())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if problem := _reachable():
        pytest.skip(f"PostgreSQL and Redis are needed: {problem}")
    home = tmp_path_factory.mktemp("scale-out")
    flaky = Receiver(fail_ratio=0.0, first_try="").start()
    slow = Receiver(delay_seconds=0.2).start()
    store = make_store(
        home / "home",
        pg_server=PG_SERVER,
        REDIS_URL=REDIS_URL,
        BUREAU_WEBHOOK_ALLOW_PRIVATE="true",
        BUREAU_WEBHOOK_TIMEOUT="1",
        BUREAU_WEBHOOK_RETRY_DELAYS=",".join(["0.2"] * 30),
    )
    try:
        done = run(store, sys.executable, "-c", SETUP, flaky.url, slow.url)
        assert done.returncode == 0, done.stderr[-3000:]
        seeded = json.loads(done.stdout.strip().splitlines()[-1])
        with contextlib.ExitStack() as stack:
            webs = [stack.enter_context(serving(store, worker=False)) for _ in range(2)]
            world = Cluster(store, seeded, flaky, slow, webs, home=home)
            stack.callback(world.stop_workers)
            for _ in range(2):
                world.start_worker()
            yield world
    finally:
        store.drop()
        flaky.server.shutdown()
        slow.server.shutdown()


def requests_reach(receiver: Receiver, count: int) -> bool:
    return sum(receiver.seen.values()) >= count


def items_of(events: list[Event]) -> dict[int, set[str]]:
    """Item id -> the delivery ids that carried it (a resent event repeats its id)."""
    out: dict[int, set[str]] = defaultdict(set)
    for event in events:
        out[event.data["item"]["id"]].add(event.id)
    return out


def read_until(reader: StreamReader, items: set[int]) -> list[Event]:
    """Events until every one of ``items`` has arrived (twins included, as sent)."""
    events: list[Event] = []
    deadline = time.monotonic() + WAIT
    while not items <= set(items_of(events)):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"missing items {items - set(items_of(events))}"
        got = reader.next(timeout=remaining)
        if isinstance(got, Event):
            events.append(got)
    return events


# --- 1. the live channel, whatever the spelling of the database's address -------------------


def test_every_web_process_streams_events_dispatched_by_workers_spelling_the_database_otherwise(
    cluster,
):
    readers = [cluster.stream(web, "rice") for web in cluster.webs]
    published = {cluster.publish(f"Rice spelled {n}") for n in range(3)}
    for reader in readers:
        assert set(items_of(read_until(reader, published))) == published
        reader.stop()


# --- 2. a worker without Redis ---------------------------------------------------------------


def test_a_worker_without_redis_refuses_to_start_and_says_why(cluster):
    env = {k: v for k, v in cluster.worker_env.items() if k != "REDIS_URL"}
    done = subprocess.run(
        [BUREAU, "worker"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "bureau worker needs REDIS_URL" in done.stderr
    assert "the same on every process" in done.stderr


# --- 3. a worker killed between its commit and its announcement ------------------------------


def test_a_live_event_reaches_open_streams_when_its_worker_dies_before_announcing_it(cluster):
    readers = [cluster.stream(web, "rice") for web in cluster.webs]
    cluster.stop_workers()
    try:
        doomed = cluster.start_worker(BUREAU_FAILPOINT="dispatch.announcing")
        item = cluster.publish("Rice announced late")
        assert doomed.wait(timeout=WAIT) == -signal.SIGKILL
        # Committed, never announced: the deliveries are there, nobody has passed them on.
        rows = cluster.sql(
            "SELECT e.announced_at, count(d.id) FROM delivery_outboxevent e"
            " JOIN delivery_delivery d ON d.event_id = e.id"
            " WHERE e.item_id = %s AND d.kind = 'live' GROUP BY e.announced_at",
            item,
        )
        assert rows == [(None, 1)]
        cluster.workers.remove(doomed)
        cluster.start_worker()
        for reader in readers:
            assert set(items_of(read_until(reader, {item}))) == {item}
            reader.stop()
    finally:
        cluster.stop_workers()
        for _ in range(2):
            cluster.start_worker()


# --- 4. requests in flight per webhook endpoint, across workers ------------------------------


def test_no_endpoint_ever_has_more_than_four_requests_in_flight_across_workers(cluster):
    ids = [cluster.publish(f"Tea lot {n}", hs_code="090210", product="Tea") for n in range(24)]
    rows = lambda: cluster.sql(  # noqa: E731
        "SELECT d.uid, d.status FROM delivery_delivery d"
        " WHERE d.kind = 'webhook' AND d.item_id = ANY(%s)",
        ids,
    )
    wait_for(
        lambda: len(rows()) == 24 and all(status == "delivered" for _, status in rows()),
        "24 webhooks delivered",
        rows,
    )
    assert {str(uid) for uid, _ in rows()} <= set(cluster.slow.ok_ids)
    assert cluster.slow.most_open <= 4, f"{cluster.slow.most_open} requests in flight at once"
    assert cluster.slow.most_open >= 2  # the receiver was indeed used concurrently


# --- 5. one node, one identity ---------------------------------------------------------------


def test_a_process_with_its_own_home_refuses_to_start_naming_the_settings_to_share(
    cluster, tmp_path
):
    other = {**cluster.store.env, "BUREAU_HOME": str(tmp_path / "elsewhere")}
    done = subprocess.run(
        [BUREAU, "serve", "--no-worker", "--port", str(free_port())],
        env=other,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "is not the key of node" in done.stderr
    assert "BUREAU_NODE_KEY and BUREAU_SECRET_KEY" in done.stderr

    # The same node key, but a secret key of its own: sessions would not carry over.
    key = (Path(cluster.store.env["BUREAU_HOME"]) / "node_key").read_text()
    done = subprocess.run(
        [BUREAU, "worker"],
        env={**other, "BUREAU_NODE_KEY": key},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "secret key" in done.stderr and "BUREAU_SECRET_KEY" in done.stderr


def test_a_session_from_one_web_process_opens_a_stream_on_the_other(cluster):
    import httpx

    with httpx.Client(base_url=cluster.webs[0].base_url, timeout=30) as browser:
        browser.get("/accounts/login/")
        answer = browser.post(
            "/accounts/login/",
            data={
                "username": "rice@trader.example",
                "password": "x" * 12,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers={"Referer": f"{cluster.webs[0].base_url}/accounts/login/"},
        )
        assert answer.status_code == 302, answer.text[:500]
        cookies = dict(browser.cookies)
    # start() fails unless the other process accepted the session and opened the stream.
    reader = StreamReader(f"{cluster.webs[1].base_url}/api/v1/stream", cookies=cookies).start()
    item = cluster.publish("Rice for a session")
    assert set(items_of(read_until(reader, {item}))) == {item}
    reader.stop()


# --- everything at once: workers killed at random points -------------------------------------


def test_every_webhook_and_live_event_exactly_once_after_deduplication_with_workers_killed(
    cluster,
):
    chance = random.Random()
    seed = chance.randrange(10**6)
    chance.seed(seed)
    cluster.flaky.fail_ratio = 0.2
    readers = [cluster.stream(web, "rice") for web in cluster.webs]
    published: set[int] = set()
    for round_ in range(3):
        # Kill one worker at a random moment of the round's work, then start another.
        target = sum(cluster.flaky.seen.values()) + chance.randrange(0, 8)
        published |= {cluster.publish(f"Rice kill {round_}.{n}") for n in range(8)}
        wait_for(functools.partial(requests_reach, cluster.flaky, target), "webhook requests")
        victim = cluster.workers.pop(chance.randrange(len(cluster.workers)))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        cluster.start_worker()

    hooks = lambda: cluster.sql(  # noqa: E731
        "SELECT d.uid, d.status FROM delivery_delivery d"
        " JOIN catalog_item i ON i.id = d.item_id"
        " WHERE d.kind = 'webhook' AND i.title LIKE 'Rice kill %'"
    )
    wait_for(
        lambda: len(hooks()) == len(published) and all(s == "delivered" for _, s in hooks()),
        f"every webhook delivered (seed {seed})",
        hooks,
    )
    delivered = {str(uid) for uid, _ in hooks()}
    assert delivered <= set(cluster.flaky.ok_ids), f"seed {seed}"
    # Each item reached the receiver under one webhook-id only: resent, never duplicated.
    by_item: dict[str, set[str]] = defaultdict(set)
    for request in list(cluster.flaky.requests):
        if request.json["data"]["id"] in published:
            by_item[request.json["data"]["uid"]].add(request.headers["webhook-id"])
    assert len(by_item) == len(published) and all(len(ids) == 1 for ids in by_item.values())

    for reader in readers:
        carried = items_of(read_until(reader, published))
        assert set(carried) >= published, f"seed {seed}"
        assert all(len(carried[item]) == 1 for item in published), f"seed {seed}"
        reader.stop()
