"""A live node (on this run's database engine) against peers that misbehave: altered,
forged, missing, forked and replayed events; strangers; a peer that hangs, trickles or
answers garbage. Nothing bad is applied, each stop is explained, and the node keeps working."""

from __future__ import annotations

import copy
import functools
import time
import uuid

import httpx
import pytest

from bureau.exchange import keys, peerauth
from tests.exchange.support import FakeLog, FakePeer, Node, Server, add_peer, item_body, wait_for
from tests.live.support import lead, publish

NAMESPACE = uuid.UUID("9e1f0000-0000-4000-8000-000000000000")


def uid(name: str, n: int) -> str:
    """Each fake peer's own items: a uid another peer holds would be refused as not its."""
    return str(uuid.uuid5(NAMESPACE, f"{name}-{n}"))


def broken(node: Node, name: str) -> tuple[str, int, str] | None:
    state = peer_state(node, name)
    return state if state[0] == "broken" else None


def fake_peer(name: str, items: int = 4) -> FakePeer:
    log = FakeLog(name)
    for n in range(items):
        log.append(
            "item.published",
            item_body(uid(name, n), f"{name} lot {n}", org_uid=uid(name, 99)),
        )
    return FakePeer(log).start()


def peer_state(node: Node, name: str) -> tuple[str, int, str]:
    rows = node.query(
        "SELECT state, cursor_seq, last_error FROM exchange_peer WHERE name = ?", (name,)
    )
    return (rows[0][0], int(rows[0][1]), rows[0][2]) if rows else ("", 0, "")


def titles_from(node: Node, name: str) -> set[str]:
    return {
        row[0]
        for row in node.query("SELECT title FROM catalog_item WHERE origin_node = ?", (name,))
    }


def altered(fake: FakePeer, seq: int, change) -> None:
    original = fake.serve_events

    def serve(after: int, limit: int) -> list[dict]:
        events = copy.deepcopy(original(after, limit))
        for event in events:
            if event["seq"] == seq:
                change(event)
        return events

    fake.serve_events = serve


def flip_sig(event: dict) -> None:
    event["sig"] = event["sig"][:5] + ("A" if event["sig"][5] != "A" else "B") + event["sig"][6:]


def test_bad_events_stop_replication_with_the_reason_and_the_node_keeps_working(lone):
    node, server, seeded = lone
    fakes = {name: fake_peer(name) for name in ("fake-body", "fake-sig", "fake-key", "fake-gap")}
    fakes["fake-fork"] = fake_peer("fake-fork", items=2)
    try:
        altered(fakes["fake-body"], 3, lambda e: e["body"].update(title="price halved"))
        altered(fakes["fake-sig"], 3, flip_sig)
        skip_3 = fakes["fake-gap"].serve_events
        fakes["fake-gap"].serve_events = lambda a, n: [e for e in skip_3(a, n) if e["seq"] != 3]
        for name, fake in fakes.items():
            key = FakeLog("stranger").public_key if name == "fake-key" else fake.log.public_key
            add_peer(node, name, fake.url, key)

        expected = {
            "fake-body": (2, "event 3: the signature does not verify"),
            "fake-sig": (2, "event 3: the signature does not verify"),
            "fake-key": (0, "event 1: the signature does not verify"),
            "fake-gap": (2, "event 4 leaves a gap: event 3 was expected next"),
        }
        for name, (applied, reason) in expected.items():
            state = wait_for(functools.partial(broken, node, name), name)
            assert state[1] == applied and reason in state[2], (name, state)
            assert titles_from(node, name) == {f"{name} lot {n}" for n in range(applied)}
            assert f"replication from {name} stopped after event {applied}" in server.log()

        # The fork: events 1-2 are applied; then the peer's history is rewritten from 2 on,
        # validly signed with its own key.
        fork = fakes["fake-fork"]
        wait_for(lambda: peer_state(node, "fake-fork")[1] == 2, "the fork's first events")
        forked = FakeLog("fake-fork", key=fork.log.key, events=fork.log.events[:1])
        for n in (10, 11, 12):
            forked.append("item.published", item_body(uid("fake-fork", n), f"rewritten {n}"))
        fork.log = forked
        assert fork.nudge(server.base_url, node.name) == 202
        state = wait_for(lambda: broken(node, "fake-fork"), "the fork")
        assert "event 3 is a fork" in state[2] and state[1] == 2
        assert titles_from(node, "fake-fork") == {"fake-fork lot 0", "fake-fork lot 1"}

        page = httpx.get(f"{server.base_url}/exchange/", timeout=10).text
        assert page.count("Stopped") >= 5
        listing = node.bureau("peer", "list")
        assert "signature does not verify" in listing and "gap" in listing

        check_node_works(server, seeded)
    finally:
        for fake in fakes.values():
            fake.stop()


def test_a_replayed_page_is_ignored(lone):
    node, server, _seeded = lone
    fake = fake_peer("fake-replay", items=2)
    fake.log.append(
        "item.withdrawn", item_body(uid("fake-replay", 0), "fake-replay lot 0", status="withdrawn")
    )
    try:
        add_peer(node, "fake-replay", fake.url, fake.log.public_key)
        wait_for(lambda: peer_state(node, "fake-replay")[1] == 3, "the first pull")
        old = copy.deepcopy(fake.log.events[:2])
        fake.serve_events = lambda after, limit: old  # the publications again, not the withdrawal
        fake.log.append("item.published", item_body(uid("fake-replay", 5), "fake-replay lot 5"))
        assert fake.nudge(server.base_url, node.name) == 202
        wait_for(lambda: "sent 2 events already applied" in server.log(), "the replay in the log")
        assert peer_state(node, "fake-replay")[:2] == ("active", 3)
        status = node.query("SELECT status FROM catalog_item WHERE title = 'fake-replay lot 0'")
        assert status == [("withdrawn",)]  # not published again
    finally:
        fake.stop()


def signed_get(
    server: Server, node: Node, *, sender: str, key, now: float | None = None
) -> httpx.Response:
    target = "/exchange/v1/events?after=0&limit=100"
    headers = peerauth.sign_headers(
        key=key, method="GET", target=target, sender=sender, recipient=node.name, now=now
    )
    return httpx.get(server.base_url + target, headers=headers, timeout=10)


def test_requests_from_parties_that_are_not_peers_are_refused(lone):
    node, server, seeded = lone
    publish(server.base_url, seeded["staff_token"], lead(title="Not for strangers"))
    stranger, known = keys.generate(), FakeLog("fake-known")
    add_peer(node, "fake-known", "http://127.0.0.1:9", known.public_key)
    answers = [
        httpx.get(f"{server.base_url}/exchange/v1/events?after=0&limit=100", timeout=10),
        signed_get(server, node, sender="nobody", key=stranger),
        signed_get(server, node, sender="fake-known", key=stranger),
        signed_get(server, node, sender="fake-known", key=known.key, now=time.time() - 3600),
        httpx.post(f"{server.base_url}/exchange/v1/notify", content=b"{}", timeout=10),
    ]
    assert [a.status_code for a in answers] == [401] * 5
    assert all("Not for strangers" not in a.text for a in answers)
    assert signed_get(server, node, sender="fake-known", key=known.key).status_code == 200


@pytest.mark.parametrize("mode", ["hang", "trickle", "garbage"])
def test_a_peer_that_hangs_trickles_or_babbles_does_not_stall_the_node(lone, mode):
    node, server, seeded = lone
    name = f"fake-{mode}"
    fake = fake_peer(name, items=1)
    if mode == "hang":
        fake.hang.set()
    setattr(fake, mode, True) if mode != "hang" else None
    try:
        add_peer(node, name, fake.url, fake.log.public_key)
        if mode == "hang":
            wait_for(lambda: fake.held, "the node to be waiting on the peer")
        answered_while_held, n, deadline = 0, 0, time.monotonic() + 120
        # Publish and read at the node until three round trips fell wholly inside a hold
        # (the node retries the silent peer, waiting its timeout each time).
        while n < 5 or (mode == "hang" and answered_while_held < 3):
            assert time.monotonic() < deadline, "no round trip while the peer held a request"
            held_before = fake.held
            item = publish(
                server.base_url, seeded["staff_token"], lead(title=f"Own work {mode} {n}")
            )
            own = httpx.get(f"{server.base_url}/api/v1/items/{item['uid']}", timeout=5)
            assert own.status_code == 200
            answered_while_held += bool(held_before and fake.held)
            n += 1
        state = wait_for(
            lambda: peer_state(node, name) if peer_state(node, name)[2] else None, "the error"
        )
        reason = {
            "hang": "no answer",
            "trickle": "took more than",
            "garbage": "did not answer with JSON",
        }[mode]
        assert state[0] == "active" and reason in state[2], state
        check_node_works(server, seeded)
    finally:
        node.bureau("peer", "pause", name)
        fake.stop()


def check_node_works(server: Server, seeded: dict) -> None:
    """The node's own publishing, API and delivery go on."""
    item = publish(
        server.base_url, seeded["staff_token"], lead(title="Basmati rice, still flowing")
    )
    member = seeded["members"]["rice"]
    deliveries = f"{server.base_url}/api/v1/subscriptions/{member['subscription']}/deliveries"
    headers = {"Authorization": f"Bearer {member['token']}"}

    def delivered() -> bool:
        body = httpx.get(deliveries, headers=headers, timeout=10).json()
        return item["id"] in [d["item"]["id"] for d in body["deliveries"]]

    wait_for(delivered, "the node's own delivery")
