"""The demo's two nodes, one per chamber, and what each needs to run beside the other.

Each keeps its own data folder under the demo's ``BUREAU_HOME`` (``islamabad/``, ``baku/``)
with its own SQLite database, key and trade statistics, and knows the other as a peer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bureau.demo import content
from bureau.exchange import identity, keys


@dataclass(frozen=True)
class DemoNode:
    key: str  # what `bureau demo --node` takes, and the name of its folder
    name: str  # the node's permanent name
    title: str
    country: str  # ISO alpha-2
    port: int

    def home(self, root: Path) -> Path:
        return root / self.key


ISLAMABAD = DemoNode(
    "islamabad", content.ISLAMABAD, "Azerbaijan Chamber of Commerce, Islamabad", "AZ", 8000
)
BAKU = DemoNode("baku", content.BAKU, "Pakistan Chamber of Commerce, Baku", "PK", 8001)
NODES = {node.key: node for node in (ISLAMABAD, BAKU)}

# Settings a node must not share with the other: each has its own database, key and cache.
NOT_SHARED = ("DATABASE_URL", "REDIS_URL", "BUREAU_NODE_KEY", "BUREAU_TRADE_DIR")


def partner_of(node: DemoNode) -> DemoNode:
    return BAKU if node is ISLAMABAD else ISLAMABAD


def environment(
    node: DemoNode, *, root: Path, host: str, port: int, base: Mapping[str, str]
) -> dict[str, str]:
    """``base`` (the caller's environment) set up for ``node``: its folder, name and address."""
    env = {k: v for k, v in base.items() if k not in NOT_SHARED}
    env.update(
        BUREAU_HOME=str(node.home(root)),
        BUREAU_NODE_NAME=node.name,
        BUREAU_NODE_TITLE=node.title,
        BUREAU_NODE_COUNTRY=node.country,
        BUREAU_PUBLIC_URL=f"http://{host}:{port}",
    )
    return env


def is_configured_as(node: DemoNode, *, home: Path, name: str, title: str) -> bool:
    """Whether this process already runs as ``node`` (its folder, name and title)."""
    return (home.name, name, title) == (node.key, node.name, node.title)


def public_key_of(node: DemoNode, root: Path) -> str:
    """The node's public key, from its key file (created now if it has none yet)."""
    key, _created = identity.key_file_ensure(identity.key_path(node.home(root)))
    return keys.public_text(key)


def root_of(home: Path) -> Path:
    """The demo's data folder, from one node's folder."""
    return Path(os.path.abspath(home)).parent
