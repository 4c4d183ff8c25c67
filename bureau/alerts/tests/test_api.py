"""Subscriptions over the API: CRUD, isolation between members, bad input, the delivery log,
redelivery and webhook endpoints whose secret is shown only once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from bureau.accounts.models import User
from bureau.accounts.services import user_create
from bureau.alerts.models import Channel, Subscription, WebhookEndpoint
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery
from bureau.delivery.webhooks import record_result
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

API = "/api/v1"
RICE = {"name": "Rice to Baku", "kinds": ["lead"], "hs_prefixes": ["1006"]}


def send(client: Client, method: str, path: str, body: Any = None, *, token: str = "") -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = "" if body is None else json.dumps(body)
    return getattr(client, method)(
        f"{API}{path}", data=data, content_type="application/json", **extra
    )


def fields_of(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


@pytest.fixture
def other(company: Any) -> User:
    return user_create(
        email="other@rice.example", password=PASSWORD, organisation=company, role="member"
    )


@pytest.fixture
def token(member: User, token_for: Any) -> str:
    return str(token_for(member))


def dead(delivery: Delivery) -> None:
    """Fail every try of the retry schedule, as the sender would record them."""
    for _ in range(len(settings.BUREAU_WEBHOOK_RETRY_DELAYS) + 1):
        record_result(delivery.pk, status_code=503, error="", duration_ms=3)


# --- CRUD ---------------------------------------------------------------------------------------


def test_create_read_change_and_delete_a_subscription(client: Client, token: str) -> None:
    body = {**RICE, "value_min_usd": "1000", "channels": [{"kind": "live"}, {"kind": "atom"}]}
    created = send(client, "post", "/subscriptions", body, token=token)
    assert created.status_code == 201, created.content
    sub = created.json()
    assert (sub["name"], sub["kinds"], sub["hs_prefixes"]) == ("Rice to Baku", ["lead"], ["1006"])
    assert sub["value_min_usd"] == "1000.00" and sub["value_max_usd"] is None
    assert sub["deliveries"] == {"delivered": 0, "waiting": 0, "dead": 0}
    kinds = {c["kind"]: c for c in sub["channels"]}
    assert set(kinds) == {"live", "atom"} and kinds["live"]["feed_url"] is None
    token_of_feed = Channel.objects.get(kind="atom").feed_token
    expected = f"http://testserver/feeds/subscriptions/{token_of_feed}/"
    assert kinds["atom"]["feed_url"] == expected
    assert client.get(expected).status_code == 200  # the address works

    listed = send(client, "get", "/subscriptions", token=token).json()
    assert [s["id"] for s in listed] == [sub["id"]]
    assert send(client, "get", f"/subscriptions/{sub['id']}", token=token).json() == sub

    changed = send(
        client,
        "patch",
        f"/subscriptions/{sub['id']}",
        {
            "name": "Rice, any",
            "hs_prefixes": "10;1006",
            "channels": [{"kind": "email", "email_mode": "digest", "digest_hour": 7}],
        },
        token=token,
    )
    assert changed.status_code == 200, changed.content
    out = changed.json()
    assert out["name"] == "Rice, any" and out["hs_prefixes"] == ["10", "1006"]
    assert out["kinds"] == ["lead"]  # not sent, kept
    assert [(c["kind"], c["email_mode"], c["digest_hour"]) for c in out["channels"]] == [
        ("email", "digest", 7)
    ]

    assert send(client, "delete", f"/subscriptions/{sub['id']}", token=token).status_code == 204
    assert send(client, "get", f"/subscriptions/{sub['id']}", token=token).status_code == 404
    assert send(client, "get", "/subscriptions", token=token).json() == []
    assert not Subscription.objects.get(pk=sub["id"]).active


def test_the_default_channel_is_the_live_feed(client: Client, token: str) -> None:
    created = send(client, "post", "/subscriptions", {"name": "Everything"}, token=token)
    assert created.status_code == 201
    assert [c["kind"] for c in created.json()["channels"]] == ["live"]


def test_a_browser_session_works_too(client: Client, member: User) -> None:
    client.force_login(member)
    created = send(client, "post", "/subscriptions", RICE)
    assert created.status_code == 201, created.content
    assert Subscription.objects.get().owner == member


def test_authentication_is_required(client: Client) -> None:
    for method, path in (
        ("get", "/subscriptions"),
        ("post", "/subscriptions"),
        ("get", "/dead-letters"),
        ("get", "/webhook-endpoints"),
    ):
        response = send(client, method, path, RICE if method == "post" else None)
        assert response.status_code == 401, path
        assert response.json()["detail"].startswith("Authentication required")
    assert not Subscription.objects.exists()


def test_a_member_never_sees_another_members_subscriptions(
    client: Client, token: str, other: User, token_for: Any
) -> None:
    sub = send(client, "post", "/subscriptions", RICE, token=token).json()
    theirs = token_for(other)
    assert send(client, "get", "/subscriptions", token=theirs).json() == []
    for method, path, body in (
        ("get", f"/subscriptions/{sub['id']}", None),
        ("patch", f"/subscriptions/{sub['id']}", {"name": "Mine now"}),
        ("delete", f"/subscriptions/{sub['id']}", None),
        ("get", f"/subscriptions/{sub['id']}/deliveries", None),
        ("post", f"/subscriptions/{sub['id']}/redeliver-dead", None),
    ):
        response = send(client, method, path, body, token=theirs)
        assert response.status_code == 404, (method, path)
        assert response.json()["detail"] == f"There is no subscription {sub['id']}."
    untouched = Subscription.objects.get(pk=sub["id"])
    assert untouched.name == "Rice to Baku" and untouched.active


def test_ids_that_are_not_ids_are_not_found(client: Client, token: str) -> None:
    for method, path in (
        ("get", "/subscriptions/rice"),
        ("post", "/deliveries/not-a-uuid/redeliver"),
        ("delete", "/webhook-endpoints/1x"),
    ):
        response = send(client, method, path, token=token)
        assert response.status_code == 404, path
        assert response.json()["detail"].startswith("There is no API endpoint")


# --- Bad input ----------------------------------------------------------------------------------


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({**RICE, "hs_prefixes": ["1099"]}, "hs_prefixes", "not in the HS 2022"),
        ({**RICE, "hs_prefixes": ["10x"]}, "hs_prefixes", "not an HS code"),
        ({**RICE, "value_min_usd": 500, "value_max_usd": 100}, "value_max_usd", "below"),
        ({**RICE, "value_min_usd": "lots"}, "value_min_usd", "not a number"),
        ({**RICE, "origin_countries": ["XX"]}, "origin_countries", "XX"),
        ({**RICE, "destination_countries": "AZ;QQ"}, "destination_countries", "QQ"),
        ({**RICE, "kinds": ["rumour"]}, "kinds", "rumour"),
        ({**RICE, "sectors": ["magic"]}, "sectors", "magic"),
        ({**RICE, "name": ""}, "name", "required"),
        ({"kinds": ["lead"]}, "name", "required"),
        ({**RICE, "channels": [{"kind": "pigeon"}]}, "channels[1]", "kind must be"),
        ({**RICE, "channels": [{"kind": "webhook"}]}, "channels[1].endpoint", "not one of your"),
        (
            {**RICE, "channels": [{"kind": "email", "email_mode": "digest"}]},
            "channels[1].digest_hour",
            "0 to 23",
        ),
        ({**RICE, "colour": "blue"}, "body.colour", "not a known field"),
        ({**RICE, "hs_prefixes": {"a": 1}}, "body.hs_prefixes", "a list of strings"),
        ({**RICE, "channels": [{"endpoint": 1}]}, "body.channels.0.kind", "is required"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    client: Client, token: str, body: dict[str, Any], field: str, words: str
) -> None:
    response = send(client, "post", "/subscriptions", body, token=token)
    assert response.status_code == 422, response.content
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors and words in errors[field], errors
    assert response.json()["detail"].startswith("Invalid input: ")
    assert not Subscription.objects.exists() and not Channel.objects.exists()


def test_every_bad_field_is_reported_at_once(client: Client, token: str) -> None:
    body = {
        "name": "",
        "hs_prefixes": ["1099"],
        "origin_countries": ["XX"],
        "value_min_usd": 9,
        "value_max_usd": 1,
    }
    response = send(client, "post", "/subscriptions", body, token=token)
    assert response.status_code == 422
    assert fields_of(response) == {"name", "hs_prefixes", "origin_countries", "value_max_usd"}


def test_a_subscription_keeps_at_least_one_channel(client: Client, token: str) -> None:
    sub = send(client, "post", "/subscriptions", RICE, token=token).json()
    response = send(client, "patch", f"/subscriptions/{sub['id']}", {"channels": []}, token=token)
    assert response.status_code == 422 and fields_of(response) == {"channels"}
    assert Channel.objects.get().active


def test_a_bad_change_changes_nothing(client: Client, token: str) -> None:
    sub = send(client, "post", "/subscriptions", RICE, token=token).json()
    response = send(
        client,
        "patch",
        f"/subscriptions/{sub['id']}",
        {"name": "Renamed", "origin_countries": ["XX"]},
        token=token,
    )
    assert response.status_code == 422 and fields_of(response) == {"origin_countries"}
    assert (
        send(client, "get", f"/subscriptions/{sub['id']}", token=token).json()["name"]
        == "Rice to Baku"
    )


def test_a_webhook_channel_may_only_use_ones_own_endpoint(
    client: Client, token: str, other: User, token_for: Any
) -> None:
    with override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True):
        theirs = send(
            client,
            "post",
            "/webhook-endpoints",
            {"url": "http://127.0.0.1:9/h"},
            token=token_for(other),
        )
    body = {**RICE, "channels": [{"kind": "webhook", "endpoint": theirs.json()["id"]}]}
    response = send(client, "post", "/subscriptions", body, token=token)
    assert response.status_code == 422 and fields_of(response) == {"channels[1].endpoint"}


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.org/hook", "not an http(s) URL"),
        ("not a url", "not an http(s) URL"),
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://[::1]/hook", "private"),
        ("http://localhost/hook", "private"),
    ],
)
def test_a_malformed_or_private_webhook_url_is_refused(
    client: Client, token: str, url: str, words: str
) -> None:
    response = send(client, "post", "/webhook-endpoints", {"url": url}, token=token)
    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "url" and words in error["message"]
    assert not WebhookEndpoint.objects.exists()


def test_a_bad_status_filter_is_named(client: Client, token: str) -> None:
    response = send(client, "get", "/dead-letters?status=lost", token=token)
    assert response.status_code == 422 and fields_of(response) == {"status"}


# --- Delivery log and redelivery ----------------------------------------------------------------


@pytest.fixture
def hooked(client: Client, token: str) -> dict[str, Any]:
    """A subscription delivered live and by webhook, and one item it matched."""
    with override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True):
        endpoint = send(
            client, "post", "/webhook-endpoints", {"url": "http://127.0.0.1:9/hook"}, token=token
        ).json()
    channels = [{"kind": "live"}, {"kind": "webhook", "endpoint": endpoint["id"]}]
    sub = send(client, "post", "/subscriptions", {**RICE, "channels": channels}, token=token).json()
    return {"subscription": sub, "endpoint": endpoint}


def test_the_delivery_log_after_publishing_and_dispatching(
    client: Client, token: str, hooked: dict[str, Any], make_item: Any
) -> None:
    item = make_item(publish=True)
    make_item(publish=True, title="LNG cargo", hs_code="271111", product="LNG")  # no match
    assert dispatch_pending(LiveIndex()) == 2
    sub_id = hooked["subscription"]["id"]
    log = send(client, "get", f"/subscriptions/{sub_id}/deliveries", token=token).json()
    assert log["count"] == 2
    by_kind = {d["kind"]: d for d in log["deliveries"]}
    assert by_kind["live"]["status"] == "delivered" and by_kind["live"]["delivered_at"]
    webhook = by_kind["webhook"]
    assert webhook["status"] == "pending" and webhook["attempts"] == 0
    assert webhook["item"] == {"id": item.pk, "title": item.title, "url": f"/items/{item.pk}/"}
    assert webhook["subscription"] == {"id": sub_id, "name": "Rice to Baku"}

    dead(Delivery.objects.get(kind="webhook"))
    log = send(client, "get", f"/subscriptions/{sub_id}/deliveries?status=dead", token=token).json()
    [entry] = log["deliveries"]
    retries = len(settings.BUREAU_WEBHOOK_RETRY_DELAYS) + 1
    assert entry["attempts"] == retries and entry["last_error"] == "HTTP 503"
    assert [a["status_code"] for a in entry["attempt_log"]] == [503] * retries
    listed = send(client, "get", "/subscriptions", token=token).json()
    assert listed[0]["deliveries"] == {"delivered": 1, "waiting": 0, "dead": 1}
    endpoints = send(client, "get", "/webhook-endpoints", token=token).json()
    assert endpoints[0]["state"] == "failing" and endpoints[0]["failing_since"]


def test_redelivering_a_dead_letter_queues_it_again_with_the_same_id(
    client: Client, token: str, hooked: dict[str, Any], make_item: Any, other: User, token_for: Any
) -> None:
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    delivery = Delivery.objects.get(kind="webhook")
    dead(delivery)
    letters = send(client, "get", "/dead-letters", token=token).json()
    assert [d["uid"] for d in letters["deliveries"]] == [str(delivery.uid)]
    assert send(client, "get", "/dead-letters", token=token_for(other)).json()["count"] == 0
    assert (
        send(
            client, "post", f"/deliveries/{delivery.uid}/redeliver", token=token_for(other)
        ).status_code
        == 404
    )

    response = send(client, "post", f"/deliveries/{delivery.uid}/redeliver", token=token)
    assert response.status_code == 200, response.content
    assert response.json()["uid"] == str(delivery.uid) and response.json()["status"] == "pending"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at is not None
    assert Delivery.objects.filter(kind="webhook").count() == 1  # the same record, not a copy
    assert send(client, "get", "/dead-letters", token=token).json()["count"] == 0

    again = send(client, "post", f"/deliveries/{delivery.uid}/redeliver", token=token)
    assert again.status_code == 409 and "pending" in again.json()["detail"]
    live = Delivery.objects.get(kind="live")
    refused = send(client, "post", f"/deliveries/{live.uid}/redeliver", token=token)
    assert refused.status_code == 409 and "cannot be sent again" in refused.json()["detail"]
    unknown = send(
        client, "post", "/deliveries/00000000-0000-0000-0000-000000000000/redeliver", token=token
    )
    assert unknown.status_code == 404


def test_redeliver_all_dead_letters_of_a_subscription(
    client: Client, token: str, hooked: dict[str, Any], make_item: Any
) -> None:
    make_item(publish=True)
    make_item(publish=True, title="More basmati")
    dispatch_pending(LiveIndex())
    uids = set()
    for delivery in Delivery.objects.filter(kind="webhook"):
        dead(delivery)
        uids.add(delivery.uid)
    sub_id = hooked["subscription"]["id"]
    response = send(client, "post", f"/subscriptions/{sub_id}/redeliver-dead", token=token)
    assert response.status_code == 200 and response.json() == {"redelivered": 2}
    pending = Delivery.objects.filter(kind="webhook", status=Delivery.Status.PENDING)
    assert set(pending.values_list("uid", flat=True)) == uids
    assert send(client, "post", f"/subscriptions/{sub_id}/redeliver-dead", token=token).json() == {
        "redelivered": 0
    }


# --- Webhook endpoints --------------------------------------------------------------------------


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_the_endpoint_secret_is_shown_only_on_create_and_rotate(client: Client, token: str) -> None:
    created = send(
        client,
        "post",
        "/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hook", "description": "ERP"},
        token=token,
    )
    assert created.status_code == 201, created.content
    endpoint = created.json()
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and WebhookEndpoint.objects.get().secret == secret
    assert endpoint["description"] == "ERP" and endpoint["state"] == "healthy"

    channels = [{"kind": "webhook", "endpoint": endpoint["id"]}]
    sub = send(client, "post", "/subscriptions", {**RICE, "channels": channels}, token=token)
    for response in (
        send(client, "get", "/webhook-endpoints", token=token),
        sub,
        send(client, "get", "/subscriptions", token=token),
    ):
        assert secret not in response.content.decode()
        assert b'"secret"' not in response.content

    rotated = send(
        client, "post", f"/webhook-endpoints/{endpoint['id']}/rotate-secret", token=token
    )
    assert rotated.status_code == 200
    fresh = rotated.json()["secret"]
    assert fresh != secret and WebhookEndpoint.objects.get().secret == fresh
    assert rotated.json()["secret_rotated_at"] is not None
    assert fresh not in send(client, "get", "/webhook-endpoints", token=token).content.decode()


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_an_endpoint_in_use_cannot_be_removed(
    client: Client, token: str, hooked: dict[str, Any], other: User, token_for: Any
) -> None:
    endpoint_id, sub_id = hooked["endpoint"]["id"], hooked["subscription"]["id"]
    listed = send(client, "get", "/webhook-endpoints", token=token).json()
    assert listed[0]["subscriptions"] == [{"id": sub_id, "name": "Rice to Baku"}]
    for method, path in (
        ("post", f"/webhook-endpoints/{endpoint_id}/rotate-secret"),
        ("delete", f"/webhook-endpoints/{endpoint_id}"),
    ):
        assert send(client, method, path, token=token_for(other)).status_code == 404

    refused = send(client, "delete", f"/webhook-endpoints/{endpoint_id}", token=token)
    assert refused.status_code == 409 and "Rice to Baku" in refused.json()["detail"]
    send(client, "patch", f"/subscriptions/{sub_id}", {"channels": [{"kind": "live"}]}, token=token)
    assert (
        send(client, "delete", f"/webhook-endpoints/{endpoint_id}", token=token).status_code == 204
    )
    assert send(client, "get", "/webhook-endpoints", token=token).json() == []
