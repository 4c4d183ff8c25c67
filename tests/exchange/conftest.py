"""Live nodes for the exchange tests: real ``bureau serve`` processes, each with its own database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.exchange.support import Node, Server, add_peer, make_node, pg_reachable, serving
from tests.live.support import seed


@dataclass
class Pair:
    """Two peered nodes: ``a`` on SQLite, ``b`` on PostgreSQL."""

    a: Node
    b: Node
    server_a: Server
    server_b: Server
    seeded_a: dict
    seeded_b: dict


def this_run_uses_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture(scope="module")
def need_postgres() -> None:
    if problem := pg_reachable():
        pytest.skip(f"PostgreSQL is needed: {problem}")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, need_postgres: None) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("pair")
    a = make_node(root / "a", "az-islamabad", postgres=False, country="AZ")
    b = make_node(root / "b", "pk-baku", postgres=True, country="PK")
    try:
        seeded_a = seed(a.store, {"rice": {"hs_prefixes": ["10"]}})
        seeded_b = seed(b.store, {"rice": {"hs_prefixes": ["10"]}})
        with serving(a, root / "a.log") as server_a, serving(b, root / "b.log") as server_b:
            add_peer(a, "pk-baku", server_b.base_url, b.public_key)
            add_peer(b, "az-islamabad", server_a.base_url, a.public_key)
            yield Pair(a, b, server_a, server_b, seeded_a, seeded_b)
    finally:
        b.store.drop()


@pytest.fixture(scope="module")
def lone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Server, dict]]:
    """One node on this run's database engine, for the faults of a (fake) peer."""
    if this_run_uses_postgres() and (problem := pg_reachable()):
        pytest.skip(f"PostgreSQL is needed: {problem}")
    root = tmp_path_factory.mktemp("lone")
    node = make_node(root / "n", "az-islamabad", postgres=this_run_uses_postgres())
    try:
        seeded = seed(node.store, {"rice": {"hs_prefixes": ["10"]}})
        with serving(node, root / "n.log") as server:
            yield node, server, seeded
    finally:
        node.store.drop()
