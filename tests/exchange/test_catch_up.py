"""A receiver killed (SIGKILL) in the middle of catching up on 10,000 events ends, once
restarted, with exactly the sender's items: none missing, none twice.

The receiver runs on this test run's database engine, the sender on the other one.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.exchange.conftest import this_run_uses_postgres
from tests.exchange.support import (
    Node,
    add_peer,
    generate,
    make_node,
    pg_reachable,
    serving,
    wait_for,
)

EVENTS = 10_000


def uids(rows: list[tuple]) -> list[uuid.UUID]:
    return [uuid.UUID(str(row[0])) for row in rows]


def test_a_receiver_killed_mid_catch_up_ends_with_exactly_the_senders_items(tmp_path: Path):
    if problem := pg_reachable():
        pytest.skip(f"PostgreSQL is needed: {problem}")
    receiver_on_pg = this_run_uses_postgres()
    sender = make_node(tmp_path / "s", "az-islamabad", postgres=not receiver_on_pg)
    receiver = make_node(tmp_path / "r", "pk-baku", postgres=receiver_on_pg, country="PK")
    try:
        generate(sender, EVENTS)
        run_catch_up(sender, receiver, tmp_path)
    finally:
        sender.store.drop()
        receiver.store.drop()


def cursor(node: Node) -> int:
    rows = node.query("SELECT cursor_seq FROM exchange_peer WHERE name = 'az-islamabad'")
    return int(rows[0][0]) if rows else 0


def run_catch_up(sender: Node, receiver: Node, tmp_path: Path) -> None:
    with serving(sender, tmp_path / "sender.log") as source:
        add_peer(sender, "pk-baku", "http://127.0.0.1:9", receiver.public_key)
        server = serving(receiver, tmp_path / "receiver.log")
        target = server.__enter__()
        try:
            add_peer(receiver, "az-islamabad", source.base_url, sender.public_key)
            wait_for(lambda: cursor(receiver) >= 1000, "the first pages", timeout=300)
            target.kill()  # mid catch-up
        finally:
            server.__exit__(None, None, None)
        killed_at = cursor(receiver)
        assert 1000 <= killed_at < EVENTS, f"killed at {killed_at}: not in the middle"

        # Back up without its worker, the status page shows how far it is.
        with serving(receiver, tmp_path / "receiver.log", worker=False) as idle:
            page = httpx.get(f"{idle.base_url}/exchange/", timeout=10).text
            assert "Catching up" in page and f"{EVENTS - killed_at} events" in page, page[-3000:]

        with serving(receiver, tmp_path / "receiver.log"):
            wait_for(lambda: cursor(receiver) == EVENTS, "the rest of the log", timeout=600)
            time.sleep(0.5)  # nothing more may come
            assert cursor(receiver) == EVENTS
    check_same_items(sender, receiver)


def check_same_items(sender: Node, receiver: Node) -> None:
    sent = uids(sender.query("SELECT uid FROM catalog_item WHERE origin_node = 'az-islamabad'"))
    got = uids(receiver.query("SELECT uid FROM catalog_item WHERE origin_node = 'az-islamabad'"))
    assert len(sent) == EVENTS and len(got) == len(set(got)) == EVENTS and set(got) == set(sent)
    announced = receiver.scalar(
        "SELECT COUNT(*) FROM delivery_outboxevent e JOIN catalog_item i ON i.id = e.item_id "
        "WHERE i.origin_node = 'az-islamabad'"
    )
    audit = receiver.scalar(
        "SELECT COUNT(*) FROM catalog_itemtransition t JOIN catalog_item i ON i.id = t.item_id "
        "WHERE i.origin_node = 'az-islamabad'"
    )
    assert announced == EVENTS and audit == EVENTS  # each item announced and recorded once
    seqs = [row[0] for row in receiver.query("SELECT seq FROM exchange_receivedevent ORDER BY seq")]
    assert seqs == list(range(1, EVENTS + 1))
