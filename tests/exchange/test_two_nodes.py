"""Two live nodes, one on SQLite and one on PostgreSQL, each a ``bureau serve`` process:
what one publishes, the other shows, read-only, and delivers to its own subscribers."""

from __future__ import annotations

import httpx

from tests.exchange.conftest import Pair
from tests.exchange.support import wait_for
from tests.live.support import lead, publish


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def item_at(base_url: str, uid: str) -> dict | None:
    response = httpx.get(f"{base_url}/api/v1/items/{uid}", timeout=10)
    return response.json() if response.status_code == 200 else None


def test_published_at_one_node_shown_and_delivered_at_the_other(pair: Pair):
    a, b = pair.server_a.base_url, pair.server_b.base_url
    item = publish(
        a, pair.seeded_a["staff_token"], lead(title="Basmati rice, from the SQLite node")
    )
    there = wait_for(lambda: item_at(b, item["uid"]), "the item at the other node")
    assert there["origin_node"] == "az-islamabad" and there["title"] == item["title"]
    assert there["status"] == "published" and there["organisation_name"] == "Chamber"
    page = httpx.get(f"{b}/items/{there['id']}/", timeout=10).text
    assert "From Chamber node az-islamabad" in page  # its origin, by the peer's title

    member = pair.seeded_b["members"]["rice"]
    deliveries = f"{b}/api/v1/subscriptions/{member['subscription']}/deliveries"

    def delivered() -> list[int]:
        body = httpx.get(deliveries, headers=auth(member["token"]), timeout=10).json()
        return [d["item"]["id"] for d in body["deliveries"]]

    wait_for(lambda: there["id"] in delivered(), "the delivery to the other node's subscriber")

    refused = httpx.patch(
        f"{b}/api/v1/items/{item['uid']}",
        json={"title": "Changed at B"},
        headers=auth(pair.seeded_b["staff_token"]),
        timeout=10,
    )
    assert refused.status_code == 403  # read-only where it was received

    httpx.patch(
        f"{a}/api/v1/items/{item['uid']}",
        json={"title": "Basmati rice, 600 t"},
        headers=auth(pair.seeded_a["staff_token"]),
        timeout=10,
    ).raise_for_status()
    wait_for(
        lambda: (item_at(b, item["uid"]) or {}).get("title") == "Basmati rice, 600 t", "the update"
    )
    httpx.post(
        f"{a}/api/v1/items/{item['uid']}/withdraw",
        json={},
        headers=auth(pair.seeded_a["staff_token"]),
        timeout=10,
    ).raise_for_status()
    wait_for(
        lambda: (
            pair.b.scalar(
                "SELECT status FROM catalog_item WHERE uid = ?",
                (item["uid"].replace("-", "") if pair.b.engine == "sqlite" else item["uid"],),
            )
            == "withdrawn"
        ),
        "the withdrawal",
    )
    assert item_at(b, item["uid"]) is None  # withdrawn: no longer public there either


def test_the_other_direction_and_the_status_pages(pair: Pair):
    a, b = pair.server_a.base_url, pair.server_b.base_url
    item = publish(
        b, pair.seeded_b["staff_token"], lead(title="Cotton yarn, from the PostgreSQL node")
    )
    there = wait_for(lambda: item_at(a, item["uid"]), "the item at the SQLite node")
    assert there["origin_node"] == "pk-baku"
    status = httpx.get(f"{a}/exchange/", timeout=10).text
    assert "pk-baku" in status and "Chamber node pk-baku" in status
    listing = pair.a.bureau("peer", "list")
    row = next(line for line in listing.splitlines() if line.startswith("pk-baku"))
    assert row.split()[1] == "active" and row.split()[3] == "0"  # nothing behind
