"""Exchange attribution: a peer publishes only in the name of its own organisations.

The attack that was found: the Baku node published an item with ``"organisation":
"az-chamber-islamabad"``, and the Islamabad node applied it and listed it on its own
chamber's page. A receiver now refuses an item event tied to an organisation it owns (or one
received from a third node), records the refusal on the status page like any other, and goes
on with the rest; and a node refuses to publish under an organisation it received from a peer.
The peer here is real HTTP serving a log signed with the peer's key (tests.exchange.support).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bureau.accounts.models import Organisation
from bureau.catalog import services as catalog
from bureau.catalog.models import Item
from bureau.core.errors import Conflict, ValidationFailed
from bureau.exchange import services
from bureau.exchange.models import Peer, ReceivedEvent
from bureau.exchange.replication import pull
from tests.exchange.support import FakeLog, FakePeer, item_body
from tests.samples import lead_data
from tests.security.support import fields_of, send

pytestmark = pytest.mark.django_db
UIDS = [f"9b2e0000-0000-4000-8000-{n:012d}" for n in range(4)]


@pytest.fixture
def baku() -> Iterator[FakePeer]:
    server = FakePeer(FakeLog("pk-baku")).start()
    yield server
    server.stop()


def connect(fake: FakePeer) -> Peer:
    return services.peer_add(name=fake.log.name, url=fake.url, public_key=fake.log.public_key)


def as_organisation(organisation: Organisation) -> dict[str, Any]:
    return {
        "uid": str(organisation.uid), "slug": organisation.slug, "name": organisation.name,
        "kind": organisation.kind, "country": organisation.country, "city": organisation.city,
        "verified": True,
    }  # fmt: skip


def test_a_peer_cannot_publish_for_this_nodes_chamber(client, baku, chamber_az, staff_az):
    hijack = item_body(UIDS[0], "Fake tender of the Islamabad chamber")
    hijack["organisation"] = as_organisation(chamber_az)
    baku.log.append("item.published", hijack)
    baku.log.append("item.published", item_body(UIDS[1], "Cotton from Baku"))  # its own
    peer = connect(baku)

    result = pull(peer)

    assert (result.applied, result.refused, result.error) == (1, 1, "")
    assert not Item.objects.filter(uid=UIDS[0]).exists()
    assert Item.objects.get(uid=UIDS[1]).organisation.origin_node == "pk-baku"
    refusal = ReceivedEvent.objects.get(peer=peer, outcome="refused")
    assert refusal.seq == 1 and "not the peer's" in refusal.reason and "this node" in refusal.reason
    chamber_az.refresh_from_db()
    assert chamber_az.origin_node == "" and chamber_az.name.startswith("Azerbaijan")
    page = client.get(f"/directory/{chamber_az.slug}/").content.decode()
    assert "Fake tender" not in page
    client.force_login(staff_az)
    status = client.get("/exchange/").content.decode()
    assert "Recently refused events" in status and "not the peer&#x27;s" in status


def test_nor_for_a_third_nodes_organisation(baku):
    third = Organisation.objects.create(
        name="Tashkent Chamber", slug="tashkent-chamber", kind="chamber", country="UZ",
        origin_node="uz-tashkent",
    )  # fmt: skip
    body = item_body(UIDS[2], "Under another node's name")
    body["organisation"] = as_organisation(third)
    baku.log.append("item.published", body)
    result = pull(connect(baku))
    assert (result.applied, result.refused) == (0, 1)
    assert not Item.objects.filter(uid=UIDS[2]).exists()


def test_nor_mark_this_nodes_organisation_verified(baku, company):
    baku.log.append("organisation.verified", {"organisation": as_organisation(company)})
    result = pull(connect(baku))
    assert result.refused == 1
    company.refresh_from_db()
    assert company.verified_at is None


def received_organisation() -> Organisation:
    return Organisation.objects.create(
        name="Baku Textile Mill", slug="baku-textile-mill", kind="company", country="AZ",
        origin_node="pk-baku",
    )  # fmt: skip


def test_this_node_does_not_publish_for_a_peers_organisation(client, admin_user, token_for):
    received = received_organisation()
    response = send(
        client, "post", "/items", lead_data(organisation=received.slug), token_for(admin_user)
    )
    assert response.status_code == 422
    assert fields_of(response) == {"organisation"}
    with pytest.raises(ValidationFailed):
        catalog.item_create(actor=None, data=lead_data(organisation=received.slug), publish=True)
    assert not Item.objects.filter(organisation=received).exists()


def test_an_item_left_under_a_peers_organisation_is_not_published(admin_user, make_item):
    item = make_item()
    received = received_organisation()
    Item.objects.filter(pk=item.pk).update(organisation=received)
    with pytest.raises(Conflict):
        catalog.item_publish(actor=admin_user, item=Item.objects.get(pk=item.pk))
    assert Item.objects.get(pk=item.pk).status == "draft"
