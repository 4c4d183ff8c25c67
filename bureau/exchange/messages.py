"""Addressed messages between two nodes: ``POST /exchange/v1/messages``.

Unlike the log, which every peer pulls, a message goes to one named node only. It is signed
like every exchange request (``peerauth``: sender, recipient, time and a hash of the body), and
its envelope names a ``uid`` that the receiver keeps, so a replayed message is refused. Apps
register a handler per message type; the exchange knows nothing of what they carry.

Envelope: ``{"uid": "<uuid>", "type": "<type>", "to": "<recipient node>", "body": {...}}``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings

from bureau.core.errors import ValidationFailed
from bureau.exchange import client, peerauth
from bureau.exchange.identity import node_key
from bureau.exchange.models import Peer

TARGET = "/exchange/v1/messages"
MAX_BODY_BYTES = 64 * 1024

Handler = Callable[[Peer, str, dict[str, Any]], None]
_handlers: dict[str, Handler] = {}


class Replayed(Exception):
    """The message's uid was received from this peer before."""


def register(message_type: str, handler: Handler) -> None:
    """``handler(peer, uid, body)`` takes messages of ``message_type``; it raises Replayed,
    ValidationFailed or a DomainError to refuse one, and writes nothing then."""
    _handlers[message_type] = handler


def envelope_parse(raw: bytes) -> tuple[str, str, dict[str, Any]]:
    """(uid, type, body) of a message addressed to this node; ValidationFailed otherwise."""
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed.single("body", f"is larger than {MAX_BODY_BYTES} bytes")
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed.single("body", "is not JSON") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), dict):
        raise ValidationFailed.single("body", "must be an object with a 'body' object")
    try:
        uid = str(uuid.UUID(str(envelope.get("uid"))))
    except ValueError:
        raise ValidationFailed.single("uid", "is not a UUID") from None
    if envelope.get("to") != settings.BUREAU_NODE_NAME:
        raise ValidationFailed.single("to", f"is not this node ({settings.BUREAU_NODE_NAME})")
    kind = envelope.get("type")
    if kind not in _handlers:
        raise ValidationFailed.single("type", f"'{str(kind)[:40]}' is not a known message type")
    return uid, str(kind), envelope["body"]


def deliver(peer: Peer, raw: bytes) -> None:
    uid, kind, body = envelope_parse(raw)
    _handlers[kind](peer, uid, body)


def send(peer: Peer, *, uid: str, message_type: str, body: dict[str, Any]) -> None:
    """Post one message to ``peer``; raises client.PeerUnavailable (its status in the text)."""
    envelope = {"uid": uid, "type": message_type, "to": peer.name, "body": body}
    content = json.dumps(envelope, separators=(",", ":")).encode()
    headers = peerauth.sign_headers(
        key=node_key(),
        method="POST",
        target=TARGET,
        sender=settings.BUREAU_NODE_NAME,
        recipient=peer.name,
        body=content,
    )
    headers["Content-Type"] = "application/json"
    client.post(peer, TARGET, content=content, headers=headers)
