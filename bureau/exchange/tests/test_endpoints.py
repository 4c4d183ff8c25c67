"""``/.well-known/bureau-node``, ``/exchange/v1/events`` and ``/notify`` over HTTP: only
configured peers, signed and recent, are answered; the status page shows each peer."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from bureau.exchange import canonical as c
from bureau.exchange import keys, peerauth, services
from bureau.exchange.identity import public_key
from bureau.exchange.models import Peer

pytestmark = pytest.mark.django_db
PEER_KEY = keys.generate()


@pytest.fixture
def peer(db) -> Peer:
    return services.peer_add(
        name="pk-baku", url="http://127.0.0.1:9", public_key=keys.public_text(PEER_KEY)
    )


def signed(
    target: str,
    *,
    method: str = "GET",
    body: bytes = b"",
    key=PEER_KEY,
    sender="pk-baku",
    recipient: str | None = None,
    now: float | None = None,
) -> dict[str, str]:
    from django.conf import settings

    return peerauth.sign_headers(
        key=key,
        method=method,
        target=target,
        sender=sender,
        recipient=recipient or settings.BUREAU_NODE_NAME,
        body=body,
        now=now,
    )


def test_the_node_document_says_who_the_node_is(client: Client, settings):
    document = client.get("/.well-known/bureau-node").json()
    assert document["name"] == settings.BUREAU_NODE_NAME
    assert document["country"] == settings.BUREAU_NODE_COUNTRY
    assert document["public_key"] == public_key() and document["protocol"] == c.PROTOCOL


def test_a_peer_reads_the_log_page_by_page(client: Client, peer, make_item, settings):
    items = [make_item(publish=True, title=f"Lot {n}") for n in range(5)]

    def page(after: int, limit: int) -> dict:
        target = f"/exchange/v1/events?after={after}&limit={limit}"
        response = client.get(target, headers=signed(target))
        assert response.status_code == 200
        return json.loads(response.content)

    middle = page(1, 3)
    assert [e["seq"] for e in middle["events"]] == [2, 3, 4]
    assert [e["body"]["uid"] for e in middle["events"]] == [str(i.uid) for i in items[1:4]]
    assert middle["node"] == settings.BUREAU_NODE_NAME and middle["head"]["seq"] == 5
    last = page(4, 10)["events"]
    assert [e["seq"] for e in last] == [5] and middle["head"]["hash"] == c.event_hash(last[0])
    assert page(5, 10)["events"] == []


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({}, "must be signed by a configured peer"),
        ({"sender": "az-baku"}, "'az-baku' is not a peer of this node"),
        ({"key": keys.generate()}, "does not verify"),
        ({"recipient": "another-node"}, "does not verify"),
        ({"now": time.time() - 3600}, "away from this node's clock"),
    ],
)
def test_requests_not_signed_by_a_configured_peer_are_refused(
    client: Client, peer, make_item, headers, reason
):
    make_item(publish=True)
    target = "/exchange/v1/events?after=0&limit=10"
    extra = signed(target, **headers) if headers else {}
    response = client.get(target, headers=extra)
    assert response.status_code == 401 and reason in response.json()["detail"]
    assert b"Basmati" not in response.content


def test_a_signature_for_other_parameters_does_not_open_them(client: Client, peer):
    response = client.get(
        "/exchange/v1/events?after=0&limit=10",
        headers=signed("/exchange/v1/events?after=5&limit=10"),
    )
    assert response.status_code == 401


def test_bad_parameters_are_named(client: Client, peer):
    target = "/exchange/v1/events?after=-1&limit=99999"
    body = client.get(target, headers=signed(target)).json()
    assert {e["field"] for e in body["errors"]} == {"after", "limit"}


def test_a_nudge_is_noted_and_answered_at_once(client: Client, peer):
    body = b'{"head": 7}'
    response = client.post(
        "/exchange/v1/notify",
        data=body,
        content_type="application/json",
        headers=signed("/exchange/v1/notify", method="POST", body=body),
    )
    assert response.status_code == 202
    assert Peer.objects.get(pk=peer.pk).nudged_at is not None
    tampered = client.post(
        "/exchange/v1/notify",
        data=b'{"head": 8}',
        content_type="application/json",
        headers=signed("/exchange/v1/notify", method="POST", body=body),
    )
    assert tampered.status_code == 401
    assert (
        client.get("/exchange/v1/notify", headers=signed("/exchange/v1/notify")).status_code == 405
    )


def test_the_status_page_shows_peers_and_their_errors_to_staff_only(client: Client, peer, staff_az):
    Peer.objects.filter(pk=peer.pk).update(
        state=Peer.State.BROKEN, last_error="event 12 is a fork", cursor_seq=11, head_seq=40
    )
    public = client.get("/exchange/").content.decode()
    assert "pk-baku" in public and "Stopped" in public and "event 12 is a fork" not in public
    assert public_key() in public
    client.force_login(staff_az)
    staff = client.get("/exchange/").content.decode()
    assert "event 12 is a fork" in staff and "bureau peer resume pk-baku" in staff
    fragment = client.get("/exchange/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "29 events" in fragment


def test_refusals_beyond_the_api_rate_become_429_but_signed_requests_are_answered(
    client: Client, peer, settings
):
    settings.API_RATE_LIMIT = "3/h"
    target = "/exchange/v1/events?after=0&limit=10"
    statuses = [client.get(target).status_code for _ in range(5)]
    assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]
    limited = client.get(target)
    assert int(limited["Retry-After"]) > 0 and "too many" in limited.json()["detail"]
    assert client.get(target, headers=signed(target)).status_code == 200


@pytest.mark.parametrize("state", [Peer.State.PAUSED, Peer.State.BROKEN])
def test_a_paused_or_broken_peer_may_still_read_the_log(client: Client, peer, make_item, state):
    """Pausing says what this node does (no pulls, no nudges), not what the peer may read."""
    make_item(publish=True)
    Peer.objects.filter(pk=peer.pk).update(state=state)
    target = "/exchange/v1/events?after=0&limit=10"
    page = client.get(target, headers=signed(target)).json()
    assert [e["type"] for e in page["events"]] == ["item.published"]


def test_the_head_of_an_empty_log_is_zeros_not_null(client: Client, peer):
    target = "/exchange/v1/events"
    page = client.get(target, headers=signed(target)).json()
    assert page["head"] == {"seq": 0, "hash": c.GENESIS, "at": None} and page["events"] == []


def test_a_timestamp_with_a_leading_zero_is_refused(client: Client, peer):
    target = "/exchange/v1/events"
    headers = signed(target)
    headers["Bureau-Timestamp"] = "0" + headers["Bureau-Timestamp"]
    response = client.get(target, headers=headers)
    assert response.status_code == 401 and "leading zero" in response.json()["detail"]
