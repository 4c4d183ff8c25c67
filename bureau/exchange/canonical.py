"""The canonical encoding of events, their hash and the bytes their signature covers.

Pure functions with no Django in them, so that a test or another implementation can build
and check events with nothing but this module and ``keys``.

Canonical JSON: keys sorted, UTF-8, no insignificant whitespace, non-ASCII characters as
themselves (``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``).
Numbers are integers only; decimals, dates and times travel as strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

PROTOCOL = "bureau-exchange/1"
GENESIS = "0" * 64  # the ``prev`` of a node's first event
ENVELOPE = frozenset({"node", "seq", "prev", "type", "at", "body", "sig"})

ITEM_PUBLISHED = "item.published"
ITEM_UPDATED = "item.updated"
ITEM_WITHDRAWN = "item.withdrawn"
ITEM_EXPIRED = "item.expired"
ORGANISATION_VERIFIED = "organisation.verified"
ITEM_TYPES = (ITEM_PUBLISHED, ITEM_UPDATED, ITEM_WITHDRAWN, ITEM_EXPIRED)
# Commitments: the whole state of one record of the pledge tracker, the cargo schedule or the
# cooperation register, recorded or changed at its node ("pledge.recorded", ...).
COMMITMENT_TYPES = tuple(
    f"{entity}.recorded" for entity in ("pledge", "project", "contract", "cargo", "cooperation")
)
EVENT_TYPES = (*ITEM_TYPES, ORGANISATION_VERIFIED, *COMMITMENT_TYPES)
# The item status each item event leaves behind.
STATUS_OF = {
    ITEM_PUBLISHED: "published",
    ITEM_UPDATED: "published",
    ITEM_WITHDRAWN: "withdrawn",
    ITEM_EXPIRED: "expired",
}


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of ``value`` (which holds only JSON types, no floats)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def signed_part(event: Mapping[str, Any]) -> bytes:
    """What an event's signature covers: the canonical form of the event without ``sig``."""
    return canonical({k: v for k, v in event.items() if k != "sig"})


def event_hash(event: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical form of the whole event, signature included."""
    return hashlib.sha256(canonical(event)).hexdigest()


def jsonable(value: Any) -> Any:
    """A record value as canonical JSON carries it: decimals, dates, times and uids as strings."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"{type(value).__name__} has no canonical form")


def timestamp(moment: dt.datetime) -> str:
    """UTC, microseconds, with a ``Z``: 2026-03-01T09:30:00.000000Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    """The inverse of ``timestamp``; raises ValueError for anything else."""
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"'{text}' has no time zone")
    return moment


def envelope_error(event: Any) -> str | None:
    """Why ``event`` is not a well-formed event (keys, types), or None when it is."""
    if not isinstance(event, dict):
        return "is not a JSON object"
    if set(event) != ENVELOPE:
        missing, extra = sorted(ENVELOPE - set(event)), sorted(set(event) - ENVELOPE)
        return f"has missing keys {missing} or unknown keys {extra}"
    checks = (
        ("node", isinstance(event["node"], str) and event["node"] != ""),
        ("seq", type(event["seq"]) is int and event["seq"] > 0),
        ("prev", isinstance(event["prev"], str) and len(event["prev"]) == 64),
        ("type", isinstance(event["type"], str)),
        ("at", isinstance(event["at"], str)),
        ("body", isinstance(event["body"], dict)),
        ("sig", isinstance(event["sig"], str)),
    )
    bad = [name for name, ok in checks if not ok]
    if bad:
        return f"has malformed {', '.join(bad)}"
    if _has_float(event["body"]):
        return "has a number with a fraction or exponent in its body (decimals travel as strings)"
    return None


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False
