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
from bureau.exchange.models import Peer
from bureau.exchange.replication import PullResult, receive_page
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
        receive(peer, page, log)
        delivered.append(page)


def receive(peer: Peer, events: list[dict], log: FakeLog) -> None:
    head = {"seq": len(log.events), "hash": log.head_hash, "at": log.events[-1]["at"]}
    result = PullResult(peer.name)
    receive_page(peer, {"node": log.name, "head": head, "events": copy.deepcopy(events)}, result)
    assert not result.broken and result.refused == 0


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
