"""A node backed up while it serves and writes, restored into a fresh home, carries on.

Real processes on this run's engine (SQLite, or PostgreSQL with the database copied the
operator's way, pg_dump and pg_restore, beside `bureau backup`), a real webhook receiver, a
real concurrent writer publishing through the API while the archive is taken. Afterwards the
restored node has the same items, key, peer cursors and trade statistics, and every delivery
it holds reaches the receiver exactly once: the ones delivered before are not sent again, the
ones pending are sent.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bureau.delivery.tests.receiver import Receiver
from tests.exchange.support import wait_for
from tests.live.support import Store, lead, publish, run, serving, store_for_this_run
from tests.operations.support import (
    ITEMS_SQL,
    PEERS_SQL,
    bureau,
    execute,
    import_trade,
    pg_dump,
    query,
    target_for,
)

SETUP = """
import django, json, sys
django.setup()
from bureau.accounts.services import organisation_create, token_create, user_create
from bureau.alerts.services import endpoint_create, subscription_create
chamber = organisation_create(actor=None, data={"name": "Chamber", "kind": "chamber", "country": "AZ"})
staff = user_create(email="staff@az.example", password="x" * 12, organisation=chamber, role="staff")
endpoint, _ = endpoint_create(owner=staff, url=sys.argv[1])
subscription_create(owner=staff, data={"name": "Rice", "hs_prefixes": ["1006"],
                    "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]})
print(json.dumps({"token": token_create(user=staff)}))
"""
WEBHOOKS_SQL = "SELECT uid, status FROM delivery_delivery WHERE kind = 'webhook'"
FAKE_PEER_KEY = "ed25519:" + "A" * 43
ENV = {
    "BUREAU_WEBHOOK_ALLOW_PRIVATE": "true",
    "BUREAU_WEBHOOK_TIMEOUT": "2",
    # Failed deliveries retry every second for minutes: still pending when the node is restored.
    "BUREAU_WEBHOOK_RETRY_DELAYS": ",".join(["1"] * 300),
}


class Writer(threading.Thread):
    """Publishes items through the API until stopped: the writes going on during the backup."""

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base_url, self.token = base_url, token
        self.published: list[str] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                title = f"Rice lot written during the backup {len(self.published)}"
                self.published.append(publish(self.base_url, self.token, lead(title=title))["uid"])
        except BaseException as error:
            self.error = error


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver().start()
    yield made
    made.stop()


@pytest.fixture
def source(tmp_path: Path, receiver: Receiver) -> Iterator[Store]:
    store = store_for_this_run(tmp_path / "source", **ENV)
    yield store
    store.drop()


def _uids(rows: list[tuple]) -> set[str]:
    return {str(row[0]).replace("-", "") for row in rows}


def _delivered(store: Store) -> int:
    return sum(1 for _, status in query(store, WEBHOOKS_SQL) if status == "delivered")


def test_backup_while_writing_then_restore_delivers_each_pending_delivery_once(
    source, receiver, tmp_path
):
    done = run(source, sys.executable, "-c", SETUP, receiver.url)
    assert done.returncode == 0, done.stderr
    token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
    bureau(source, "peer", "add", "pk-baku", "http://127.0.0.1:9/", "--key", FAKE_PEER_KEY)
    execute(source, "UPDATE exchange_peer SET cursor_seq = 42, cursor_hash = ?", ("ab" * 32,))
    import_trade(source, tmp_path)
    with serving(source) as server:
        before = [publish(server.base_url, token, lead(title=f"Rice {n}"))["uid"] for n in range(5)]
        wait_for(lambda: _delivered(source) == 5, "the first deliveries, recorded")
        receiver.fail_ratio = 1.0  # from now on nothing arrives: deliveries stay pending
        writer = Writer(server.base_url, token)
        writer.start()
        wait_for(lambda: len(writer.published) >= 5 and receiver.requests, "writes and failures")
        written_before_backup = list(writer.published)
        dump = tmp_path / "source.dump"
        if source.pg_name:
            pg_dump(source, dump)
        out = bureau(source, "backup", "--to", str(tmp_path / "node.tar.gz"))
        written = len(writer.published)
        wait_for(lambda: len(writer.published) >= written + 2, "writes after the backup")
        writer.stop.set()
        writer.join(timeout=60)
        assert writer.error is None, writer.error
    assert "Wrote" in out
    target = target_for(source, tmp_path / "restored", dump=dump if source.pg_name else None)
    try:
        _restore_and_check(
            source, target.store, tmp_path / "node.tar.gz", before, written_before_backup
        )
        _deliver_after_restore(target.store, receiver)
    finally:
        target.store.drop()


def _restore_and_check(
    source: Store, target: Store, archive: Path, before: list[str], written: list[str]
) -> None:
    bureau(target, "restore", str(archive))
    restored_items, source_items = query(target, ITEMS_SQL), query(source, ITEMS_SQL)
    assert set(restored_items) <= set(source_items)  # a snapshot: nothing invented
    restored_uids = _uids(restored_items)
    assert {u.replace("-", "") for u in before + written} <= restored_uids
    assert len(restored_items) < len(source_items)  # what was written after it is not in it
    assert query(target, PEERS_SQL) == query(source, PEERS_SQL)
    assert query(target, PEERS_SQL)[0][3:] == (42, "ab" * 32)
    key = next(w for w in bureau(source, "node", "show").split() if w.startswith("ed25519:"))
    assert key in bureau(target, "node", "show")
    assert bureau(target, "trade", "datasets") == bureau(source, "trade", "datasets")
    waiting = [row for row in query(target, WEBHOOKS_SQL) if row[1] != "delivered"]
    outbox = query(target, "SELECT count(*) FROM delivery_outboxevent WHERE dispatched_at IS NULL")
    assert waiting or outbox[0][0], "nothing was pending in the snapshot: the test proves nothing"


def _deliver_after_restore(target: Store, receiver: Receiver) -> None:
    already = set(receiver.ok_ids)
    receiver.fail_ratio = 0.0
    with serving(target) as server:
        wait_for(
            lambda: (
                query(
                    target, "SELECT count(*) FROM delivery_outboxevent WHERE dispatched_at IS NULL"
                )[0][0]
                == 0
                and all(status == "delivered" for _, status in query(target, WEBHOOKS_SQL))
            ),
            "every restored delivery delivered",
        )
        metrics = httpx.get(f"{server.base_url}/metrics", timeout=10).text
    restored = _uids(query(target, WEBHOOKS_SQL))
    assert len(already) == 5  # before the backup
    # Every delivery the restored node holds arrived, those delivered before the backup once
    # (not again), the pending ones once; none of another.
    assert {uid.replace("-", "") for uid in receiver.ok_ids} == restored
    assert all(count == 1 for count in receiver.ok_ids.values()), receiver.ok_ids.most_common(3)
    assert "bureau_outbox_backlog_events 0.0" in metrics
