"""The items API through HTTP: the moderation flow, access, bad input, limits and the docs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.test.client import Client as DjangoClient

from bureau.catalog.fields import ALL_FIELDS, FIELD_NAMES
from bureau.catalog.models import Item, ItemTransition, Status
from bureau.catalog.schemas import field_shape
from conftest import PASSWORD, lead_data

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters and cached facet counts live in the cache, which outlives a test.
    cache.clear()


def send(
    client: DjangoClient,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    raw: str | None = None,
    **extra: Any,
) -> Any:
    """A JSON request to the API, with a bearer token when given."""
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = raw if raw is not None else ("" if body is None else json.dumps(body))
    return getattr(client, method)(
        f"{API}{path}", data=data, content_type="application/json", **extra
    )


def fields_of(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_create_submit_publish_then_find_by_search_with_a_facet(
    client, member, staff_az, token_for
):
    member_token, staff_token = token_for(member), token_for(staff_az)
    created = send(client, "post", "/items", lead_data(), token=member_token)
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["status"] == "draft" and item["hs_code"] == "100630"
    assert item["organisation_name"] == "Punjab Rice Exporters"
    assert item["url"] == f"/items/{item['id']}/"
    assert "buyer" not in item  # fields of other kinds are left out

    # Not public yet.
    assert client.get(f"{API}/items/{item['id']}").status_code == 404
    assert client.get(f"{API}/items", {"q": "basmati"}).json()["count"] == 0

    submitted = send(client, "post", f"/items/{item['id']}/submit", token=member_token)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    published = send(client, "post", f"/items/{item['uid']}/publish", token=staff_token)
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["published_at"] is not None

    found = client.get(f"{API}/items", {"q": "basmati", "hs": "1006", "facets": "true"}).json()
    assert found["count"] == 1 and found["items"][0]["uid"] == item["uid"]
    assert ["10", 1] in found["facets"]["hs"]
    assert client.get(f"{API}/items", {"q": "basmati", "section": "II"}).json()["count"] == 1
    assert client.get(f"{API}/items", {"q": "basmati", "hs": "2711"}).json()["count"] == 0
    by_kind = client.get(f"{API}/items?kind=tender&kind=lead&country=AZ").json()
    assert by_kind["count"] == 1

    history = client.get(f"{API}/items/{item['id']}/history").json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "published"),
    ]
    assert all(h["actor"] is None for h in history)  # who did it is not public
    own_view = send(client, "get", f"/items/{item['id']}/history", token=member_token).json()
    assert own_view[-1]["actor"] == staff_az.email


def test_member_cannot_publish(client, member, token_for):
    token = token_for(member)
    item = send(client, "post", "/items", lead_data(), token=token).json()
    response = send(client, "post", f"/items/{item['id']}/publish", token=token)
    assert response.status_code == 403
    assert response.json()["detail"] == "You cannot make this item published."
    assert Item.objects.get(pk=item["id"]).status == Status.DRAFT


def test_member_cannot_create_published_but_staff_can(client, member, staff_az, token_for):
    denied = send(client, "post", "/items?publish=true", lead_data(), token=token_for(member))
    assert denied.status_code == 403 and Item.objects.count() == 0
    data = lead_data(organisation="punjab-rice-exporters")
    done = send(client, "post", "/items?publish=true", data, token=token_for(staff_az))
    assert done.status_code == 201 and done.json()["status"] == "published"


def test_staff_of_the_other_chamber_cannot_patch(client, make_item, staff_pk, token_for):
    item = make_item()
    before = Item.objects.get(pk=item.pk)
    response = send(
        client, "patch", f"/items/{item.pk}", {"title": "Hijacked"}, token=token_for(staff_pk)
    )
    assert response.status_code == 403
    after = Item.objects.get(pk=item.pk)
    assert (after.title, after.updated_at) == (before.title, before.updated_at)


def test_patch_changes_only_the_fields_sent(client, make_item, member, token_for):
    item = make_item()
    response = send(
        client, "patch", f"/items/{item.uid}", {"title": "Rice, 600 t"}, token=token_for(member)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Rice, 600 t" and body["product"] == "Basmati rice"
    assert body["value_amount"] == "450000.00"
    refused = send(
        client, "patch", f"/items/{item.pk}", {"kind": "tender"}, token=token_for(member)
    )
    assert refused.status_code == 422 and fields_of(refused) == {"kind"}


BAD_INPUT = [
    pytest.param(lead_data(hs_code="100699"), 422, {"hs_code"}, id="unknown-hs-code"),
    pytest.param(lead_data(origin_country="XX"), 422, {"origin_country"}, id="bad-country"),
    pytest.param(
        lead_data(valid_from="2026-05-01", valid_until="2026-04-01"),
        422,
        {"valid_until"},
        id="inverted-dates",
    ),
    pytest.param(
        {"kind": "lead", "summary": "no title"},
        422,
        {"title", "side", "product", "hs_code"},
        id="missing-fields",
    ),
    pytest.param(
        lead_data(title=["a list"], quantity={"n": 5}),
        422,
        {"body.title", "body.quantity"},
        id="wrong-types",
    ),
    pytest.param(lead_data(colour="red"), 422, {"body.colour"}, id="unknown-field"),
    pytest.param(lead_data(value_amount="1e40"), 422, {"value_amount"}, id="huge-amount"),
    pytest.param(lead_data(title="nul\x00byte"), 422, {"title"}, id="nul-character"),
    pytest.param([lead_data()], 422, {"body"}, id="not-an-object"),
]


@pytest.mark.parametrize(("body", "status", "fields"), BAD_INPUT)
def test_bad_input_names_each_field_and_writes_nothing(
    client, member, token_for, body, status, fields
):
    before = (Item.objects.count(), ItemTransition.objects.count())
    response = send(client, "post", "/items", body, token=token_for(member))
    assert response.status_code == status, response.content
    assert fields_of(response) == fields
    assert response.json()["detail"].startswith("Invalid input")
    assert (Item.objects.count(), ItemTransition.objects.count()) == before


def test_malformed_json_is_a_400_naming_the_body(client, member, token_for):
    response = send(client, "post", "/items", raw='{"kind": "lead",', token=token_for(member))
    assert response.status_code == 400
    assert response.json()["detail"] == "The request body is not valid JSON."
    assert fields_of(response) == {"body"}
    assert Item.objects.count() == 0


def test_bad_list_parameters_are_422_naming_the_parameter(client):
    response = client.get(f"{API}/items", {"limit": "0", "offset": "x"})
    assert response.status_code == 422 and fields_of(response) == {"limit", "offset"}
    response = client.get(f"{API}/items", {"value_min": "ten", "published_from": "May"})
    assert response.status_code == 422
    assert fields_of(response) == {"value_min", "published_from"}


def test_anonymous_write_is_401(client, make_item):
    item = make_item()
    before = Item.objects.count()
    for method, path in [
        ("post", "/items"),
        ("patch", f"/items/{item.pk}"),
        ("post", f"/items/{item.pk}/submit"),
    ]:
        response = send(client, method, path, lead_data())
        assert response.status_code == 401, path
        assert response.json()["detail"].startswith("Authentication required")
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert Item.objects.count() == before


def test_an_invalid_token_is_401_even_on_a_public_read(client, make_item):
    item = make_item(publish=True)
    response = send(client, "get", f"/items/{item.pk}", token="bur_not-a-real-token")
    assert response.status_code == 401
    assert response.json()["detail"] == "The API token is invalid or revoked."


def test_session_write_needs_the_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(email=member.email, password=PASSWORD)
    refused = send(browser, "post", "/items", lead_data())
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert Item.objects.count() == 0

    secret = "a" * 32
    browser.cookies["csrftoken"] = secret
    accepted = send(browser, "post", "/items", lead_data(), HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201
    assert Item.objects.get().created_by == member


def test_requests_over_the_rate_limit_get_429(client, settings, member, token_for):
    settings.API_RATE_LIMIT = "3/m"
    statuses = [client.get(f"{API}/items").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(f"{API}/items")
    assert refused.status_code == 429
    # Five counted in this minute: they weigh on the next one too, so the wait can pass 60 s.
    assert 0 < int(refused["Retry-After"]) <= 120
    assert refused.json() == {"detail": "Too many requests.", "errors": []}
    # A token has its own allowance, apart from the client address.
    token = token_for(member)
    assert send(client, "get", "/items", token=token).status_code == 200


def test_item_detail_by_id_or_uid_is_cheap(client, make_item, django_assert_max_num_queries):
    item = make_item(publish=True)
    with django_assert_max_num_queries(2):
        by_id = client.get(f"{API}/items/{item.pk}")
    assert by_id.status_code == 200
    assert by_id.json()["title"] == item.title and by_id.json()["organisation_verified"] is False
    assert client.get(f"{API}/items/{item.uid}").json()["id"] == item.pk
    for missing in ("999999", "not-an-id", "0f0e9d5c-0000-4000-8000-000000000000"):
        response = client.get(f"{API}/items/{missing}")
        assert response.status_code == 404 and response.json()["errors"] == []


def test_drafts_are_visible_to_their_organisation_and_its_moderators_only(
    client, make_item, member, staff_az, staff_pk, admin_user, token_for
):
    item = make_item()
    path = f"/items/{item.pk}"
    assert send(client, "get", path, token=token_for(member)).status_code == 200
    assert send(client, "get", path, token=token_for(staff_az)).status_code == 200
    assert send(client, "get", path, token=token_for(staff_pk)).status_code == 404

    def drafts(user: Any) -> int:
        return send(client, "get", "/items?status=draft", token=token_for(user)).json()["count"]

    assert (drafts(member), drafts(staff_az), drafts(staff_pk), drafts(admin_user)) == (1, 1, 0, 1)
    assert client.get(f"{API}/items", {"status": "draft"}).status_code == 401


def test_moderation_notes_and_refused_moves(client, make_item, member, staff_az, token_for):
    item = make_item()
    member_token, staff_token = token_for(member), token_for(staff_az)
    send(client, "post", f"/items/{item.pk}/submit", token=member_token)
    back = send(
        client,
        "post",
        f"/items/{item.pk}/return-to-draft",
        {"note": "Add the quantity"},
        token=staff_token,
    )
    assert back.status_code == 200 and back.json()["status"] == "draft"
    assert item.transitions.last().note == "Add the quantity"

    send(client, "post", f"/items/{item.pk}/withdraw", token=member_token)
    again = send(client, "post", f"/items/{item.pk}/publish", token=staff_token)
    assert again.status_code == 409
    assert Item.objects.get(pk=item.pk).status == Status.WITHDRAWN


def test_openapi_documents_every_item_field_with_its_help(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schemas = response.json()["components"]["schemas"]
    item_in = schemas["ItemIn"]["properties"]
    assert set(item_in) == set(FIELD_NAMES)
    for spec in ALL_FIELDS:
        assert item_in[spec.name]["description"].startswith(spec.help.rstrip(".")), spec.name
    assert set(FIELD_NAMES) <= set(schemas["ItemOut"]["properties"])
    assert "/api/v1/items/{ident}/history" in response.json()["paths"]
    docs = client.get(f"{API}/docs")
    assert docs.status_code == 200 and b"/static/ninja/swagger-ui-bundle.js" in docs.content


def test_field_shapes_follow_the_parsers():
    shapes = {spec.name: field_shape(spec) for spec in ALL_FIELDS}
    assert shapes["title"] == "text" and shapes["countries"] == "list"
    assert shapes["value_amount"] == "number" and shapes["is_example"] == "boolean"
    assert shapes["valid_until"] == "date" and shapes["deadline"] == "datetime"
    assert shapes["milestones"] == "records"
