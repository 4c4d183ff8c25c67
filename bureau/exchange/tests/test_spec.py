"""The published schemas and test vectors are what the code makes and accepts, today.

When one of these fails after a change (an event type, an item field, a vocabulary value),
run ``make exchange-spec`` and commit the rewritten files under ``bureau/exchange/spec/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from bureau.catalog import services
from bureau.catalog.models import Item, Kind
from bureau.exchange import canonical as c
from bureau.exchange import identity, keys, log, peerauth, schemas, vectors
from bureau.exchange.apply import NOT_RECORD_FIELDS, apply_events, item_keys
from bureau.exchange.verify import Verified, check_chain

REGENERATE = "the stored file differs from what the code makes: run `make exchange-spec`"


def stored_vectors() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        (schemas.SPEC_DIR / vectors.VECTORS_NAME).read_text(encoding="utf-8")
    )
    return result


def validator(name: str) -> Draft202012Validator:
    registry: Registry = Registry().with_resources(
        (f"{n}.json", Resource.from_contents(json.loads(schemas.stored(n)))) for n in schemas.NAMES
    )
    return Draft202012Validator({"$ref": f"{name}.json"}, registry=registry)


def test_the_stored_schemas_are_what_the_code_makes():
    for name, schema in schemas.build().items():
        assert schemas.stored(name).decode("utf-8") == schemas.text(schema), f"{name}: {REGENERATE}"
    assert sorted(p.stem for p in schemas.SCHEMA_DIR.glob("*.json")) == sorted(schemas.NAMES)


def test_the_stored_vectors_are_what_the_code_makes_byte_for_byte():
    assert stored_vectors() == vectors.build(), REGENERATE
    assert (schemas.SPEC_DIR / vectors.VECTORS_NAME).read_text(encoding="utf-8") == vectors.text(
        vectors.build()
    )


def test_every_event_type_has_a_vector_and_a_body_schema():
    """Fails when an event type is added without its vector (``make exchange-spec``)."""
    typed = {v["event"]["type"] for v in stored_vectors()["events"]}
    assert set(c.EVENT_TYPES) - typed == set(), "no vector for some event types"
    assert set(c.EVENT_TYPES) <= set(schemas.BODY_SCHEMA)
    kinds = {v["event"]["body"].get("kind") for v in stored_vectors()["events"]}
    assert set(Kind.values) <= kinds, "every item kind needs a vector"


def test_the_vectors_hold_together_as_a_stranger_checks_them():
    """Canonical bytes, hashes, chain and signatures, from the stored text alone."""
    data = stored_vectors()
    public = keys.parse_public(data["test_key"]["public_key"])
    seed = keys.b64decode(data["test_key"]["private_seed_base64url"])
    assert seed == hashlib.sha256(data["test_key"]["seed_is_sha256_of"].encode()).digest()
    prev = data["empty_head"]["hash"]
    for vector in data["events"]:
        event = vector["event"]
        unsigned = {k: v for k, v in event.items() if k != "sig"}
        assert c.canonical(unsigned).decode() == vector["signed_utf8"]
        assert c.canonical(event).decode() == vector["canonical_utf8"]
        assert hashlib.sha256(vector["canonical_utf8"].encode()).hexdigest() == vector["hash"]
        assert event["prev"] == prev
        assert keys.verify(public, event["sig"], vector["signed_utf8"].encode())
        prev = vector["hash"]
    assert data["head"]["hash"] == prev
    check = check_chain(
        [v["event"] for v in data["events"]],
        node=data["node"],
        key=public,
        after_seq=0,
        after_hash=c.GENESIS,
    )
    assert check.problem == "" and len(check.verified) == len(data["events"])
    for case in data["canonical"]:
        assert c.canonical(case["value"]).decode() == case["canonical_utf8"]


def test_the_request_vectors_verify_as_the_node_checks_requests():
    data = stored_vectors()
    for request in data["requests"]:
        headers = request["headers"]
        claimed = peerauth.Claimed(
            headers["Bureau-Node"], headers["Bureau-Timestamp"], headers["Bureau-Signature"]
        )
        problem = peerauth.check(
            claimed,
            public_key=keys.parse_public(data["test_key"]["public_key"]),
            method=request["method"],
            target=request["target"],
            recipient=request["recipient"],
            body=request["body_utf8"].encode(),
            now=int(headers["Bureau-Timestamp"]),
        )
        assert problem is None


def test_the_vectors_and_a_page_of_them_validate_against_the_schemas():
    data = stored_vectors()
    events = [v["event"] for v in data["events"]]
    page = {"node": data["node"], "head": data["head"], "events": events}
    assert not list(validator("page").iter_errors(page))
    empty = {"node": data["node"], "head": data["empty_head"], "events": []}
    assert not list(validator("page").iter_errors(empty))
    broken = json.loads(json.dumps(events[0]))
    del broken["body"]["summary"]
    errors = list(validator("event").iter_errors(broken))
    assert any("summary" in e.message for e in errors)


@pytest.mark.django_db
def test_a_receiver_applies_every_vector_event(settings):
    data = stored_vectors()
    check = check_chain(
        [v["event"] for v in data["events"]],
        node=data["node"],
        key=keys.parse_public(data["test_key"]["public_key"]),
        after_seq=0,
        after_hash=c.GENESIS,
    )
    outcome = apply_events(data["node"], check.verified)
    assert outcome.refused == {}
    assert Item.objects.filter(origin_node=data["node"]).count() == len(Kind.values)


def test_bodies_the_node_logs_are_the_vectors_and_fit_the_schema(member, staff_az):
    """Each kind's vector body, entered as an item at this node, is logged as the vector has it."""
    by_kind = {
        v["event"]["body"]["kind"]: v["event"]["body"]
        for v in stored_vectors()["events"]
        if v["event"]["type"] == c.ITEM_PUBLISHED
    }
    for kind in Kind.values:
        vector = by_kind[kind]
        record = {k: v for k, v in vector.items() if k not in NOT_RECORD_FIELDS}
        item = services.item_create(actor=member, data=record)
        body = log.item_body(services.item_publish(actor=staff_az, item=item))
        assert set(body) == set(vector) == item_keys(kind), kind
        assert {k: body[k] for k in record} == record, kind
        assert not list(validator("item").iter_errors(body)), kind


def test_the_node_serves_its_schemas_by_name_only(client: Client):
    index = client.get("/exchange/v1/schemas/").json()
    assert index["schemas"] == [f"{n}.json" for n in schemas.NAMES]
    for name in schemas.NAMES:
        answer = client.get(f"/exchange/v1/schemas/{name}.json")
        assert answer.status_code == 200 and answer.content == schemas.stored(name)
        assert answer["Content-Type"] == "application/schema+json"
    for bad in ("vectors", "..%2Fvectors", "..%2F..%2Fspec%2Fvectors", "nothing"):
        assert client.get(f"/exchange/v1/schemas/{bad}.json").status_code == 404
    document = client.get("/.well-known/bureau-node").json()
    assert not list(validator("node").iter_errors(document))


def test_a_node_refuses_to_run_with_the_published_test_key(settings, tmp_path):
    settings.BUREAU_NODE_KEY = stored_vectors()["test_key"]["private_seed_base64url"]
    with pytest.raises(ImproperlyConfigured, match="published test key"):
        identity.node_key()


def test_malformed_envelope_fields_are_named():
    event = dict(stored_vectors()["events"][0]["event"])
    cases = {
        "at": "2026-03-01T09:30:00Z",
        "prev": "A" * 64,
        "sig": event["sig"] + "==",
        "node": "Test-Vectors",
        "type": "Item.Published",
        "seq": 0,
    }
    for name, value in cases.items():
        assert f"malformed {name}" in (c.envelope_error({**event, name: value}) or ""), name
    assert c.envelope_error(event) is None
    assert c.parse_timestamp(event["at"]) == dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_key_left_out_is_refused_not_read_as_empty():
    data = stored_vectors()
    lead = json.loads(json.dumps(data["events"][0]["event"]))
    verified = json.loads(json.dumps(data["events"][-1]["event"]))
    del lead["body"]["summary"], verified["body"]["organisation"]["city"]
    events = [Verified(1, "a" * 64, lead), Verified(2, "b" * 64, verified)]
    outcome = apply_events(data["node"], events)
    assert outcome.refused[1].startswith("summary: missing")
    assert outcome.refused[2] == "organisation.city: missing"
    assert not Item.objects.filter(origin_node=data["node"]).exists()
