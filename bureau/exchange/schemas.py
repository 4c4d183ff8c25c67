"""The JSON Schemas of the exchange protocol's messages, built from the code that reads them.

``make exchange-spec`` (``python -m bureau.exchange.vectors``) writes them to ``bureau/exchange/spec/schemas/`` (and the
node serves them at ``/exchange/v1/schemas/<name>.json``); a test fails when the files and
this module disagree, so the published schemas follow the field set, the vocabularies and
the event types as they change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bureau.accounts.models import Organisation
from bureau.catalog.fields import BODY_LENGTH, BY_KIND
from bureau.catalog.models import Agreement, InvestmentOpportunity, Kind, MarketNotice, TradeLead
from bureau.exchange import canonical as c
from bureau.reference.vocab import Incoterm, Sector, Unit

SPEC_DIR = Path(__file__).resolve().parent / "spec"
SCHEMA_DIR = SPEC_DIR / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# The only names the node serves: a request names one of these, never a path.
NAMES = (
    "node",
    "page",
    "event",
    "item",
    "organisation",
    "organisation-verified",
    "record",
    "notify",
    "accepted",
    "error",
)

UUID = {
    "type": "string",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}
TIMESTAMP = {"type": "string", "pattern": "^" + c.TIMESTAMP.pattern + "$"}
DATE = {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
DECIMAL = {"type": ["string", "null"], "pattern": "^[0-9]{1,15}(\\.[0-9]+)?$"}
COUNTRY = {"type": "string", "pattern": "^[A-Z]{2}$"}
HS_CODE = {"type": "string", "pattern": "^([0-9]{2}|[0-9]{4}|[0-9]{6})$"}
URL = {"type": "string", "maxLength": 2000, "pattern": "^(https?://.+)?$"}
NODE_NAME = {"type": "string", "pattern": "^" + c.NODE_NAME.pattern + "$"}
HEX64 = {"type": "string", "pattern": "^" + c.HEX64.pattern + "$"}


def _text(limit: int, *, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": limit}
    if required:
        schema["minLength"] = 1
    return schema


def _choice(values: list[str], *, required: bool = False) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(values) if required else ["", *sorted(values)]}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item, "uniqueItems": True}


def _records(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    record = {
        "type": "object",
        "properties": fields,
        "required": sorted(fields),
        "additionalProperties": False,
    }
    return {"type": "array", "items": record}


COMMON_FIELDS: dict[str, dict[str, Any]] = {
    "kind": {"type": "string", "enum": sorted(Kind.values)},
    "title": _text(300, required=True),
    "summary": _text(2000),
    "body": _text(BODY_LENGTH),
    "language": {"type": "string", "pattern": "^[a-z]{2}$"},
    "countries": _list(COUNTRY),
    "hs_codes": _list(HS_CODE),
    "sectors": _list({"type": "string", "enum": sorted(Sector.values)}),
    "value_amount": DECIMAL,
    "value_currency": {"type": "string", "pattern": "^([A-Z]{3})?$"},
    "valid_from": DATE,
    "valid_until": DATE,
    "source_title": _text(300),
    "source_url": URL,
    "is_example": {"type": "boolean"},
}
ENVELOPE_FIELDS: dict[str, dict[str, Any]] = {
    "uid": UUID,
    "status": {"type": "string", "enum": sorted(set(c.STATUS_OF.values()))},
    "published_at": {"anyOf": [TIMESTAMP, {"type": "null"}]},
    "organisation": {"$ref": "organisation.json"},
}
KIND_FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    Kind.LEAD: {
        "side": _choice(TradeLead.Side.values, required=True),
        "product": _text(200, required=True),
        "hs_code": HS_CODE,
        "quantity": DECIMAL,
        "unit": _choice(Unit.values),
        "incoterm": _choice(Incoterm.values),
        "origin_country": {"type": "string", "pattern": "^([A-Z]{2})?$"},
        "destination_country": {"type": "string", "pattern": "^([A-Z]{2})?$"},
        "origin_place": _text(120),
        "destination_place": _text(120),
    },
    Kind.OPPORTUNITY: {
        "sector": _choice(Sector.values, required=True),
        "location": _text(200),
        "stage": _choice(InvestmentOpportunity.Stage.values),
        "instrument": _choice(InvestmentOpportunity.Instrument.values),
    },
    Kind.TENDER: {
        "reference": _text(100),
        "buyer": _text(200, required=True),
        "deadline": {"anyOf": [TIMESTAMP, {"type": "null"}]},
        "documents_url": URL,
    },
    Kind.AGREEMENT: {
        "agreement_type": _choice(Agreement.Type.values, required=True),
        "parties": _list(_text(200)),
        "signed_on": DATE,
        "effective_on": DATE,
        "expires_on": DATE,
        "extensions": _records({"agreed_on": DATE, "new_expires_on": DATE, "note": _text(300)}),
        "milestones": _records({"title": _text(300), "due_on": DATE, "done_on": DATE}),
    },
    Kind.NOTICE: {
        "notice_type": _choice(MarketNotice.Type.values, required=True),
        "starts_on": DATE,
        "ends_on": DATE,
        "place": _text(200),
        "authority": _text(200),
    },
}


def _schema(name: str, title: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT, "$id": f"{name}.json", "title": title, **body}


def _item() -> dict[str, Any]:
    common = {**ENVELOPE_FIELDS, **COMMON_FIELDS}
    branches = []
    for kind, own in KIND_FIELDS.items():
        assert set(own) == {spec.name for spec in BY_KIND[Kind(kind)]}, kind
        branches.append(
            {
                "if": {"properties": {"kind": {"const": str(kind)}}},
                "then": {"properties": own, "required": sorted(own)},
            }
        )
    return _schema(
        "item",
        "The body of an item.* event: the whole item after the change",
        {
            "type": "object",
            "properties": common,
            "required": sorted(common),
            "allOf": branches,
            # Keys a newer peer adds are ignored by a receiver, so they are allowed here.
            "additionalProperties": True,
        },
    )


def _organisation() -> dict[str, Any]:
    fields = {
        "uid": UUID,
        "slug": _text(220),
        "name": _text(200, required=True),
        "kind": {"type": "string", "enum": sorted(Organisation.Kind.values)},
        "country": COUNTRY,
        "city": _text(120),
        "verified": {"type": "boolean"},
    }
    return _schema(
        "organisation",
        "The organisation an item belongs to, as its origin node describes it",
        {"type": "object", "properties": fields, "required": sorted(fields)},
    )


def _event() -> dict[str, Any]:
    fields = {
        "node": NODE_NAME,
        "seq": {"type": "integer", "minimum": 1, "maximum": c.MAX_SEQ},
        "prev": HEX64,
        "type": {
            "type": "string",
            "maxLength": c.MAX_TYPE_LENGTH,
            "pattern": "^" + c.EVENT_TYPE.pattern + "$",
        },
        "at": TIMESTAMP,
        "body": {"type": "object"},
        "sig": {"type": "string", "pattern": "^" + c.SIGNATURE.pattern + "$"},
    }
    bodies = [
        {
            "if": {"properties": {"type": {"const": event_type}}},
            "then": {"properties": {"body": {"$ref": BODY_SCHEMA[event_type]}}},
        }
        for event_type in c.EVENT_TYPES
    ]
    return _schema(
        "event",
        "One signed event of a node's log",
        {
            "type": "object",
            "properties": fields,
            "required": sorted(fields),
            "additionalProperties": False,
            "allOf": bodies,
        },
    )


BODY_SCHEMA = {
    **dict.fromkeys(c.ITEM_TYPES, "item.json"),
    c.ORGANISATION_VERIFIED: "organisation-verified.json",
    **dict.fromkeys(c.COMMITMENT_TYPES, "record.json"),
}


def _page() -> dict[str, Any]:
    head = {
        "type": "object",
        "properties": {
            "seq": {"type": "integer", "minimum": 0, "maximum": c.MAX_SEQ},
            "hash": HEX64,
            "at": {"anyOf": [TIMESTAMP, {"type": "null"}]},
        },
        "required": ["at", "hash", "seq"],
    }
    fields = {
        "node": NODE_NAME,
        "head": head,
        "events": {"type": "array", "items": {"$ref": "event.json"}},
    }
    return _schema(
        "page",
        "The answer to GET .../exchange/v1/events",
        {"type": "object", "properties": fields, "required": sorted(fields)},
    )


def _node() -> dict[str, Any]:
    reference = {"type": "string", "minLength": 1, "maxLength": 2000}
    fields = {
        "name": NODE_NAME,
        "title": _text(300),
        "country": COUNTRY,
        "public_key": {"type": "string", "pattern": "^ed25519:[A-Za-z0-9_-]{43}$"},
        "protocol": {"type": "string", "pattern": "^bureau-exchange/[1-9][0-9]*$"},
        "events": reference,
        "notify": reference,
    }
    return _schema(
        "node",
        "The node document, GET <base>/.well-known/bureau-node",
        {
            "type": "object",
            "properties": {**fields, "schemas": reference},
            "required": sorted(fields),
        },
    )


def _small() -> dict[str, dict[str, Any]]:
    error_item = {
        "type": "object",
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
        "required": ["field", "message"],
    }
    return {
        "record": _schema(
            "record",
            "The body of a <record>.recorded event: the whole record of the commitments "
            "tracker (fields per type in docs/exchange.md, 4.4)",
            {
                "type": "object",
                "properties": {"uid": UUID, "organisation": {"$ref": "organisation.json"}},
                "required": ["organisation", "uid"],
            },
        ),
        "organisation-verified": _schema(
            "organisation-verified",
            "The body of an organisation.verified event",
            {
                "type": "object",
                "properties": {"organisation": {"$ref": "organisation.json"}},
                "required": ["organisation"],
            },
        ),
        "notify": _schema(
            "notify",
            "The body of POST .../exchange/v1/notify (informative: the receiver ignores it)",
            {
                "type": "object",
                "properties": {"node": NODE_NAME, "head": {"type": "integer", "minimum": 0}},
            },
        ),
        "accepted": _schema(
            "accepted",
            "The 202 answer to a notify",
            {
                "type": "object",
                "properties": {"detail": {"const": "noted; pulling"}},
                "required": ["detail"],
            },
        ),
        "error": _schema(
            "error",
            "Every 4xx answer: why; with a 422, each bad field",
            {
                "type": "object",
                "properties": {
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": error_item},
                },
                "required": ["detail"],
            },
        ),
    }


def build() -> dict[str, dict[str, Any]]:
    """Every schema of the protocol, by name."""
    built = {
        "node": _node(),
        "page": _page(),
        "event": _event(),
        "item": _item(),
        "organisation": _organisation(),
        **_small(),
    }
    assert tuple(built) == NAMES or set(built) == set(NAMES)
    return built


def text(schema: dict[str, Any]) -> str:
    """A schema as its file holds it."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def stored(name: str) -> bytes:
    """The stored file of schema ``name``, which must be one of ``NAMES``."""
    if name not in NAMES:
        raise KeyError(name)
    return (SCHEMA_DIR / f"{name}.json").read_bytes()
