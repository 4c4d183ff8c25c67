"""``bureau peer ...``, ``bureau node show`` and the node key made by ``bureau init``."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bureau.exchange import identity, keys
from bureau.exchange.models import Peer
from tests.exchange.support import FakeLog, FakePeer

pytestmark = pytest.mark.django_db


def bureau(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def fake():
    server = FakePeer(FakeLog("pk-baku")).start()
    yield server
    server.stop()


def test_node_show_prints_what_the_other_side_needs(settings):
    settings.BUREAU_PUBLIC_URL = "https://bureau.baku.example:8443/"
    shown = bureau("node", "show")
    assert settings.BUREAU_NODE_NAME in shown and identity.public_key() in shown
    assert (
        f"bureau peer add {settings.BUREAU_NODE_NAME} https://bureau.baku.example:8443 --key"
        in shown
    )


def test_node_show_suggests_no_address_it_does_not_know(settings):
    """``bureau serve`` may listen on any port: without BUREAU_PUBLIC_URL, no guess."""
    settings.BUREAU_PUBLIC_URL = ""
    shown = bureau("node", "show")
    assert f"bureau peer add {settings.BUREAU_NODE_NAME} URL --key" in shown
    assert "127.0.0.1:8000" not in shown and "BUREAU_PUBLIC_URL" in shown


def test_add_checks_the_peer_and_list_shows_its_state(fake):
    out = bureau("peer", "add", "pk-baku", fake.url, "--key", fake.log.public_key)
    assert "Added peer pk-baku" in out and "answers as configured" in out
    Peer.objects.filter(name="pk-baku").update(head_seq=10, cursor_seq=4, last_error="no answer")
    listing = bureau("peer", "list")
    assert "pk-baku" in listing and "active" in listing and "no answer" in listing
    assert listing.splitlines()[0].split()[:4] == ["name", "state", "applied", "behind"]
    assert "6" in listing.splitlines()[1].split()


def test_check_names_a_wrong_key_or_name(fake):
    bureau("peer", "add", "pk-baku", fake.url, "--key", FakeLog("x").public_key)
    with pytest.raises(CommandError):
        bureau("peer", "check", "pk-baku")
    fake.log.name = "someone-else"
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("peer", "check", "pk-baku", stdout=out)
    assert "calls itself 'someone-else'" in out.getvalue()


def test_bad_input_is_named_and_nothing_is_added(settings):
    with pytest.raises(CommandError, match="key: is not an Ed25519 public key"):
        bureau("peer", "add", "pk-baku", "http://127.0.0.1:9", "--key", "ssh-rsa AAAA")
    with pytest.raises(CommandError, match="url: 'ftp://x' is not an http"):
        bureau("peer", "add", "pk-baku", "ftp://x", "--key", FakeLog("x").public_key)
    with pytest.raises(CommandError, match="name: is this node's own name"):
        bureau(
            "peer",
            "add",
            settings.BUREAU_NODE_NAME,
            "http://127.0.0.1:9",
            "--key",
            FakeLog("x").public_key,
        )
    assert not Peer.objects.exists()
    with pytest.raises(CommandError, match="there is no peer 'nobody'"):
        bureau("peer", "pause", "nobody")


def test_pause_resume_and_remove(fake):
    bureau("peer", "add", "pk-baku", fake.url, "--key", fake.log.public_key)
    assert "Paused" in bureau("peer", "pause", "pk-baku")
    assert Peer.objects.get().state == "paused"
    Peer.objects.update(state="broken", failures=3)
    assert "Resumed pk-baku from event 0" in bureau("peer", "resume", "pk-baku")
    peer = Peer.objects.get()
    assert peer.state == "active" and peer.failures == 0
    assert "its items stay here" in bureau("peer", "remove", "pk-baku")
    assert not Peer.objects.exists()


def test_init_makes_a_private_node_key_once(settings, tmp_path: Path):
    settings.BUREAU_HOME = tmp_path
    first = bureau("init", "--no-input", "--skip-admin")
    path = tmp_path / "node_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.public_key() in first and "new key" in first
    again = bureau("init", "--no-input", "--skip-admin")
    assert "new key" not in again and identity.public_key() in again


def test_the_key_can_come_from_the_environment(settings, tmp_path: Path):
    key = keys.generate()
    settings.BUREAU_HOME = tmp_path
    settings.BUREAU_NODE_KEY = keys.b64encode(key.private_bytes_raw())
    assert identity.public_key() == keys.public_text(key)
    assert "BUREAU_NODE_KEY" in bureau("init", "--no-input", "--skip-admin")
    assert not (tmp_path / "node_key").exists()
