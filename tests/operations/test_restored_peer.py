"""A node restored from its backup on a new home picks up replication with its peer where it
left off: neither side refuses anything, and new items flow both ways.

Real processes: two `bureau serve` nodes peered over HTTP; the first (on SQLite) is backed up
while serving, stopped, restored into a new BUREAU_HOME and started again at its address.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.exchange.support import Node, Server, add_peer, make_node, pg_reachable, wait_for
from tests.live.support import Store, lead, publish, seed

PEER_SQL = "SELECT state, cursor_seq, refused_count, last_error FROM exchange_peer WHERE name = ?"
REFUSED_SQL = "SELECT count(*) FROM exchange_receivedevent WHERE outcome = 'refused'"


def item_at(base_url: str, uid: str) -> bool:
    return httpx.get(f"{base_url}/api/v1/items/{uid}", timeout=10).status_code == 200


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if on_postgres and (problem := pg_reachable()):
        pytest.fail(f"PostgreSQL is needed: {problem}")
    a = make_node(tmp_path / "a", "az-islamabad", postgres=False, country="AZ")
    b = make_node(tmp_path / "b", "pk-baku", postgres=on_postgres, country="PK")
    try:
        yield a, b
    finally:
        b.store.drop()


def test_a_restored_node_resumes_replication_without_refusals(nodes, tmp_path):
    a, b = nodes
    token_a = seed(a.store, {})["staff_token"]
    token_b = seed(b.store, {})["staff_token"]
    server_a = Server(a, tmp_path / "a.log").start()
    server_b = Server(b, tmp_path / "b.log").start()
    restored_server = None
    try:
        add_peer(a, "pk-baku", server_b.base_url, b.public_key)
        add_peer(b, "az-islamabad", server_a.base_url, a.public_key)
        from_a = [
            publish(server_a.base_url, token_a, lead(title=f"A {n}"))["uid"] for n in range(3)
        ]
        from_b = [
            publish(server_b.base_url, token_b, lead(title=f"B {n}"))["uid"] for n in range(2)
        ]
        wait_for(lambda: all(item_at(server_b.base_url, u) for u in from_a), "A's items at B")
        wait_for(lambda: all(item_at(server_a.base_url, u) for u in from_b), "B's items at A")
        archive = tmp_path / "a.tar.gz"
        a.bureau("backup", "--to", str(archive))
        server_a.stop()

        restored = Node(a.name, Store({**a.store.env, "BUREAU_HOME": str(tmp_path / "a-new")}))
        restored.public_key = a.public_key
        restored.bureau("restore", str(archive))
        restored_server = Server(restored, tmp_path / "a-new.log")
        restored_server.port = server_a.port  # where its peer knows it
        restored_server.start()

        more_b = [
            publish(server_b.base_url, token_b, lead(title=f"B+{n}"))["uid"] for n in range(2)
        ]
        more_a = [
            publish(restored_server.base_url, token_a, lead(title=f"A+{n}"))["uid"]
            for n in range(2)
        ]
        wait_for(lambda: all(item_at(restored_server.base_url, u) for u in more_b), "B's new items")
        wait_for(lambda: all(item_at(server_b.base_url, u) for u in more_a), "A's new items at B")
        head_a = restored.scalar("SELECT last_seq FROM exchange_loghead WHERE node = ?", (a.name,))
        wait_for(
            lambda: b.query(PEER_SQL, ("az-islamabad",))[0][1] == head_a, "B's cursor on A's head"
        )
        # Read while both still serve: once one stops, the other's next pull records "refused".
        at_b = b.query(PEER_SQL, ("az-islamabad",))[0]
        at_restored = restored.query(PEER_SQL, ("pk-baku",))[0]
    finally:
        for server in (server_b, restored_server, server_a):
            if server is not None:
                server.stop()
    assert at_b == ("active", head_a, 0, "")
    state, _, refused, error = at_restored
    assert (state, refused, error) == ("active", 0, "")
    assert b.scalar(REFUSED_SQL) == 0 and restored.scalar(REFUSED_SQL) == 0
