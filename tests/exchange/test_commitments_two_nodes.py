"""Two live nodes (``bureau serve`` processes): a pledge, its project and a disbursement
recorded at one node appear at the other, read-only, with the same totals."""

from __future__ import annotations

import httpx

from tests.exchange.conftest import Pair
from tests.exchange.support import wait_for


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_pledge_recorded_at_one_node_appears_at_the_other(pair: Pair) -> None:
    a, b = pair.server_a.base_url, pair.server_b.base_url
    token = pair.seeded_a["staff_token"]
    pledge = httpx.post(f"{a}/api/v1/commitments/pledges", headers=auth(token), timeout=10, json={
        "title": "Investment pledge", "pledged_by": "Azerbaijan", "pledged_to": "Pakistan",
        "amount": "2000000000", "currency": "USD", "source_title": "A press report"})  # fmt: skip
    assert pledge.status_code == 201, pledge.text
    uid = pledge.json()["uid"]
    project = httpx.post(f"{a}/api/v1/commitments/pledges/{uid}/projects", headers=auth(token), timeout=10,
                         json={"title": "LNG terminal", "sector": "energy", "stage": "agreed"}).json()  # fmt: skip
    httpx.post(f"{a}/api/v1/commitments/projects/{project['uid']}/money", headers=auth(token), timeout=10,
               json={"kind": "disbursed", "amount": "1700000", "currency": "AZN", "on": "2024-05-01"}).raise_for_status()  # fmt: skip

    def totals_at_b() -> dict | None:
        response = httpx.get(f"{b}/api/v1/commitments/pledges/{uid}", timeout=10)
        if response.status_code != 200 or not response.json()["projects"]:
            return None
        body = response.json()
        return body if body["projects"][0]["money_events"] else None

    there = wait_for(totals_at_b, "the pledge and its project at the other node")
    assert there["origin_node"] == "az-islamabad" and there["title"] == "Investment pledge"
    assert there["totals"]["disbursed"]["USD"]["amount"] == "1000000.00"
    refused = httpx.post(f"{b}/api/v1/commitments/projects/{project['uid']}/money",
                         headers=auth(pair.seeded_b["staff_token"]), timeout=10,
                         json={"kind": "committed", "amount": "1", "currency": "USD"})  # fmt: skip
    assert refused.status_code == 403  # read-only where it was received
    page = httpx.get(f"{b}/commitments/pledges/{uid}/", timeout=10).text
    assert "1,000,000.00 USD" in page and "az-islamabad" in page
