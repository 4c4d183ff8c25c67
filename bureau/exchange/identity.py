"""This node's identity: its name, title, country and Ed25519 key pair.

The private key comes from ``BUREAU_NODE_KEY`` when set; otherwise it is kept in
``BUREAU_HOME/node_key`` (PKCS#8 PEM, mode 0600), created by ``bureau init`` or on first use.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from bureau.exchange import keys, vectors
from bureau.exchange.canonical import PROTOCOL

KEY_FILE_NAME = "node_key"
_lock = threading.Lock()
_cached: dict[tuple[str, str], Ed25519PrivateKey] = {}


def key_path(home: Path | None = None) -> Path:
    return Path(home or settings.BUREAU_HOME) / KEY_FILE_NAME


def node_key_ensure() -> tuple[Ed25519PrivateKey, bool]:
    """This node's private key, created in BUREAU_HOME (0600) if missing; True when created now."""
    if settings.BUREAU_NODE_KEY:
        return node_key(), False
    _key, created = key_file_ensure(key_path())
    return node_key(), created


def key_file_ensure(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The private key in ``path``, created there (0600) if missing; True when created now.

    The key is written under a temporary name and linked into place, so that when several
    processes start at once (the demo's two nodes), one creates it and the others read it
    whole."""
    if path.exists():
        path.chmod(0o600)  # a key copied in by hand keeps no wider permissions
        return _parse(path.read_text(), str(path)), False
    key = keys.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.new")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(keys.private_pem(key))
    try:
        os.link(partial, path)  # fails if another process linked its key first
    except FileExistsError:
        return _parse(path.read_text(), str(path)), False
    finally:
        partial.unlink()
    return key, True


def node_key() -> Ed25519PrivateKey:
    """This node's private key (from the environment or BUREAU_HOME, created there if missing)."""
    cache_key = (settings.BUREAU_NODE_KEY, str(key_path()))
    with _lock:
        if cache_key in _cached:
            return _cached[cache_key]
    if settings.BUREAU_NODE_KEY:
        key = _parse(settings.BUREAU_NODE_KEY, "BUREAU_NODE_KEY")
    elif key_path().exists():
        key = _parse(key_path().read_text(), str(key_path()))
    else:
        return node_key_ensure()[0]
    with _lock:
        _cached[cache_key] = key
    return key


def _parse(text: str, where: str) -> Ed25519PrivateKey:
    try:
        key = keys.parse_private(text)
    except ValueError as error:
        raise ImproperlyConfigured(f"{where}: not an Ed25519 private key ({error})") from error
    if keys.public_text(key) == vectors.test_public_key():
        raise ImproperlyConfigured(
            f"{where}: this is the published test key of the protocol's test vectors; anyone "
            "can sign with it. Remove it and let `bureau init` make a key of the node's own"
        )
    return key


def public_key() -> str:
    return keys.public_text(node_key())


def node_info() -> dict[str, Any]:
    """What ``/.well-known/bureau-node`` answers: enough for another node to add this one."""
    return {
        "name": settings.BUREAU_NODE_NAME,
        "title": settings.BUREAU_NODE_TITLE,
        "country": settings.BUREAU_NODE_COUNTRY,
        "public_key": public_key(),
        "protocol": PROTOCOL,
        # References relative to this document's own URL, so that they stay right when a
        # reverse proxy serves the node under a path prefix.
        "events": "../exchange/v1/events",
        "notify": "../exchange/v1/notify",
        "schemas": "../exchange/v1/schemas/",
    }
