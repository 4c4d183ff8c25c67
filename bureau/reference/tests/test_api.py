"""Reference look-ups through HTTP."""

from __future__ import annotations

import pytest
from django.core.cache import cache

API = "/api/v1/reference"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # rate-limit counters outlive a test


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["code"] for c in response.json()]


def test_hs_by_code_prefix(client):
    found = codes(client.get(f"{API}/hs", {"q": "2711"}))
    assert found[0] == "2711" and "271111" in found
    assert all(code.startswith("2711") for code in found)
    assert codes(client.get(f"{API}/hs", {"q": "27.11"})) == found  # dots as people type them


def test_hs_by_words(client):
    found = codes(client.get(f"{API}/hs", {"q": "natural gas"}))
    assert {"271111", "271121"} <= set(found)
    assert len(codes(client.get(f"{API}/hs", {"q": "rice", "limit": "2"}))) == 2


def test_hs_search_limit_is_bounded(client):
    response = client.get(f"{API}/hs", {"q": "rice", "limit": "101"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]


def test_hs_code_with_its_ancestry_and_section(client):
    body = client.get(f"{API}/hs/2711.11").json()
    assert body["code"] == "271111" and body["level"] == 6
    assert [a["code"] for a in body["ancestry"]] == ["27", "2711"]
    assert (body["section"], body["section_name"]) == ("V", "Mineral products")


@pytest.mark.parametrize("code", ["100699", "abc"])
def test_unknown_hs_code_is_404_saying_why(client, code):
    response = client.get(f"{API}/hs/{code}")
    assert response.status_code == 404
    assert code in response.json()["detail"] and response.json()["errors"] == []


def test_vocabularies(client):
    countries = {c["code"]: c["name"] for c in client.get(f"{API}/countries").json()}
    assert countries["AZ"] == "Azerbaijan" and countries["PK"] == "Pakistan"
    assert {"AZN", "PKR", "USD"} <= set(codes(client.get(f"{API}/currencies")))
    incoterms = codes(client.get(f"{API}/incoterms"))
    assert len(incoterms) == 11 and "FOB" in incoterms
    assert "energy" in codes(client.get(f"{API}/sectors"))
    assert "TNE" in codes(client.get(f"{API}/units"))
