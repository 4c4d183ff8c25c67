"""Test vectors of the exchange protocol, and the command that writes them with the schemas.

A small log with one event of every type (and every item kind), signed with a **published
test key**, with the canonical bytes, hashes and signatures; and signed requests. Another
implementation checks itself against ``bureau/exchange/spec/vectors.json`` with no running
node. The test key is public test material: anyone can sign with it, so a node refuses to
run with it (``identity``).

``make exchange-spec`` (``python -m bureau.exchange.vectors``) rewrites the vectors and the
schemas; a test fails when the stored files differ from what the code makes now, or when an
event type has no vector. Ed25519 signatures are deterministic, so the output is stable.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bureau.exchange import canonical as c
from bureau.exchange import keys, peerauth

VECTORS_NAME = "vectors.json"
# Public on purpose: the seed is the SHA-256 of this sentence.
TEST_KEY_PHRASE = b"bureau-exchange/1 test vectors: a public test key, never a node's key"
TEST_SEED = hashlib.sha256(TEST_KEY_PHRASE).digest()
NODE = "test-vectors"
RECIPIENT = "test-recipient"
AT = "2026-03-01T09:30:00.000000Z"


def test_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(TEST_SEED)


def test_public_key() -> str:
    return keys.public_text(test_key())


ORGANISATION = {
    "uid": "8e52c9c8-5b1a-4c3e-9d7f-0a1b2c3d4e5f",
    "slug": "test-rice-exporters",
    "name": "Test Rice Exporters \u2014 G\u0259nc\u0259",
    "kind": "company",
    "country": "PK",
    "city": "Lahore",
    "verified": False,
}
COMMON: dict[str, Any] = {
    "summary": "",
    "body": "",
    "language": "en",
    "countries": [],
    "hs_codes": [],
    "sectors": [],
    "value_amount": None,
    "value_currency": "",
    "valid_from": None,
    "valid_until": None,
    "source_title": "",
    "source_url": "",
    "is_example": True,
    "status": "published",
    "published_at": AT,
    "organisation": ORGANISATION,
}


def _item(uid: str, kind: str, title: str, **fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(COMMON), "uid": uid, "kind": kind, "title": title, **fields}


LEAD = _item(
    "473cb534-fea2-4a0e-9048-6f14991627ac",
    "lead",
    "Basmati rice, 500 t \u2014 \u06a9\u0631\u0627\u0686\u06cc",
    summary='Long-grain "1121" rice, from Punjab; backslash: \\.',
    countries=["PK", "AZ"],
    hs_codes=["100630"],
    sectors=["agriculture"],
    value_amount="450000.00",
    value_currency="USD",
    valid_until="2027-06-30",
    side="sell",
    product="Basmati rice",
    hs_code="100630",
    quantity="500.000",
    unit="TNE",
    incoterm="CFR",
    origin_country="PK",
    destination_country="AZ",
    origin_place="Karachi",
    destination_place="Baku",
)
KINDS = [
    _item(
        "5b7e2f0c-3a41-4d8e-8f10-1c2d3e4f5a6b",
        "opportunity",
        "Cold store near Lahore",
        sectors=["agriculture"],
        sector="agriculture",
        location="Lahore",
        stage="financing",
        instrument="equity",
    ),
    _item(
        "6c8f3a1d-4b52-4e9f-9a21-2d3e4f5a6b7c",
        "tender",
        "Grain silo inspection",
        reference="T-2026-04",
        buyer="Test Grain Board",
        deadline="2026-05-01T12:00:00.000000Z",
        documents_url="https://tenders.example/T-2026-04",
    ),
    _item(
        "7d9a4b2e-5c63-4fa0-8b32-3e4f5a6b7c8d",
        "agreement",
        "Rice supply framework",
        agreement_type="framework",
        parties=["Test Rice Exporters", "Test Importers"],
        signed_on="2026-01-15",
        effective_on="2026-02-01",
        expires_on="2028-01-31",
        extensions=[{"agreed_on": "2026-02-20", "new_expires_on": "2029-01-31", "note": "+1 y"}],
        milestones=[{"title": "First cargo", "due_on": "2026-04-30", "done_on": None}],
    ),
    _item(
        "8eab5c3f-6d74-40b1-9c43-4f5a6b7c8d9e",
        "notice",
        "Rice import duty changes",
        notice_type="tariff",
        starts_on="2026-07-01",
        ends_on=None,
        place="Baku",
        authority="Test Customs",
    ),
]


PLEDGE = {
    "uid": "9c1e0000-0000-4000-8000-000000000001",
    "organisation": ORGANISATION,
    "title": "A pledge",
    "pledged_by": "Azerbaijan",
    "pledged_to": "Pakistan",
    "amount": "2000000000.00",
    "currency": "USD",
    "pledged_on": None,
    "sectors": ["energy"],
    "item": None,
    "source_title": "A report",
    "source_url": "",
}
PROJECT = {
    "uid": "9c1e0000-0000-4000-8000-000000000002",
    "organisation": ORGANISATION,
    "pledge": "9c1e0000-0000-4000-8000-000000000001",
    "title": "A terminal",
    "sector": "energy",
    "location": "",
    "investor": "",
    "host": "",
    "stage": "agreed",
    "stage_on": "2025-06-01",
    "description": "",
    "source_title": "",
    "source_url": "",
    "stage_changes": [
        {
            "uid": "9c1e0000-0000-4000-8000-000000000003",
            "from_stage": "",
            "to_stage": "agreed",
            "changed_on": "2025-06-01",
            "note": "",
        }
    ],
    "money_events": [
        {
            "uid": "9c1e0000-0000-4000-8000-000000000004",
            "kind": "disbursed",
            "on": "2025-07-01",
            "amount": "1000.00",
            "currency": "USD",
            "source_title": "",
            "source_url": "",
        }
    ],
}
CONTRACT = {
    "uid": "9c1e0000-0000-4000-8000-000000000005",
    "organisation": ORGANISATION,
    "title": "LNG supply, one cargo a month",
    "product": "lng",
    "product_name": "Liquefied natural gas",
    "hs_code": "271111",
    "seller": "A seller",
    "buyer": "A buyer",
    "starts_on": "2026-01-01",
    "ends_on": None,
    "yearly_quantity": "1560000",
    "unit": "m3_lng",
    "price_basis": "a slope of Brent",
    "source_title": "",
    "source_url": "",
}
CARGO = {
    "uid": "9c1e0000-0000-4000-8000-000000000006",
    "organisation": ORGANISATION,
    "contract": "9c1e0000-0000-4000-8000-000000000005",
    "reference": "C-2026-01",
    "window_start": "2026-01-10",
    "window_end": "2026-01-14",
    "load_port": "",
    "discharge_port": "PKBQM",
    "volume": "130000",
    "unit": "m3_lng",
    "price_basis": "",
    "status": "nominated",
    "source_title": "",
    "source_url": "",
}
COOPERATION = {
    "uid": "9c1e0000-0000-4000-8000-000000000007",
    "organisation": ORGANISATION,
    "title": "A joint trading company",
    "area": "trading",
    "status": "agreed",
    "description": "",
    "parties": ["A company", "Another company"],
    "milestones": [{"title": "Registered", "due_on": None, "done_on": None}],
    "stated_on": None,
    "source_title": "A report",
    "source_url": "https://example.org/report",
}


def _log_entries() -> list[tuple[str, dict[str, Any]]]:
    """(type, body) of the vector log, in order: every type, every item kind."""
    updated = {**copy.deepcopy(LEAD), "title": "Basmati rice, 400 t", "quantity": "400.000"}
    withdrawn = {**copy.deepcopy(updated), "status": "withdrawn"}
    expired = {**copy.deepcopy(KINDS[2]), "status": "expired"}
    verified = {"organisation": {**ORGANISATION, "verified": True}}
    entries = [(c.ITEM_PUBLISHED, LEAD), *((c.ITEM_PUBLISHED, item) for item in KINDS)]
    entries += [
        (c.ITEM_UPDATED, updated),
        (c.ITEM_WITHDRAWN, withdrawn),
        (c.ITEM_EXPIRED, expired),
        (c.ORGANISATION_VERIFIED, verified),
        ("pledge.recorded", PLEDGE),
        ("project.recorded", PROJECT),
        ("contract.recorded", CONTRACT),
        ("cargo.recorded", CARGO),
        ("cooperation.recorded", COOPERATION),
    ]
    missing = set(c.EVENT_TYPES) - {t for t, _ in entries}
    if missing:
        raise SystemExit(f"no vector for event type(s) {sorted(missing)}: add them in {__file__}")
    return entries


def events() -> list[dict[str, Any]]:
    """The vector log: each event with its signed bytes, signature, canonical bytes and hash."""
    key, prev, out = test_key(), c.GENESIS, []
    for seq, (event_type, body) in enumerate(_log_entries(), start=1):
        event: dict[str, Any] = {
            "node": NODE,
            "seq": seq,
            "prev": prev,
            "type": event_type,
            "at": AT,
            "body": body,
        }
        signed = c.canonical(event)
        event["sig"] = keys.sign(key, signed)
        whole = c.canonical(event)
        prev = hashlib.sha256(whole).hexdigest()
        out.append(
            {
                "event": event,
                "signed_utf8": signed.decode("utf-8"),
                "signed_sha256": hashlib.sha256(signed).hexdigest(),
                "canonical_utf8": whole.decode("utf-8"),
                "hash": prev,
            }
        )
    return out


def requests() -> list[dict[str, Any]]:
    """Signed requests from the test key's node to another, at a fixed time."""
    cases = [
        ("GET", "/exchange/v1/events?after=0&limit=1000", b""),
        ("POST", "/exchange/v1/notify", b'{"head":9,"node":"test-vectors"}'),
    ]
    out = []
    for method, target, body in cases:
        signed = peerauth.message(
            method=method,
            target=target,
            timestamp=1772357400,
            sender=NODE,
            recipient=RECIPIENT,
            body=body,
        )
        out.append(
            {
                "method": method,
                "target": target,
                "body_utf8": body.decode("utf-8"),
                "headers": {
                    peerauth.NODE_HEADER: NODE,
                    peerauth.TIMESTAMP_HEADER: "1772357400",
                    peerauth.SIGNATURE_HEADER: keys.sign(test_key(), signed),
                },
                "recipient": RECIPIENT,
                "signed_utf8": signed.decode("utf-8"),
            }
        )
    return out


# Values and their canonical bytes, for the escaping rules no event above needs.
CANONICAL_CASES: list[Any] = [
    {"b": 1, "a": [True, False, None], "c": {"z": "", "y": -5}},
    'quote " backslash \\ slash / tab \t newline \n return \r bs \b ff \f nul \u0000 us \u001f del \u007f',
    "G\u0259nc\u0259 \u06a9\u0631\u0627\u0686\u06cc \u2028 \U0001f33e",
    {"\u00e9": 1, "e": 2, "z": 3, "\U0001f33e": 4, "\uff5e": 5},
]


def canonical_cases() -> list[dict[str, Any]]:
    return [
        {"value": value, "canonical_utf8": c.canonical(value).decode("utf-8")}
        for value in CANONICAL_CASES
    ]


def build() -> dict[str, Any]:
    log = events()
    return {
        "about": (
            "Test vectors of bureau-exchange/1 (docs/exchange.md). PUBLIC TEST MATERIAL: the "
            "private key below is published so that anyone can check an implementation; a "
            "node must never use it, and Bureau refuses to run with it."
        ),
        "protocol": c.PROTOCOL,
        "test_key": {
            "seed_is_sha256_of": TEST_KEY_PHRASE.decode("ascii"),
            "private_seed_base64url": keys.b64encode(TEST_SEED),
            "public_key": test_public_key(),
        },
        "node": NODE,
        "empty_head": {"seq": 0, "hash": c.GENESIS, "at": None},
        "head": {"seq": log[-1]["event"]["seq"], "hash": log[-1]["hash"], "at": AT},
        "events": log,
        "requests": requests(),
        "canonical": canonical_cases(),
    }


def text(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, indent=2, ensure_ascii=False) + "\n"


def write() -> list[str]:
    """Write the schemas and the vectors; the names of the files written."""
    from bureau.exchange import schemas

    schemas.SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas.build().items():
        path = schemas.SCHEMA_DIR / f"{name}.json"
        path.write_text(schemas.text(schema), encoding="utf-8")
        written.append(str(path))
    path = schemas.SPEC_DIR / VECTORS_NAME
    path.write_text(text(build()), encoding="utf-8")
    return [*written, str(path)]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    for name in write():
        sys.stdout.write(f"wrote {name}\n")
