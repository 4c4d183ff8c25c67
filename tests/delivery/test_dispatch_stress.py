"""Subscriptions saved and items published at once, from threads of several processes, while two
workers dispatch: every (item, matching subscription) pair gets exactly one delivery.

Real processes on this run's database (an SQLite file, or PostgreSQL when the suite runs on it).
Each writer thread saves a subscription (half of them match the items), then publishes an item,
again and again. A subscription whose save returned before an item's publish began existed when
the item's event was committed, so it must get that item exactly once; one saved while the item
was being published may get it or not, but never twice; one that does not match never does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live.support import REPO, Store, run, store_for_this_run, working

PROCESSES, THREADS, ROUNDS = 2, 3, 12
WAIT = 180.0  # a bound on a hung run, not a timing

SETUP = """
import django
django.setup()
from bureau.accounts.services import organisation_create, user_create
chamber = organisation_create(actor=None, data={"name": "Chamber", "kind": "chamber", "country": "AZ"})
user_create(email="staff@az.example", password="x" * 12, organisation=chamber, role="staff")
for n in range(int(__import__("sys").argv[1])):
    user_create(email=f"trader{n}@example.org", password="x" * 12, organisation=chamber, role="member")
"""

# argv: process number, threads, rounds. Prints one JSON line per thread.
WRITER = """
import django, json, sys, threading, time
django.setup()
from django.db import connection
from bureau.accounts.models import User
from bureau.alerts.services import subscription_create
from bureau.catalog import services
from tests.samples import lead_data
process, threads, rounds = (int(a) for a in sys.argv[1:4])
staff = User.objects.get(email="staff@az.example")
barrier = threading.Barrier(threads)
printing = threading.Lock()  # print writes the line and its end apart: threads would interleave

def write(thread):
    member = User.objects.get(email=f"trader{process * threads + thread}@example.org")
    out = {"subscriptions": [], "items": []}
    barrier.wait()
    for n in range(rounds):
        matching = (n + thread) % 2 == 0
        subscription = subscription_create(owner=member, data={
            "name": f"s{process}-{thread}-{n}", "hs_prefixes": ["10" if matching else "27"]})
        out["subscriptions"].append([subscription.pk, matching, time.monotonic()])
        started = time.monotonic()
        prepared = services.item_prepare(actor=staff, data=lead_data(title=f"Rice {process}-{thread}-{n}"))
        item, = services.items_save([prepared], actor=staff, publish=True)
        out["items"].append([item.pk, started])
    connection.close()
    with printing:
        print(json.dumps(out), flush=True)

workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
"""

STATE = """
import django, json
django.setup()
from bureau.delivery.models import Delivery, OutboxEvent
print(json.dumps({
    "undispatched": OutboxEvent.objects.filter(dispatched_at__isnull=True).count(),
    "pairs": list(Delivery.objects.values_list("item_id", "subscription_id")),
}))
"""


def script(store: Store, code: str, *args: str) -> str:
    done = run(store, sys.executable, "-c", code, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def store(tmp_path: Path):
    made = store_for_this_run(tmp_path)
    yield made
    made.drop()


def start_writer(store: Store, number: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", WRITER, str(number), str(THREADS), str(ROUNDS)]
    return subprocess.Popen(
        command, env=store.env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_every_item_reaches_every_subscription_saved_before_it_exactly_once(store):
    script(store, SETUP, str(PROCESSES * THREADS))
    with working(store), working(store):
        writers = [start_writer(store, p) for p in range(PROCESSES)]
        outputs = []
        for writer in writers:
            out, err = writer.communicate(timeout=WAIT)
            assert writer.returncode == 0, err[-3000:]
            outputs += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        deadline = time.monotonic() + WAIT
        while (state := json.loads(script(store, STATE)))["undispatched"]:
            assert time.monotonic() < deadline, f"{state['undispatched']} events never dispatched"
            time.sleep(0.2)

    subscriptions = [s for out in outputs for s in out["subscriptions"]]
    items = [i for out in outputs for i in out["items"]]
    assert len(subscriptions) == len(items) == PROCESSES * THREADS * ROUNDS
    pairs = [tuple(p) for p in state["pairs"]]
    assert len(pairs) == len(set(pairs)), "an (item, subscription) pair was delivered twice"
    delivered = set(pairs)
    matching = {pk for pk, matches, _ in subscriptions if matches}
    assert not {s for _, s in delivered} - matching, "a subscription that does not match got items"
    owed = {
        (item, subscription)
        for item, started in items
        for subscription, matches, saved in subscriptions
        if matches and saved < started
    }
    lost = owed - delivered
    assert not lost, f"{len(lost)} of {len(owed)} deliveries lost, e.g. {sorted(lost)[:5]}"
    assert len(owed) > 500  # the interleaving gave the dispatcher plenty to get wrong
