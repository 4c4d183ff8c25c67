"""Reading one item over the API: an ETag from its version, 304 when unchanged, and a cached
answer that is never older than the item or its organisation."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.test import Client

from bureau.catalog import services
from bureau.catalog.reads import CACHE_PREFIX

API = "/api/v1"


def test_a_published_item_has_an_etag_and_answers_304_while_unchanged(make_item, staff_az):
    item = make_item(publish=True, title="Cotton yarn from Multan")
    client = Client()
    first = client.get(f"{API}/items/{item.pk}")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/json; charset=utf-8"
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert cache.get(f"{CACHE_PREFIX}{item.pk}") is not None
    again = client.get(f"{API}/items/{item.pk}")
    assert again.content == first.content and again["ETag"] == etag
    # The uid path (not cached) answers the same record.
    by_uid = client.get(f"{API}/items/{item.uid}")
    assert json.loads(by_uid.content) == json.loads(first.content)

    unchanged = client.get(f"{API}/items/{item.pk}", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""

    services.item_update(actor=staff_az, item=item, data={"title": "Polyester yarn"})
    changed = client.get(f"{API}/items/{item.pk}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert json.loads(changed.content)["title"] == "Polyester yarn"


def test_the_cached_answer_follows_the_organisation_and_the_status(make_item, staff_az):
    item = make_item(publish=True, title="Sesame seeds")
    client = Client()
    before = json.loads(client.get(f"{API}/items/{item.pk}").content)
    organisation = item.organisation
    organisation.name = "Renamed Trading LLC"
    organisation.save()
    after = json.loads(client.get(f"{API}/items/{item.pk}").content)
    assert (before["organisation_name"], after["organisation_name"]) != (
        after["organisation_name"],
        after["organisation_name"],
    )
    assert after["organisation_name"] == "Renamed Trading LLC"

    services.item_withdraw(actor=staff_az, item=item, note="sold")
    assert client.get(f"{API}/items/{item.pk}").status_code == 404  # anonymous: not public now


def test_a_draft_is_read_as_before_without_etag(make_item):
    draft = make_item(title="Draft lead")
    answer = Client().get(f"{API}/items/{draft.pk}")
    assert answer.status_code == 404
    assert "ETag" not in answer
