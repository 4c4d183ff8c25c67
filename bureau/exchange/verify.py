"""Check a run of a peer's events: form, origin, sequence, hash chain and signatures.

Pure: no Django. ``check_chain`` returns the longest verified prefix of the events and, when
it stops early, why the next event was refused; the caller applies the prefix and stops
replication from that peer with the reason.

Every event must carry a signature that verifies on its own. A signature does also vouch
for every earlier event through the hash chain, but taking that as enough would accept an
event that the peer's key never signed whenever a later one is well signed, and refuse it
when it happens to end a page: the outcome would depend on where pages are cut. One rule
for every event keeps it independent of paging, and simple to implement elsewhere.
"""

from __future__ import annotations

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
    problem: str = ""  # why the event after the verified ones was refused; "" when none was


def check_chain(
    events: Sequence[Any],
    *,
    node: str,
    key: Ed25519PublicKey,
    after_seq: int,
    after_hash: str,
) -> ChainCheck:
    """Verify ``events``, which must continue the chain at (``after_seq``, ``after_hash``)."""
    return _one_by_one(events, node, key, after_seq, after_hash)


def _one_by_one(
    events: Sequence[Any], node: str, key: Ed25519PublicKey, seq: int, digest: str
) -> ChainCheck:
    result = ChainCheck()
    for event in events:
        problem = event_problem(event, node=node, key=key, after_seq=seq, after_hash=digest)
        if problem:
            result.problem = problem
            return result
        digest = c.event_hash(event)
        seq = event["seq"]
        result.verified.append(Verified(seq, digest, event))
    return result


def event_problem(
    event: Any, *, node: str, key: Ed25519PublicKey, after_seq: int, after_hash: str
) -> str:
    """Why ``event`` cannot follow (``after_seq``, ``after_hash``) in ``node``'s log; "" if it can."""
    label = f"event {event.get('seq', '?')}" if isinstance(event, dict) else "an event"
    if reason := c.envelope_error(event):
        return f"{label} is malformed: it {reason}"
    if event["node"] != node:
        return f"{label} names node '{event['node']}', not '{node}': a peer sends only its own log"
    if event["seq"] <= after_seq:
        return f"{label} replays an event already applied (the last applied is {after_seq})"
    if event["seq"] != after_seq + 1:
        return f"{label} leaves a gap: event {after_seq + 1} was expected next"
    try:
        signed = c.signed_part(event)
    except (UnicodeEncodeError, ValueError, TypeError):
        return f"{label} is malformed: it has text that is not valid Unicode"
    if not keys.verify(key, event["sig"], signed):
        return (
            f"{label}: the signature does not verify with the key configured for '{node}' "
            "(the event was altered, or signed by another key)"
        )
    if event["prev"] != after_hash:
        return (
            f"{label} is a fork: its prev is not the hash of event {after_seq} as applied here "
            "(the peer's history differs from what it sent before)"
        )
    return ""
