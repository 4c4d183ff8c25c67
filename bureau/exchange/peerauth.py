"""Signed requests between nodes: every call to ``/exchange/v1/`` carries three headers.

``Bureau-Node`` (the caller's node name), ``Bureau-Timestamp`` (Unix seconds) and
``Bureau-Signature`` (Ed25519, base64url) over these lines joined by ``\\n``::

    bureau-request/1
    <METHOD>
    <target: the path from /exchange/v1/ on, with ?query if any>
    <timestamp>
    <caller's node name>
    <recipient's node name>
    <hex SHA-256 of the request body (of b"" when there is none)>

Naming the recipient stops a request meant for one node being replayed to another; the
timestamp bounds how long a captured request can be replayed at all. Pure: no Django here.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bureau.exchange import keys

NODE_HEADER = "Bureau-Node"
TIMESTAMP_HEADER = "Bureau-Timestamp"
SIGNATURE_HEADER = "Bureau-Signature"
PREFIX = "/exchange/v1/"
MAX_SKEW_SECONDS = 300
STAMP = re.compile(r"0|[1-9][0-9]{0,18}")


def target_of(path: str, query: str = "") -> str:
    """The signed target: the path from ``/exchange/v1/`` on (a proxy may add a prefix)."""
    start = path.find(PREFIX)
    target = path[start:] if start >= 0 else path
    return f"{target}?{query}" if query else target


def message(
    *, method: str, target: str, timestamp: int, sender: str, recipient: str, body: bytes
) -> bytes:
    lines = [
        "bureau-request/1",
        method.upper(),
        target,
        str(timestamp),
        sender,
        recipient,
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(lines).encode("utf-8")


def sign_headers(
    *,
    key: Ed25519PrivateKey,
    method: str,
    target: str,
    sender: str,
    recipient: str,
    body: bytes = b"",
    now: float | None = None,
) -> dict[str, str]:
    """The three headers that authenticate a request from ``sender`` to ``recipient``."""
    stamp = int(time.time() if now is None else now)
    signed = message(
        method=method, target=target, timestamp=stamp, sender=sender, recipient=recipient, body=body
    )
    return {
        NODE_HEADER: sender,
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: keys.sign(key, signed),
    }


@dataclass(frozen=True)
class Claimed:
    """What a request says about itself, before it is checked."""

    sender: str
    timestamp: str
    signature: str


def check(
    claimed: Claimed,
    *,
    public_key: Ed25519PublicKey,
    method: str,
    target: str,
    recipient: str,
    body: bytes,
    now: float | None = None,
) -> str | None:
    """Why the request is not authentic, or None when it is."""
    if not STAMP.fullmatch(claimed.timestamp):
        # One spelling only: the signed line is re-rendered from the number.
        return f"{TIMESTAMP_HEADER} must be Unix seconds: decimal digits, no sign, no leading zero"
    skew = abs((time.time() if now is None else now) - int(claimed.timestamp))
    if skew > MAX_SKEW_SECONDS:
        return f"{TIMESTAMP_HEADER} is {int(skew)} s away from this node's clock (at most {MAX_SKEW_SECONDS})"
    signed = message(
        method=method,
        target=target,
        timestamp=int(claimed.timestamp),
        sender=claimed.sender,
        recipient=recipient,
        body=body,
    )
    if not keys.verify(public_key, claimed.signature, signed):
        return f"{SIGNATURE_HEADER} does not verify with the key configured for {claimed.sender}"
    return None
