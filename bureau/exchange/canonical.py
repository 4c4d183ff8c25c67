"""The canonical encoding of events, their hash and the bytes their signature covers.

Pure functions with no Django in them, so that a test or another implementation can build
and check events with nothing but this module and ``keys``.

Canonical JSON: keys sorted, UTF-8, no insignificant whitespace, non-ASCII characters as
themselves (``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``).
Numbers are integers only; decimals, dates and times travel as strings.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

PROTOCOL = "bureau-exchange/1"
GENESIS = "0" * 64  # the ``prev`` of a node's first event
ENVELOPE = frozenset({"node", "seq", "prev", "type", "at", "body", "sig"})
MAX_SEQ = 2**63 - 1
# The exact forms of the envelope's text fields (docs/exchange.md, "Field formats"): one
# spelling each, so that what is hashed and signed has no second form.
NODE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
HEX64 = re.compile(r"[0-9a-f]{64}")
EVENT_TYPE = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)+")
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
SIGNATURE = re.compile(r"[A-Za-z0-9_-]{86}")  # 64 bytes, base64url without padding
MAX_TYPE_LENGTH = 40

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


# The reference encoder, one for every call: ``json.dumps`` with options builds a new one each time.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
# orjson writes the same bytes for the values events hold (text keys, text, integers within
# 64 bits, true, false, null, arrays, objects) about eight times faster. Whatever else it
# would write its own way is handed to the reference encoder instead: subclasses, dates and
# dataclasses pass through (it refuses them), and it refuses integers beyond 64 bits, text
# with a lone surrogate and keys that are not text. Floats have no canonical form.
_FAST = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
_FAST |= orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of ``value`` (which holds only JSON types, no floats)."""
    try:
        return orjson.dumps(value, option=_FAST)
    except orjson.JSONEncodeError:
        return reference_canonical(value)


def reference_canonical(value: Any) -> bytes:
    """``canonical`` as the protocol defines it, with the standard library's encoder."""
    return _ENCODER.encode(value).encode("utf-8")


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


@functools.lru_cache(maxsize=4096)
def parse_timestamp(text: str) -> dt.datetime:
    """The inverse of ``timestamp``; raises ValueError for any other form. Remembered: the
    events of one append share their time, and each event's is read three times."""
    if not TIMESTAMP.fullmatch(text):
        raise ValueError(f"'{text}' is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    return dt.datetime.fromisoformat(text)


def envelope_error(event: Any) -> str | None:
    """Why ``event`` is not a well-formed event (keys, types), or None when it is."""
    if not isinstance(event, dict):
        return "is not a JSON object"
    if event.keys() != ENVELOPE:
        missing, extra = sorted(ENVELOPE - set(event)), sorted(set(event) - ENVELOPE)
        return f"has missing keys {missing} or unknown keys {extra}"
    if not _fields_ok(event):
        bad = [name for name, ok in _field_checks(event) if not ok]
        return f"has malformed {', '.join(bad)} (see the field formats of the protocol)"
    if _has_float(event["body"]):
        return "has a number with a fraction or exponent in its body (decimals travel as strings)"
    return None


def _fields_ok(event: dict[str, Any]) -> bool:
    """``_field_checks`` all passed, in one expression that stops at the first failing one: a
    page has a thousand events, and the names of the bad fields are only needed for a bad one."""
    node, seq, prev, kind, at, sig = (
        event["node"], event["seq"], event["prev"], event["type"], event["at"], event["sig"]
    )  # fmt: skip
    return (
        isinstance(node, str)
        and isinstance(prev, str)
        and isinstance(kind, str)
        and isinstance(at, str)
        and isinstance(sig, str)
        and type(seq) is int
        and 0 < seq <= MAX_SEQ
        and isinstance(event["body"], dict)
        and len(kind) <= MAX_TYPE_LENGTH
        and NODE_NAME.fullmatch(node) is not None
        and HEX64.fullmatch(prev) is not None
        and EVENT_TYPE.fullmatch(kind) is not None
        and SIGNATURE.fullmatch(sig) is not None
        and _is_timestamp(at)
    )


def _field_checks(event: dict[str, Any]) -> tuple[tuple[str, bool], ...]:
    node, seq, prev, kind, at, sig = (
        event[k] for k in ("node", "seq", "prev", "type", "at", "sig")
    )
    return (
        ("node", isinstance(node, str) and bool(NODE_NAME.fullmatch(node))),
        ("seq", type(seq) is int and 0 < seq <= MAX_SEQ),
        ("prev", isinstance(prev, str) and bool(HEX64.fullmatch(prev))),
        (
            "type",
            isinstance(kind, str)
            and len(kind) <= MAX_TYPE_LENGTH
            and bool(EVENT_TYPE.fullmatch(kind)),
        ),
        ("at", isinstance(at, str) and _is_timestamp(at)),
        ("body", isinstance(event["body"], dict)),
        ("sig", isinstance(sig, str) and bool(SIGNATURE.fullmatch(sig))),
    )


def _is_timestamp(text: str) -> bool:
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


_SCALARS = frozenset({str, int, bool, type(None)})


def _has_float(value: Any) -> bool:
    """Whether a float is anywhere in ``value``; a loop, not a call a value: every event's
    body is walked whole. The types of a container's members are taken together (``map``),
    and only the members that are not text, integers, booleans or null are looked into."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            members: Any = current.values()
        elif isinstance(current, list):
            members = current
        else:
            if isinstance(current, float):
                return True
            continue
        if _SCALARS.issuperset(map(type, members)):
            continue
        pending.extend(m for m in members if type(m) not in _SCALARS)
    return False
