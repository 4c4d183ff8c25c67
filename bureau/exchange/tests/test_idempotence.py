"""Applying a peer's log in any page sizes, with any pages delivered again, leaves the same
items as applying it once, in one go."""

from __future__ import annotations

import copy
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.catalog.models import Item
from bureau.delivery.models import OutboxEvent
from bureau.exchange import services
from bureau.exchange.models import Peer, ReceivedEvent
from bureau.exchange.replication import PullResult, ahead_of, receive_page
from tests.exchange.support import FakeLog, item_body

pytestmark = pytest.mark.django_db
UIDS = [f"3c9d0000-0000-4000-8000-{n:012d}" for n in range(3)]

# One step of an item's life at its node: publish once, update while published, end it.
steps = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(["publish", "update", "withdraw", "expire"])),
    min_size=1,
    max_size=12,
)


def build_log(plan: list[tuple[int, str]]) -> FakeLog:
    log = FakeLog("pk-baku")
    state: dict[int, str] = {}
    for n, (which, step) in enumerate(plan):
        now = state.get(which)
        if step == "publish" and now is None:
            log.append("item.published", item_body(UIDS[which], f"Lot {which}"))
            state[which] = "published"
        elif step == "update" and now == "published":
            log.append("item.updated", item_body(UIDS[which], f"Lot {which}, version {n}"))
        elif step in ("withdraw", "expire") and now == "published":
            status = "withdrawn" if step == "withdraw" else "expired"
            log.append(f"item.{status}", item_body(UIDS[which], f"Lot {which}", status=status))
            state[which] = status
    return log


def snapshot() -> dict[str, tuple[str, str, str]]:
    return {
        str(i.uid): (i.title, i.status, i.lead.product)
        for i in Item.objects.filter(origin_node="pk-baku").select_related("lead")
    }


def apply_in_pages(log: FakeLog, cuts: list[int], replays: list[int]) -> None:
    peer = Peer.objects.get(name="pk-baku")
    bounds = sorted({0, len(log.events), *(c % (len(log.events) + 1) for c in cuts)})
    pages = [log.events[a:b] for a, b in itertools.pairwise(bounds)]
    delivered: list[list[dict]] = []
    for index, page in enumerate(pages):
        for again in replays:
            if delivered and again % (index + 1) == 0:
                receive(peer, delivered[again % len(delivered)], log)  # an old page, once more
        receive(peer, page, log, ahead=True)
        delivered.append(page)


def receive(peer: Peer, events: list[dict], log: FakeLog, *, ahead: bool = False) -> PullResult:
    """Apply a page; ``ahead``: with what a pull works out of a page while it writes the one
    before (its events' forms and records validated)."""
    result = _receive(peer, events, log, ahead=ahead)
    assert not result.broken and result.refused == 0
    return result


def _receive(peer: Peer, events: list[dict], log: FakeLog, *, ahead: bool = False) -> PullResult:
    head = {"seq": len(log.events), "hash": log.head_hash, "at": log.events[-1]["at"]}
    result = PullResult(peer.name)
    page_events = copy.deepcopy(events)
    page = {"node": log.name, "head": head, "events": page_events}
    receive_page(peer, page, result, ahead_of(page_events) if ahead else None)
    return result


def reset() -> None:
    Item.objects.filter(origin_node="pk-baku").delete()
    Peer.objects.all().delete()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=steps,
    cuts=st.lists(st.integers(0, 20), max_size=4),
    replays=st.lists(st.integers(0, 9), max_size=3),
)
def test_any_paging_with_replays_equals_applying_once(db, plan, cuts, replays):
    reset()
    log = build_log(plan)
    if not log.events:
        return
    key = log.public_key
    services.peer_add(name="pk-baku", url="http://127.0.0.1:9", public_key=key)
    receive(Peer.objects.get(name="pk-baku"), log.events, log)
    once = snapshot()
    reset()
    services.peer_add(name="pk-baku", url="http://127.0.0.1:9", public_key=key)
    apply_in_pages(log, cuts, replays)
    assert snapshot() == once
    announced = list(OutboxEvent.objects.values_list("item__uid", flat=True))
    assert len(announced) == len(set(announced))  # each item announced once at most
    assert Peer.objects.get().cursor_seq == len(log.events)
    reset()


def test_records_validated_ahead_give_the_same_outcome_refusals_included(db):
    log = FakeLog("pk-baku")
    log.append("item.published", item_body(UIDS[0], "Cotton"))
    log.append("item.published", item_body(UIDS[1], "Rice", quantity="lots"))
    log.append("item.published", item_body(UIDS[2], "Tea"))
    outcomes = []
    for ahead in (False, True):
        reset()
        services.peer_add(name="pk-baku", url="http://127.0.0.1:9", public_key=log.public_key)
        result = _receive(Peer.objects.get(), log.events, log, ahead=ahead)
        assert (result.applied, result.refused, result.broken) == (2, 1, False)
        outcomes.append((snapshot(), list(ReceivedEvent.objects.values_list("seq", "reason"))))
    assert outcomes[0] == outcomes[1]
    assert "quantity" in outcomes[1][1][1][1]


def test_a_record_validated_ahead_is_used_only_for_the_very_event_it_was_taken_from(db):
    """A page may hold a second event with the same seq (the chain check refuses it): what was
    worked out of that one must not stand for the event that is applied."""
    log = FakeLog("pk-baku")
    log.append("item.published", item_body(UIDS[0], "Cotton"))
    services.peer_add(name="pk-baku", url="http://127.0.0.1:9", public_key=log.public_key)
    head = {"seq": 1, "hash": log.head_hash, "at": log.events[0]["at"]}
    events = copy.deepcopy(log.events)
    impostor = copy.deepcopy(events[0])
    impostor["body"]["title"] = "Impostor"
    ahead = ahead_of([impostor])
    result = PullResult("pk-baku")
    receive_page(
        Peer.objects.get(), {"node": log.name, "head": head, "events": events}, result, ahead
    )
    assert result.applied == 1
    assert Item.objects.get(uid=UIDS[0]).title == "Cotton"
