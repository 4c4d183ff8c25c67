"""Check a run of a peer's events: form, origin, sequence, hash chain and signatures.

Pure: no Django. ``check_chain`` returns the events that can be taken and, when it stops
early, why the next one cannot; the caller applies them and stops replication from that
peer with the reason.

The rule (docs/exchange.md, "Receiving"): an event is taken when it is **vouched for**, that
is when a signature that verifies with the peer's key is on it or on a later event that
links back to it through ``prev``. Each ``prev`` is the hash of the whole previous event,
signature included, so one signature commits to everything before it. The outcome does not
depend on where pages are cut: unvouched events at the end of a page are judged with the
next page (the caller reads on), and stop replication only at the end of the log. ``"chain"`` mode checks every link and then
signatures from the last event backwards until one verifies (one check a page when all is
well); ``"every"`` mode checks every signature, with the same outcome, and reports the
events vouched for whose own signature fails (a fault in the peer's signing to look into).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.exchange import canonical as c
from bureau.exchange import keys


@dataclass(frozen=True)
class Verified:
    seq: int
    hash: str
    event: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.event["type"])

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.event["body"]
        return body


@dataclass
class ChainCheck:
    verified: list[Verified] = field(default_factory=list)
    problem: str = ""  # why the event after the verified ones can never be taken; "" if none
    waiting: str = ""  # the events after the verified ones end the page, not vouched for yet
    unsigned: list[int] = field(default_factory=list)  # vouched for, own signature fails


def check_chain(
    events: Sequence[Any],
    *,
    node: str,
    key: Ed25519PublicKey,
    after_seq: int,
    after_hash: str,
    every_signature: bool = False,
) -> ChainCheck:
    """Verify ``events``, which must continue the chain at (``after_seq``, ``after_hash``)."""
    linked, link_problem = _linked(events, node, after_seq, after_hash)
    signed = [_signature_ok(v, key) for v in linked] if every_signature else []
    last = _last_signed(linked, key, signed)
    result = ChainCheck(verified=linked[: last + 1])
    result.unsigned = [v.seq for v, ok in zip(result.verified, signed, strict=False) if not ok]
    unvouched = linked[last + 1 :]
    if unvouched and link_problem:
        result.problem = (
            _unsigned_reason(unvouched[0], node) + ", and no later event vouches for it"
        )
    elif unvouched:
        result.waiting = _unsigned_reason(unvouched[0], node)
    else:
        result.problem = link_problem
    return result


def _linked(events: Sequence[Any], node: str, seq: int, digest: str) -> tuple[list[Verified], str]:
    """The run of events that are well formed and linked, and why the next one is not."""
    out: list[Verified] = []
    for event in events:
        problem, encoded = _link(event, node=node, after_seq=seq, after_hash=digest)
        if problem:
            return out, problem
        digest, seq = hashlib.sha256(encoded).hexdigest(), event["seq"]
        out.append(Verified(seq, digest, event))
    return out, ""


def _signature_ok(verified: Verified, key: Ed25519PublicKey) -> bool:
    return keys.verify(key, verified.event["sig"], c.signed_part(verified.event))


def _last_signed(linked: list[Verified], key: Ed25519PublicKey, signed: list[bool]) -> int:
    """The index of the last event whose own signature verifies; -1 when none does."""
    for index in range(len(linked) - 1, -1, -1):
        if signed[index] if signed else _signature_ok(linked[index], key):
            return index
    return -1


def _unsigned_reason(verified: Verified, node: str) -> str:
    return (
        f"event {verified.seq}: the signature does not verify with the key configured for "
        f"'{node}' (the event was altered, or signed by another key)"
    )


def link_problem(event: Any, *, node: str, after_seq: int, after_hash: str) -> str:
    """Why ``event`` cannot follow (``after_seq``, ``after_hash``) in ``node``'s log, its
    signature aside; "" if it can."""
    return _link(event, node=node, after_seq=after_seq, after_hash=after_hash)[0]


def _link(event: Any, *, node: str, after_seq: int, after_hash: str) -> tuple[str, bytes]:
    """``link_problem``, and the canonical bytes of the whole event when there is none: they
    are what its hash is taken of, so each event is encoded once (a page has a thousand)."""
    label = f"event {event.get('seq', '?')}" if isinstance(event, dict) else "an event"
    if reason := c.envelope_error(event):
        return f"{label} is malformed: it {reason}", b""
    if event["node"] != node:
        return (
            f"{label} names node '{event['node']}', not '{node}': a peer sends only its own log",
            b"",
        )
    if event["seq"] <= after_seq:
        return f"{label} replays an event already applied (the last applied is {after_seq})", b""
    if event["seq"] != after_seq + 1:
        return f"{label} leaves a gap: event {after_seq + 1} was expected next", b""
    try:
        # The signature is plain base64url (checked above), so the whole event encodes
        # exactly when the part its signature covers does.
        encoded = c.canonical(event)
    except (UnicodeEncodeError, ValueError, TypeError):
        return f"{label} is malformed: it has text that is not valid Unicode", b""
    if event["prev"] != after_hash:
        return (
            f"{label} is a fork: its prev is not the hash of event {after_seq} as applied here "
            "(the peer's history differs from what it sent before)",
            b"",
        )
    return "", encoded
