"""A worker killed (SIGKILL) in the middle of 1,000 publishes loses nothing.

Real processes: `bureau worker` against its own database (SQLite file, or PostgreSQL when the
suite runs on it), a real HTTP receiver that counts every request by webhook-id.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bureau.delivery.tests.receiver import Receiver
from tests.live import support
from tests.live.support import BUREAU, REPO, WORKER_REDIS_URL, run, store_for_this_run

ITEMS = 1000
WAIT = 240.0

SETUP = """
import django, json, sys
django.setup()
from bureau.accounts.services import organisation_create, user_create
from bureau.alerts.services import endpoint_create, subscription_create
from bureau.catalog import services
url = sys.argv[1]
chamber = organisation_create(actor=None, data={"name": "Chamber", "kind": "chamber", "country": "AZ"})
staff = user_create(email="staff@az.example", password="x" * 12, organisation=chamber, role="staff")
endpoint, _ = endpoint_create(owner=staff, url=url)
subscription_create(owner=staff, data={"name": "Rice", "hs_prefixes": ["1006"],
                    "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]})
"""

PUBLISH = """
import django, sys
django.setup()
from bureau.accounts.models import User
from bureau.catalog import services
staff = User.objects.get(email="staff@az.example")
total, batch = int(sys.argv[1]), int(sys.argv[2])
for start in range(0, total, batch):
    prepared = [services.item_prepare(actor=staff, data={
        "kind": "lead", "title": f"Rice lot {n}", "side": "sell", "product": "Rice", "hs_code": "100630"})
        for n in range(start, start + batch)]
    services.items_save(prepared, actor=staff, publish=True)
"""

STATE = """
import django, json
django.setup()
from bureau.delivery.models import Delivery
print(json.dumps({s: Delivery.objects.filter(status=s).count() for s in ("pending", "retrying", "delivered", "dead")}
      | {"uids": [str(u) for u in Delivery.objects.values_list("uid", flat=True)]}))
"""


def script(store, code: str, *args: str) -> str:
    done = run(store, sys.executable, "-c", code, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_worker(store) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [BUREAU, "worker", "--poll", "0.1"],
        env={"REDIS_URL": WORKER_REDIS_URL, **store.env},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )


wait_for = functools.partial(support.wait_for, timeout=WAIT)


@pytest.fixture
def store(tmp_path: Path):
    made = store_for_this_run(
        tmp_path,
        BUREAU_WEBHOOK_ALLOW_PRIVATE="true",
        BUREAU_WEBHOOK_TIMEOUT="2",
        BUREAU_WEBHOOK_RETRY_DELAYS=",".join(["0.5"] * 20),
    )
    yield made
    made.drop()


def test_a_killed_worker_resumes_and_every_delivery_arrives(store):
    receiver = Receiver(delay_seconds=0.002).start()
    try:
        script(store, SETUP, receiver.url)
        publisher = subprocess.Popen(
            [sys.executable, "-c", PUBLISH, str(ITEMS), "50"], env=store.env, cwd=REPO
        )
        worker = start_worker(store)
        wait_for(lambda: len(receiver.ok_ids) >= 150, "the first deliveries")
        os.kill(worker.pid, signal.SIGKILL)  # mid-batch: publishing and sending are under way
        worker.wait()
        killed_at = len(receiver.ok_ids)
        assert publisher.wait(timeout=WAIT) == 0
        assert killed_at < ITEMS, "the kill came too late to prove anything"

        worker = start_worker(store)
        try:
            wait_for(
                lambda: len(receiver.ok_ids) >= ITEMS,
                "every delivery",
                lambda: f"{len(receiver.ok_ids)} received; {script(store, STATE)[:200]}",
            )
            wait_for(lambda: json.loads(script(store, STATE))["delivered"] == ITEMS, "the records")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        state = json.loads(script(store, STATE))
    finally:
        receiver.stop()
    assert set(receiver.ok_ids) == set(state["uids"]) and len(state["uids"]) == ITEMS
    assert (state["pending"], state["retrying"], state["dead"]) == (0, 0, 0)
    # At least once, idempotent by webhook-id: only requests in flight at the kill can repeat.
    repeated = sum(n - 1 for n in receiver.ok_ids.values())
    assert repeated <= 200
