"""Commitments over the signed exchange log: recorded here, logged; received from a peer over
real HTTP (a fake peer served from the test), applied as the peer's read-only records; the
faults stop or refuse as for items: tampered, replayed, out of order."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from bureau.commitments import services
from bureau.commitments.models import Pledge, Project
from bureau.core.errors import PermissionDenied
from bureau.exchange import services as exchange
from bureau.exchange.models import LogEvent, Peer
from bureau.exchange.replication import pull
from tests.exchange.support import FakeLog, FakePeer

pytestmark = pytest.mark.django_db
PLEDGE_UID = "9c1e0000-0000-4000-8000-000000000001"
PROJECT_UID = "9c1e0000-0000-4000-8000-000000000002"
ORG = {"uid": "5f0c8a4e-0000-4000-8000-000000000001", "slug": "fake-chamber", "name": "Fake Chamber",
       "kind": "chamber", "country": "PK", "city": "", "verified": False}  # fmt: skip


def pledge_body(uid: str = PLEDGE_UID, **extra: Any) -> dict[str, Any]:
    body = {"uid": uid, "organisation": ORG, "title": "A pledge", "pledged_by": "Azerbaijan",
            "pledged_to": "Pakistan", "amount": "2000000000.00", "currency": "USD",
            "pledged_on": None, "sectors": ["energy"], "item": None, "source_title": "A report", "source_url": ""}  # fmt: skip
    return body | extra


def project_body(**extra: Any) -> dict[str, Any]:
    body = {"uid": PROJECT_UID, "organisation": ORG, "pledge": PLEDGE_UID, "title": "A terminal",
            "sector": "energy", "location": "", "investor": "", "host": "", "stage": "agreed",
            "stage_on": "2025-06-01", "description": "", "source_title": "", "source_url": "",
            "stage_changes": [{"uid": "9c1e0000-0000-4000-8000-000000000003", "from_stage": "",
                               "to_stage": "agreed", "changed_on": "2025-06-01", "note": ""}],
            "money_events": [{"uid": "9c1e0000-0000-4000-8000-000000000004", "kind": "disbursed",
                              "on": "2025-07-01", "amount": "1000.00", "currency": "USD",
                              "source_title": "", "source_url": ""}]}  # fmt: skip
    return body | extra


@pytest.fixture
def fake() -> Iterator[FakePeer]:
    server = FakePeer(FakeLog("pk-baku")).start()
    yield server
    server.stop()


def connect(fake: FakePeer) -> Peer:
    return exchange.peer_add(name=fake.log.name, url=fake.url, public_key=fake.log.public_key)


def test_a_local_record_is_logged_with_its_whole_state(staff_az: Any, project: Any) -> None:
    services.money_event_add(
        actor=staff_az,
        project=project,
        data={"kind": "committed", "amount": "5", "currency": "USD"},
    )
    types = list(LogEvent.objects.order_by("seq").values_list("type", flat=True))
    assert types[-3:] == ["pledge.recorded", "project.recorded", "project.recorded"]
    last = LogEvent.objects.order_by("seq").last()
    assert last is not None
    body = json.loads(last.data)["body"]
    assert (
        Decimal(body["money_events"][0]["amount"]) == 5
        and body["organisation"]["slug"] == staff_az.organisation.slug
    )


def test_a_peers_pledge_and_project_arrive_read_only_and_again_changes_nothing(
    fake: FakePeer, staff_az: Any
) -> None:
    fake.log.append("pledge.recorded", pledge_body())
    fake.log.append("project.recorded", project_body())
    peer = connect(fake)
    result = pull(peer)
    assert (result.applied, result.refused, result.error) == (2, 0, "")
    project = Project.objects.get(uid=PROJECT_UID)
    assert project.origin_node == "pk-baku" and project.organisation.slug == "fake-chamber"
    assert [m.amount for m in project.money_events.all()] == [1000]
    with pytest.raises(PermissionDenied):
        services.money_event_add(actor=staff_az, project=project, data={"kind": "committed"})
    # A later state of the project replaces the earlier one; pulling from scratch changes nothing.
    fake.log.append("project.recorded", project_body(stage="operating", money_events=[]))
    assert pull(peer).applied == 1
    assert pull(peer).applied == 0
    exchange.peer_remove(peer=peer)  # forgets the cursor: the whole log comes again
    again = pull(connect(fake))
    assert again.applied == 3 and again.refused == 0
    assert Project.objects.count() == 1 and Pledge.objects.count() == 1
    project.refresh_from_db()
    assert project.stage == "operating" and not project.money_events.exists()


def test_a_tampered_commitment_stops_replication_there(fake: FakePeer) -> None:
    fake.log.append("pledge.recorded", pledge_body())
    fake.log.append("project.recorded", project_body())
    original = fake.serve_events

    def altered(after: int, limit: int) -> list[dict]:
        events = copy.deepcopy(original(after, limit))
        for event in events:
            if event["seq"] == 2:
                event["body"]["money_events"][0]["amount"] = "1000000.00"
        return events

    fake.serve_events = altered
    result = pull(connect(fake))
    assert result.broken and result.applied == 1 and "event 2" in result.error
    assert "signature does not verify" in result.error
    assert not Project.objects.exists()


def test_replayed_commitments_are_ignored_and_changed_ones_a_fork(fake: FakePeer) -> None:
    fake.log.append("pledge.recorded", pledge_body())
    fake.log.append("pledge.recorded", pledge_body(title="A pledge, renamed"))
    peer = connect(fake)
    pull(peer)
    first = copy.deepcopy(fake.log.events[:1])
    fake.serve_events = lambda after, limit: first
    replay = pull(peer)
    assert replay.replayed == 1 and replay.applied == 0
    assert Pledge.objects.get().title == "A pledge, renamed"  # not set back by the replay
    changed = copy.deepcopy(first)
    changed[0]["body"]["amount"] = "1.00"
    fake.serve_events = lambda after, limit: changed
    assert "fork" in pull(peer).error


def test_out_of_order_and_foreign_records_are_refused_and_replication_goes_on(
    fake: FakePeer, pledge: Any
) -> None:
    fake.log.append("project.recorded", project_body())  # before its pledge
    fake.log.append("pledge.recorded", pledge_body(uid=str(pledge.uid)))  # claims a local pledge
    fake.log.append("pledge.recorded", pledge_body(currency="XYZ"))
    fake.log.append("pledge.recorded", pledge_body())
    result = pull(connect(fake))
    assert (result.applied, result.refused) == (1, 3) and not result.broken
    reasons = " ".join(fake_reasons())
    assert "is not a pledge received from pk-baku" in reasons
    assert "belongs to this node" in reasons and "currency" in reasons
    assert Pledge.objects.filter(origin_node="pk-baku").count() == 1


def test_a_gap_in_commitments_is_not_skipped(fake: FakePeer) -> None:
    fake.log.append("pledge.recorded", pledge_body())
    fake.log.append("project.recorded", project_body())
    fake.serve_events = lambda after, limit: [
        e for e in fake.log.events if e["seq"] > after and e["seq"] != 1
    ][:limit]
    result = pull(connect(fake))
    assert result.broken and "gap: event 1 was expected" in result.error


def fake_reasons() -> list[str]:
    from bureau.exchange.models import ReceivedEvent

    return list(ReceivedEvent.objects.exclude(reason="").values_list("reason", flat=True))


def test_a_peers_stage_change_is_announced_once_however_often_its_project_comes(
    fake: FakePeer, member: Any
) -> None:
    from bureau.alerts.services import subscription_create
    from bureau.commitments.date_alerts import date_alert_add, date_alerts_run
    from bureau.commitments.models import StageChange

    fake.log.append("pledge.recorded", pledge_body())
    fake.log.append("project.recorded", project_body())
    peer = connect(fake)
    pull(peer)
    subscription = subscription_create(owner=member, data={"name": "Stages", "channels": [{"kind": "live"}]})  # fmt: skip
    date_alert_add(actor=member, subscription_id=subscription.pk, rule="stage_changed")
    moved = {"uid": "9c1e0000-0000-4000-8000-000000000005", "from_stage": "agreed",
             "to_stage": "financing", "changed_on": "2025-08-01", "note": ""}  # fmt: skip
    first = project_body()["stage_changes"][0]
    fake.log.append("project.recorded", project_body(stage="financing", stage_changes=[first, moved]))  # fmt: skip
    pull(peer)
    arrived = StageChange.objects.get(uid=moved["uid"]).recorded_at
    assert date_alerts_run() == 1  # the change that came after the rule, once
    # The project comes again (a money event changed): its stage changes are not new again.
    fake.log.append("project.recorded", project_body(stage="financing", stage_changes=[first, moved], money_events=[]))  # fmt: skip
    assert pull(peer).applied == 1
    assert StageChange.objects.get(uid=moved["uid"]).recorded_at == arrived
    assert date_alerts_run() == 0
    assert StageChange.objects.filter(project__uid=PROJECT_UID).count() == 2
