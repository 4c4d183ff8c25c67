"""Pulling a peer's log over real HTTP (a fake peer served from the test) and applying it:
received items are the peer's, read-only, delivered to local subscribers; every fault stops
at the bad event with a clear reason; applying twice is applying once."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from django.test import Client

from bureau.accounts.models import Organisation
from bureau.accounts.services import organisation_update, organisation_verify
from bureau.alerts.services import subscription_create
from bureau.catalog import services as catalog
from bureau.catalog.models import Item, ItemTransition
from bureau.core.errors import PermissionDenied
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery, OutboxEvent
from bureau.exchange import services
from bureau.exchange.models import Peer, ReceivedEvent
from bureau.exchange.replication import pull
from tests.exchange.support import FakeLog, FakePeer, item_body

pytestmark = pytest.mark.django_db
UIDS = [f"7a1e0000-0000-4000-8000-{n:012d}" for n in range(10)]


@pytest.fixture
def fake() -> Iterator[FakePeer]:
    server = FakePeer(FakeLog("pk-baku")).start()
    yield server
    server.stop()


def connect(fake: FakePeer, key: str = "") -> Peer:
    return services.peer_add(
        name=fake.log.name, url=fake.url, public_key=key or fake.log.public_key
    )


def publish(fake: FakePeer, n: int, **extra) -> dict:
    return fake.log.append("item.published", item_body(UIDS[n], f"Cotton lot {n}", **extra))


def received() -> list[Item]:
    return list(Item.objects.filter(origin_node="pk-baku").order_by("uid"))


def test_a_peers_items_arrive_with_their_origin_and_organisation(fake):
    for n in range(3):
        publish(fake, n)
    fake.log.append("item.updated", item_body(UIDS[0], "Cotton lot 0, now 30 t", quantity="30"))
    fake.log.append("item.withdrawn", item_body(UIDS[1], "Cotton lot 1", status="withdrawn"))
    peer = connect(fake)
    result = pull(peer)
    assert (result.applied, result.refused, result.error) == (5, 0, "")
    items = {str(i.uid): i for i in received()}
    assert set(items) == set(UIDS[:3])
    assert items[UIDS[0]].title == "Cotton lot 0, now 30 t" and items[UIDS[0]].lead.quantity == 30
    assert items[UIDS[1]].status == "withdrawn" and items[UIDS[2]].status == "published"
    assert str(items[UIDS[2]].published_at) == "2026-01-05 10:00:00+00:00"
    organisation = items[UIDS[0]].organisation
    assert organisation.origin_node == "pk-baku" and organisation.name == "Fake Chamber"
    assert set(OutboxEvent.objects.values_list("item__uid", flat=True)) == {
        items[UIDS[0]].uid,
        items[UIDS[2]].uid,
    }
    peer.refresh_from_db()
    assert (peer.cursor_seq, peer.head_seq, peer.events_behind, peer.state) == (5, 5, 0, "active")
    assert peer.cursor_hash == fake.log.head_hash and peer.last_error == ""
    assert ReceivedEvent.objects.filter(peer=peer, outcome="applied").count() == 5


def test_pulling_again_or_from_scratch_changes_nothing(fake):
    for n in range(3):
        publish(fake, n)
    peer = connect(fake)
    pull(peer)
    before = (Item.objects.count(), OutboxEvent.objects.count(), ItemTransition.objects.count())
    assert pull(peer).applied == 0
    services.peer_remove(peer=peer)  # forgets the cursor: the whole log comes again
    again = pull(connect(fake))
    assert again.applied == 3 and again.refused == 0
    assert (
        Item.objects.count(),
        OutboxEvent.objects.count(),
        ItemTransition.objects.count(),
    ) == before


def test_received_items_are_read_only_everywhere(fake, staff_az, admin_user, token_for):
    publish(fake, 0)
    pull(connect(fake))
    item = received()[0]
    api = Client()
    headers = {"Authorization": f"Bearer {token_for(admin_user)}"}
    patched = api.patch(
        f"/api/v1/items/{item.uid}",
        {"title": "Rewritten"},
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 403
    for action in ("withdraw", "submit", "return-to-draft"):
        assert api.post(
            f"/api/v1/items/{item.uid}/{action}",
            {},
            content_type="application/json",
            headers=headers,
        ).status_code in (403, 409)
    web = Client()
    web.force_login(admin_user)
    assert web.get(f"/items/{item.pk}/edit/").status_code == 403
    Peer.objects.update(title="Pakistan Chamber of Commerce, Baku")
    page = web.get(f"/items/{item.pk}/").content.decode()
    assert "From Pakistan Chamber of Commerce, Baku" in page  # shown with its origin
    assert "Edit" not in page
    admin = web.post(
        "/admin/catalog/item/", {"action": "withdraw", "_selected_action": [item.pk]}, follow=True
    )
    assert "cannot" in admin.content.decode()
    organisation = item.organisation
    with pytest.raises(PermissionDenied):
        organisation_verify(actor=admin_user, organisation=organisation)
    with pytest.raises(PermissionDenied):
        organisation_update(actor=admin_user, organisation=organisation, data={"name": "Renamed"})
    with pytest.raises(PermissionDenied):
        catalog.item_withdraw(actor=staff_az, item=item)
    item.refresh_from_db()
    assert item.title == "Cotton lot 0" and item.status == "published"


def test_received_items_reach_local_subscribers(fake, member):
    subscription = subscription_create(owner=member, data={"name": "Cotton", "hs_prefixes": ["52"]})
    publish(fake, 0)
    publish(fake, 1, hs_code="100630", product="Rice")
    pull(connect(fake))
    assert dispatch_pending(LiveIndex()) == 2
    delivered = Delivery.objects.filter(subscription=subscription)
    assert [str(d.item.uid) for d in delivered] == [UIDS[0]]  # type: ignore[union-attr]


def tamper_body(event: dict) -> None:
    event["body"]["title"] = "Cotton lot 2, price halved"


def tamper_sig(event: dict) -> None:
    event["sig"] = event["sig"][:10] + ("A" if event["sig"][10] != "A" else "B") + event["sig"][11:]


@pytest.mark.parametrize(
    "tamper, phrase",
    [(tamper_body, "signature does not verify"), (tamper_sig, "signature does not verify")],
)
def test_an_altered_event_stops_replication_there(fake, tamper, phrase, caplog):
    for n in range(5):
        publish(fake, n)
    original = fake.serve_events

    def altered(after: int, limit: int) -> list[dict]:
        events = copy.deepcopy(original(after, limit))
        for event in events:
            if event["seq"] == 3:
                tamper(event)
        return events

    fake.serve_events = altered
    peer = connect(fake)
    result = pull(peer)
    assert (
        result.broken
        and result.applied == 2
        and "event 3" in result.error
        and phrase in result.error
    )
    assert {str(i.uid) for i in received()} == set(UIDS[:2])
    peer.refresh_from_db()
    assert peer.state == "broken" and peer.cursor_seq == 2 and "event 3" in peer.last_error
    assert "replication from pk-baku stopped after event 2" in caplog.text
    assert pull(peer).skipped  # stopped: nothing more is pulled ...
    fake.serve_events = original
    services.peer_resume(peer=peer)  # ... until an admin resumes it
    assert pull(peer).applied == 3 and len(received()) == 5


def test_events_signed_by_an_unknown_key_are_not_applied(fake):
    publish(fake, 0)
    peer = connect(fake, key=FakeLog("other").public_key)
    result = pull(peer)
    assert result.broken and result.applied == 0 and "signature does not verify" in result.error
    assert received() == []


def test_a_gap_is_not_skipped(fake):
    for n in range(4):
        publish(fake, n)
    fake.serve_events = lambda after, limit: [
        e for e in fake.log.events if e["seq"] > after and e["seq"] != 2
    ][:limit]
    result = pull(connect(fake))
    assert result.broken and result.applied == 1 and "gap: event 2 was expected" in result.error


def test_a_fork_is_detected_after_the_fact(fake):
    for n in range(3):
        publish(fake, n)
    peer = connect(fake)
    pull(peer)
    # The peer's history is rewritten from event 2 on, validly signed with its own key.
    forked = FakeLog("pk-baku", key=fake.log.key, events=fake.log.events[:1])
    forked.append("item.published", item_body(UIDS[5], "A different second event"))
    forked.append("item.published", item_body(UIDS[6], "A different third event"))
    forked.append("item.published", item_body(UIDS[7], "A fourth event"))
    fake.log = forked
    result = pull(peer)
    assert result.broken and "fork" in result.error and result.applied == 0
    assert {str(i.uid) for i in received()} == set(UIDS[:3])


def test_replayed_events_are_ignored_and_changed_ones_refused(fake):
    publish(fake, 0)
    fake.log.append("item.withdrawn", item_body(UIDS[0], "Cotton lot 0", status="withdrawn"))
    publish(fake, 1)
    peer = connect(fake)
    pull(peer)
    first_two = copy.deepcopy(fake.log.events[:2])
    fake.serve_events = lambda after, limit: first_two  # the old events, whatever was asked
    replay = pull(peer)
    assert replay.replayed == 2 and replay.applied == 0 and not replay.broken
    assert Item.objects.get(uid=UIDS[0]).status == "withdrawn"  # not published again
    changed = copy.deepcopy(first_two)
    changed[0]["body"]["title"] = "Cotton lot 0, rewritten"
    fake.serve_events = lambda after, limit: changed
    result = pull(peer)
    assert result.broken and "event 1 is a fork" in result.error


def test_a_log_that_shrank_is_a_fork(fake):
    for n in range(3):
        publish(fake, n)
    peer = connect(fake)
    pull(peer)
    fake.log = FakeLog("pk-baku", key=fake.log.key, events=fake.log.events[:1])
    result = pull(peer)
    assert result.broken and "reset or replaced" in result.error


def test_content_this_node_refuses_is_recorded_and_replication_goes_on(
    fake, make_item, company, staff_az
):
    local = make_item(publish=True)
    fake.log.append("item.published", item_body(str(local.uid), "Claiming a local item"))
    fake.log.append("item.published", item_body(UIDS[1], "Bad code", hs_code="123499"))
    fake.log.append("item.withdrawn", item_body(UIDS[2], "Status does not fit", status="published"))
    fake.log.append(
        "organisation.verified",
        {
            "organisation": {
                "uid": str(company.uid),
                "slug": company.slug,
                "name": "Taken over",
                "kind": "company",
                "country": "PK",
                "city": "",
                "verified": True,
            }
        },
    )
    publish(fake, 3)
    peer = connect(fake)
    result = pull(peer)
    assert (result.applied, result.refused, result.broken) == (1, 4, False)
    reasons = dict(ReceivedEvent.objects.filter(outcome="refused").values_list("seq", "reason"))
    assert "not the peer's item" in reasons[1] and "belongs to this node" in reasons[1]
    assert "hs_code" in reasons[2] and "123499" in reasons[2]
    assert "does not fit" in reasons[3]
    assert "not the peer's" in reasons[4]
    local.refresh_from_db()
    company.refresh_from_db()
    assert local.title != "Claiming a local item" and local.origin_node != "pk-baku"
    assert company.name == "Punjab Rice Exporters" and not company.is_verified
    assert [str(i.uid) for i in received()] == [UIDS[3]]
    peer.refresh_from_db()
    assert peer.cursor_seq == 5 and peer.refused_count == 4 and peer.state == "active"


def test_the_peer_verifies_its_own_organisations(fake):
    publish(fake, 0)
    organisation = dict(item_body(UIDS[0], "x")["organisation"], verified=True)
    fake.log.append("organisation.verified", {"organisation": organisation})
    pull(connect(fake))
    assert Organisation.objects.get(uid=organisation["uid"]).is_verified


def test_an_unreachable_or_garbled_peer_is_retried_not_stopped(fake):
    publish(fake, 0)
    fake.garbage = True
    peer = connect(fake)
    result = pull(peer)
    assert result.error and "did not answer with JSON" in result.error and not result.broken
    peer.refresh_from_db()
    assert peer.state == "active" and peer.failures == 1 and "JSON" in peer.last_error
    fake.garbage = False
    assert pull(peer).applied == 1
    peer.refresh_from_db()
    assert peer.failures == 0 and peer.last_error == ""
