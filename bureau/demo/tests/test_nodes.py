"""A demo node (``bureau demo --node``): its folder, its chamber's content, every app's demo
part called with its name, and the other node introduced as its peer."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from bureau.catalog.models import Item
from bureau.demo import content, nodes, parts
from bureau.exchange import identity, keys
from bureau.exchange.models import Peer

pytestmark = pytest.mark.django_db


def test_a_node_loads_its_content_calls_every_part_with_its_name_and_meets_its_peer(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, other = nodes.BAKU, nodes.ISLAMABAD
    # This process already runs as the Baku node, so the command runs in place.
    settings.BUREAU_HOME = node.home(tmp_path)
    settings.BUREAU_NODE_NAME, settings.BUREAU_NODE_TITLE = node.name, node.title
    settings.BUREAU_DEMO_DATA = ""
    called: list[str] = []

    def probe(name: str) -> str:  # a demo part, registered as an app registers its own
        called.append(name)
        return "probed"

    monkeypatch.setitem(parts._parts, "probe", probe)
    out = io.StringIO()
    call_command("demo", "--node", "baku", "--no-serve", "--peer-port", "8123", stdout=out)

    assert called == ["pk-baku"]
    assert "Demo probe: probed" in out.getvalue() and "Demo trade:" in out.getvalue()
    assert Item.objects.count() == len(content.items_for(content.BAKU))
    peer = Peer.objects.get()
    assert (peer.name, peer.url, peer.title) == (other.name, "http://127.0.0.1:8123", other.title)
    # The peer's key is the other node's own, from its folder beside this one.
    other_key, created = identity.key_file_ensure(identity.key_path(other.home(tmp_path)))
    assert not created and peer.public_key == keys.public_text(other_key)

    call_command("demo", "--node", "baku", "--no-serve", stdout=io.StringIO())
    assert called == ["pk-baku", "pk-baku"] and Peer.objects.get().url == "http://127.0.0.1:8000"


def test_each_node_has_its_own_folder_name_and_address_and_shares_no_database() -> None:
    base = {"DATABASE_URL": "postgres://x/y", "REDIS_URL": "redis://", "PATH": "/bin"}
    env = nodes.environment(nodes.BAKU, root=Path("/srv/demo"), host="h", port=9001, base=base)
    assert env["BUREAU_HOME"] == "/srv/demo/baku" and env["BUREAU_NODE_NAME"] == "pk-baku"
    assert env["BUREAU_PUBLIC_URL"] == "http://h:9001" and env["PATH"] == "/bin"
    assert "DATABASE_URL" not in env and "REDIS_URL" not in env
    assert nodes.partner_of(nodes.BAKU) is nodes.ISLAMABAD
