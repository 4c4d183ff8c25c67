"""Conformance: a minimal peer built from ``docs/exchange.md`` and the schemas, against a live node.

The peer (``minipeer``) imports nothing of Bureau. The node is a real ``bureau serve``
process on this run's database. The peer pulls the node's log and verifies it, publishes
its own log to the node, and checks the node's answer to each malformed input the document
lists, both as a server (requests) and as a receiver (events).
"""

from __future__ import annotations

import ast
import contextlib
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.exchange import minipeer as mp
from tests.live.support import BUREAU, Store, run, seed, serving, store_for_this_run

NODE = "az-islamabad"
WAIT = 120.0


@dataclass
class Live:
    store: Store
    base_url: str
    token: str
    remote: mp.Remote
    schemas: mp.Schemas

    def bureau(self, *args: str) -> str:
        done = run(self.store, BUREAU, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        url = self.store.env.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            import psycopg

            with psycopg.connect(url) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        path = Path(self.store.env["BUREAU_HOME"]) / "bureau.sqlite3"
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            return list(conn.execute(sql, params).fetchall())

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return value


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One node for the module (each test worker starts its own); every test uses peers of
    its own names, and only the first test below writes to the node's own log."""
    store = store_for_this_run(
        tmp_path_factory.mktemp("conformance") / "node",
        BUREAU_NODE_NAME=NODE,
        BUREAU_NODE_TITLE="Conformance node",
        BUREAU_NODE_COUNTRY="AZ",
        BUREAU_EXCHANGE_TIMEOUT="2",
        BUREAU_EXCHANGE_POLL_SECONDS="1",
    )
    try:
        token = seed(store, {})["staff_token"]
        with serving(store) as process:
            remote = mp.Remote(process.base_url).discover()
            yield Live(store, process.base_url, token, remote, mp.Schemas(remote.schemas_url))
    finally:
        store.drop()


def test_the_peer_is_written_without_bureau():
    tree = ast.parse(Path(mp.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if name.startswith(("bureau", "tests", "django"))]


# --- the node as a server -----------------------------------------------------------------


def _pull_all(live: Live, me: mp.OwnLog, limit: int = 2) -> list[dict[str, Any]]:
    seq, digest, events = 0, mp.GENESIS, []
    while True:
        page = _get(live, me, f"?after={seq}&limit={limit}").json()
        assert not live.schemas.errors("page", page)
        seq, digest = mp.check_page(page, live.remote, seq, digest)
        events += page["events"]
        if seq >= page["head"]["seq"]:
            assert page["head"]["hash"] == digest
            return events


def _get(live: Live, me: mp.OwnLog, query: str, **sign: Any) -> httpx.Response:
    url = live.remote.events_url + query
    headers = mp.request_headers(
        me.key,
        method="GET",
        target=sign.pop("target", mp.target_of(url)),
        sender=sign.pop("sender", me.name),
        recipient=sign.pop("recipient", live.remote.name),
        **sign,
    )
    return httpx.get(url, headers=headers, timeout=30)


def test_a_stranger_discovers_pulls_and_verifies_the_log(live: Live):
    document = live.remote.document
    assert not live.schemas.errors("node", document)
    assert document["protocol"] == "bureau-exchange/1"
    shown = live.bureau("node", "show")
    assert document["public_key"] in shown  # the key as the node's admin hands it over

    me = mp.OwnLog("tr-puller")
    assert _get(live, me, "?after=0").status_code == 401  # not a peer yet
    live.bureau("peer", "add", me.name, "http://127.0.0.1:9/", "--key", me.public_key)

    empty = _get(live, me, "?after=0").json()
    assert empty == {"node": NODE, "head": {"seq": 0, "hash": mp.GENESIS, "at": None}, "events": []}

    first = live.api("POST", "/api/v1/items?publish=true", json=_lead("Cotton, 20 t")).json()
    assert live.api(
        "PATCH", f"/api/v1/items/{first['uid']}", json={"summary": "Now 30 t"}
    ).is_success
    assert live.api("POST", f"/api/v1/items/{first['uid']}/withdraw").is_success
    live.api("POST", "/api/v1/items?publish=true", json=_lead("Wheat, 50 t"))

    events = _pull_all(live, me, limit=2)
    assert [e["type"] for e in events] == [
        "item.published",
        "item.updated",
        "item.withdrawn",
        "item.published",
    ]
    assert (
        events[1]["body"]["summary"] == "Now 30 t" and events[1]["body"]["title"] == "Cotton, 20 t"
    )
    assert all(not live.schemas.errors("event", e) for e in events)

    # Edges of the events endpoint, as the document states them.
    assert _get(live, me, "?after=0&limit=0").json()["events"] == []
    beyond = _get(live, me, "?after=99").json()
    assert beyond["events"] == [] and beyond["head"]["seq"] == 4
    padded = mp.request_headers(
        me.key, method="GET", target="/exchange/v1/events", sender=me.name, recipient=NODE
    )
    padded["Bureau-Signature"] += "=="
    assert httpx.get(live.remote.events_url, headers=padded, timeout=30).status_code == 200


def _lead(title: str) -> dict[str, Any]:
    return {
        "kind": "lead",
        "title": title,
        "summary": "Long staple.",
        "side": "sell",
        "product": "Cotton",
        "hs_code": "520100",
    }


def test_the_node_refuses_each_malformed_request_as_the_document_says(live: Live):
    me = mp.OwnLog("tr-requests")
    live.bureau("peer", "add", me.name, "http://127.0.0.1:9/", "--key", me.public_key)
    stamp = int(time.time())
    refused = {
        "unsigned": httpx.get(live.remote.events_url, timeout=30),
        "unknown node": _get(live, mp.OwnLog("xx-nobody"), ""),
        "another key": _get(live, mp.OwnLog(me.name), ""),
        "another recipient": _get(live, me, "", recipient="pk-baku"),
        "target without prefix": _get(live, me, "", target="/events"),
        "stale": _get(live, me, "", stamp=str(stamp - 301)),
        "leading zero": _get(live, me, "", stamp=f"0{stamp}"),
    }
    for case, answer in refused.items():
        assert answer.status_code == 401, case
        assert not live.schemas.errors("error", answer.json()), case
    assert "leading zero" in refused["leading zero"].json()["detail"]

    for query, name in (("?after=-1", "after"), ("?after=x", "after"), ("?limit=5001", "limit")):
        answer = _get(live, me, query)
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == name

    body = b"not even JSON"
    headers = mp.request_headers(
        me.key,
        method="POST",
        target=mp.target_of(live.remote.notify_url),
        sender=me.name,
        recipient=NODE,
        body=body,
    )
    nudged = httpx.post(live.remote.notify_url, content=body, headers=headers, timeout=30)
    assert nudged.status_code == 202 and not live.schemas.errors("accepted", nudged.json())
    assert httpx.get(live.remote.schemas_url + "..%2Fevents.json", timeout=30).status_code == 404


# --- the node as a receiver of the peer's events -------------------------------------------


def _item(title: str, owner: str, **fields: Any) -> dict[str, Any]:
    body = {
        "uid": str(uuid.uuid4()),
        "kind": "notice",
        "title": title,
        "summary": "Issued by the ministry.",
        "body": "",
        "language": "en",
        "countries": ["TR"],
        "hs_codes": [],
        "sectors": [],
        "value_amount": None,
        "value_currency": "",
        "valid_from": None,
        "valid_until": None,
        "source_title": "",
        "source_url": "",
        "is_example": True,
        "notice_type": "tariff",
        "starts_on": "2026-07-01",
        "ends_on": None,
        "place": "Ankara",
        "authority": "Ministry of Trade",
        "status": "published",
        "published_at": mp.now_at(),
        # Its slug is the seeded chamber's at the node: the node names it otherwise.
        "organisation": {
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, owner)),
            "slug": "chamber",
            "name": f"Chamber of {owner}",
            "kind": "chamber",
            "country": "TR",
            "city": "Ankara",
            "verified": False,
        },
    }
    body.update(fields)
    return body


def _served(live: Live, log: mp.OwnLog) -> mp.Server:
    server = mp.Server(log).start()
    server.remote = live.remote
    live.bureau("peer", "add", log.name, server.url, "--key", log.public_key)
    return server


def _received(live: Live, peer: str) -> dict[int, tuple[str, str]]:
    rows = live.query(
        "SELECT r.seq, r.outcome, r.reason FROM exchange_receivedevent r "
        "JOIN exchange_peer p ON p.id = r.peer_id WHERE p.name = ?",
        (peer,),
    )
    return {seq: (outcome, reason) for seq, outcome, reason in rows}


def _peer_state(live: Live, peer: str) -> tuple[str, int, str]:
    row = live.query(
        "SELECT state, cursor_seq, last_error FROM exchange_peer WHERE name = ?", (peer,)
    )
    return row[0][0], int(row[0][1]), row[0][2]


def test_the_node_applies_refuses_or_stops_on_the_peers_events(live: Live):
    log = mp.OwnLog("tr-ankara")
    first = _item("Tariff on cotton yarn", log.name)
    log.append("item.published", first)
    log.append("item.published", _item("With a field from a newer peer", log.name, colour="blue"))
    log.append("example.noted", {"anything": True})  # a type this node does not know
    log.append("item.updated", {k: v for k, v in first.items() if k != "summary"})
    log.append(
        "organisation.verified", {"organisation": {**first["organisation"], "verified": True}}
    )
    server = _served(live, log)
    try:
        received = wait_for(
            lambda: len(_received(live, log.name)) == 5 and _received(live, log.name), "5 events"
        )
        outcomes = {seq: outcome for seq, (outcome, _) in received.items()}
        assert outcomes == {1: "applied", 2: "applied", 3: "refused", 4: "refused", 5: "applied"}
        assert "not an event type" in received[3][1]
        assert "summary: missing" in received[4][1]
        summary = live.query("SELECT summary FROM catalog_item WHERE title = ?", (first["title"],))
        assert summary == [("Issued by the ministry.",)]  # the incomplete update changed nothing
        slugs = live.query(
            "SELECT slug FROM accounts_organisation WHERE name = ?", (f"Chamber of {log.name}",)
        )
        assert slugs == [("chamber-tr-ankara",)]
        assert _peer_state(live, log.name)[0] == "active"
    finally:
        server.stop()


# What the second of three events gets wrong: (keys set before signing, keys set after).
STOPS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "signature does not verify": ({}, {}),  # altered after the next event was signed: below
    "gap": ({"seq": 3}, {}),
    "fork": ({"prev": "f" * 64}, {}),
    "names node": ({"node": "pk-baku"}, {}),
    "malformed at": ({"at": "2026-03-01T09:30:00Z"}, {}),
    "unknown keys": ({"extra": 1}, {}),
    "fraction": ({}, {"body": {"value_amount": 1.5}}),
}


@pytest.mark.parametrize("case", sorted(STOPS))
def test_the_node_stops_at_a_bad_event_and_applies_nothing_after_it(live: Live, case: str):
    log = mp.OwnLog("tr-" + case.replace(" ", "-"))
    signed, spoil = STOPS[case]
    log.append("item.published", _item(f"Before {case}", log.name))
    log.append("item.published", _item(f"Bad {case}", log.name), signed=signed, spoil=spoil)
    log.append("item.published", _item(f"After {case}", log.name))
    if case == "signature does not verify":
        log.events[1]["body"]["summary"] = "Altered on the way"
    server = _served(live, log)
    try:
        _state, cursor, error = wait_for(
            lambda: (s := _peer_state(live, log.name))[0] == "broken" and s, "the peer to stop"
        )
        assert cursor == 1 and "event 2" in error, error
        assert case.split()[-1] in error or case in error, error
        titles = {
            t
            for (t,) in live.query(
                "SELECT title FROM catalog_item WHERE title LIKE ?", (f"%{case}",)
            )
        }
        assert titles == {f"Before {case}"}
    finally:
        server.stop()


def test_an_event_is_taken_once_a_later_signature_vouches_for_it(live: Live):
    """An event whose own signature fails, followed by one signed with the peer's key that
    links to it, is taken; at the end of the log it stops replication until resumed."""
    log = mp.OwnLog("tr-vouching")
    log.append("item.published", _item("Signed", log.name))
    unsigned = log.append("item.published", _item("Vouched for later", log.name))
    stranger = mp.Ed25519PrivateKey.generate()
    signed_part = mp.canonical({k: v for k, v in unsigned.items() if k != "sig"})
    unsigned["sig"] = mp.b64(stranger.sign(signed_part))
    server = _served(live, log)
    try:
        _state, cursor, error = wait_for(
            lambda: (s := _peer_state(live, log.name))[0] == "broken" and s, "the stop"
        )
        assert cursor == 1 and "event 2: the signature does not verify" in error
        log.append("item.published", _item("Vouching", log.name))
        live.bureau("peer", "resume", log.name)
        wait_for(lambda: _peer_state(live, log.name)[1] == 3, "all three events")
        assert set(_received(live, log.name)) == {1, 2, 3}
    finally:
        server.stop()
