"""Two live nodes (``bureau serve`` processes, SQLite and PostgreSQL): a member at one node
expresses interest in a lead published at the other; the interest travels as a signed,
addressed message, the owner accepts there, and each side receives the other's contact
details at its own node only then."""

from __future__ import annotations

from typing import Any

import httpx

from tests.exchange.conftest import Pair
from tests.exchange.support import wait_for
from tests.live.support import StreamReader, lead, publish


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(base: str, path: str, token: str) -> Any:
    response = httpx.get(f"{base}{path}", headers=auth(token), timeout=10)
    response.raise_for_status()
    return response.json()


def test_an_interest_crosses_nodes_and_contacts_cross_only_after_acceptance(pair: Pair):
    a, b = pair.server_a.base_url, pair.server_b.base_url
    owner_token = pair.seeded_a["staff_token"]
    asker = pair.seeded_b["members"]["rice"]
    watcher = pair.seeded_a["members"]["rice"]  # a subscriber at the owner's node, live
    reader = StreamReader(f"{a}/api/v1/stream", headers=auth(watcher["token"])).start()
    item = publish(a, owner_token, lead(title="Basmati rice for a partner at the other node"))
    wait_for(
        lambda: httpx.get(f"{b}/api/v1/items/{item['uid']}", timeout=10).status_code == 200,
        "the lead at the other node",
    )
    sent = httpx.post(
        f"{b}/api/v1/connect/interests",
        json={"item": item["uid"], "message": "We buy 300 t a quarter.", "quantity": "300"},
        headers=auth(asker["token"]),
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    uid = sent.json()["uid"]

    def received() -> list[dict[str, Any]]:
        return [
            i
            for i in get(a, "/api/v1/connect/interests", owner_token)["received"]
            if i["uid"] == uid
        ]

    (there,) = wait_for(received, "the interest at the owner's node")
    assert there["message"] == "We buy 300 t a quarter." and there["from"].startswith("Trader")
    assert asker["email"] not in str(get(a, "/api/v1/connect/interests", owner_token))
    assert get(b, "/api/v1/connect/introductions", asker["token"])["introductions"] == []

    accepted = httpx.post(
        f"{a}/api/v1/connect/interests/{uid}/accept", headers=auth(owner_token), timeout=10
    )
    assert accepted.status_code == 200, accepted.text

    def at_asker() -> dict[str, Any] | None:
        rows = get(b, "/api/v1/connect/introductions", asker["token"])["introductions"]
        return rows[0] if rows and rows[0]["contact"] else None

    mine = wait_for(at_asker, "the owner's contact details at the asker's node")
    assert mine["state"] == "accepted" and mine["contact"]["email"] == "staff@az.example"

    def at_owner() -> dict[str, Any] | None:
        rows = get(a, "/api/v1/connect/introductions", owner_token)["introductions"]
        return rows[0] if rows and rows[0]["contact"] else None

    theirs = wait_for(at_owner, "the asker's contact details at the owner's node")
    assert theirs["contact"]["email"] == asker["email"]
    sent_status = get(b, "/api/v1/connect/interests", asker["token"])["sent"][0]["status"]
    assert sent_status == "accepted"

    # What the live stream (SSE) carried to a subscriber: the item, and nothing of the connect loop.
    (event,) = reader.events(1)
    reader.stop()
    assert event.data["item"]["id"] == item["id"]
    assert asker["email"] not in str(event.data) and "300 t" not in str(event.data)


def test_a_declined_interest_comes_back_declined_with_nothing_shared(pair: Pair):
    a, b = pair.server_a.base_url, pair.server_b.base_url
    owner_token = pair.seeded_a["staff_token"]
    asker = pair.seeded_b["members"]["rice"]
    item = publish(a, owner_token, lead(title="Sella rice, a lot the owner keeps"))
    wait_for(
        lambda: httpx.get(f"{b}/api/v1/items/{item['uid']}", timeout=10).status_code == 200,
        "the lead at the other node",
    )
    sent = httpx.post(
        f"{b}/api/v1/connect/interests",
        json={"item": item["uid"], "message": "Can we talk?"},
        headers=auth(asker["token"]),
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    uid = sent.json()["uid"]
    wait_for(
        lambda: any(
            i["uid"] == uid for i in get(a, "/api/v1/connect/interests", owner_token)["received"]
        ),
        "the interest at the owner's node",
    )
    declined = httpx.post(
        f"{a}/api/v1/connect/interests/{uid}/decline", headers=auth(owner_token), timeout=10
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"

    def status_at_asker() -> str:
        sent_rows = get(b, "/api/v1/connect/interests", asker["token"])["sent"]
        return next(i["status"] for i in sent_rows if i["uid"] == uid)

    wait_for(lambda: status_at_asker() == "declined", "the decline at the asker's node")
    for base, token in ((a, owner_token), (b, asker["token"])):
        rows = get(base, "/api/v1/connect/introductions", token)["introductions"]
        assert all(r["item"] != item["uid"] for r in rows)
