"""The live channel: Server-Sent Events from a real `bureau serve` process, read with httpx.

The server runs on a store of its own (SQLite in a folder, or a fresh PostgreSQL database on the
server of DATABASE_URL), with the worker in the same process as on the embedded default. Items
are published through the API; every member below has one subscription, on words or HS codes
that no other test's items carry.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bureau.alerts import services as alerts
from bureau.delivery import fanout, live
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.fanout import InProcessFanout
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery
from tests.live.support import (
    PASSWORD,
    Process,
    Store,
    StreamReader,
    lead,
    publish,
    seed,
    serving,
    store_for_this_run,
    wait_for,
)

MEMBERS = {
    "rice": {"hs_prefixes": ["10"]},
    "lng": {"hs_prefixes": ["2711"]},
    "resumer": {"keywords_any": ["saffron"]},
    "witness": {"keywords_any": ["saffron"]},
    "browser": {"keywords_any": ["pistachio"]},
    "crowd": {"keywords_any": ["cardamom"]},
}
SAFFRON = {"hs_code": "091020", "product": "Saffron", "sectors": ["agriculture"]}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    made = store_for_this_run(tmp_path_factory.mktemp("live") / "home")
    yield made
    made.drop()


@pytest.fixture(scope="module")
def seeded(store: Store) -> dict[str, Any]:
    return seed(store, MEMBERS)


@pytest.fixture(scope="module")
def server(store: Store, seeded: dict[str, Any]) -> Iterator[Process]:
    # One member opens 31 streams below: the per-user cap is tested in tests/security.
    with serving(store, BUREAU_STREAMS_PER_USER="0") as process:
        yield process


def stream(server: Process, token: str = "", query: str = "", **headers: str) -> StreamReader:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return StreamReader(f"{server.base_url}/api/v1/stream{query}", headers=headers).start()


def token(seeded: dict[str, Any], name: str) -> str:
    return str(seeded["members"][name]["token"])


def test_a_matching_item_arrives_and_other_items_do_not(server, seeded):
    reader = stream(server, token(seeded, "rice"))
    assert reader.response_headers is not None
    assert reader.response_headers["content-type"] == "text/event-stream"
    assert reader.response_headers["cache-control"] == "no-cache"
    assert reader.response_headers["x-accel-buffering"] == "no"
    # The head is Django's (its middleware ran); the events then go straight to the client.
    assert reader.response_headers["x-request-id"]
    staff = seeded["staff_token"]
    received = []
    for round_ in (1, 2):
        # Dispatched in publishing order: had the LNG lead reached this stream, it would come first.
        publish(
            server.base_url,
            staff,
            lead(hs_code="271111", product="LNG", title=f"LNG cargo {round_}"),
        )
        rice = publish(server.base_url, staff, lead(title=f"Basmati lot {round_}"))
        (event,) = reader.events(1)
        assert event.event == "item" and event.data["item"]["id"] == rice["id"]
        received.append(event)
    reader.stop()

    first = received[0]
    delivery = first.data
    assert delivery["subscription"] == {
        "id": seeded["members"]["rice"]["subscription"],
        "name": "Rice",
    }
    assert delivery["item"]["title"] == "Basmati lot 1" and delivery["item"]["kind"] == "lead"
    assert delivery["item"]["url"].endswith(f"/items/{delivery['item']['id']}/")
    assert delivery["item"]["organisation"] == "Chamber" and delivery["item"]["published_at"]
    assert int(received[1].id) > int(first.id)
    assert len({delivery["delivery"], received[1].data["delivery"]}) == 2


def test_a_client_that_reconnects_gets_what_it_missed_exactly_once(server, seeded):
    staff = seeded["staff_token"]
    resumer, witness = (
        stream(server, token(seeded, "resumer")),
        stream(server, token(seeded, "witness")),
    )
    first = publish(server.base_url, staff, lead(title="Saffron lot 1", **SAFFRON))
    (seen,) = resumer.events(1)
    assert seen.data["item"]["id"] == first["id"]
    resumer.stop()

    missed = [
        publish(server.base_url, staff, lead(title=f"Saffron lot {n}", **SAFFRON)) for n in (2, 3)
    ]
    # The witness's deliveries are written in the same transactions as the resumer's.
    assert [e.data["item"]["id"] for e in witness.events(3)] == [
        first["id"],
        *(m["id"] for m in missed),
    ]

    resumed = stream(server, token(seeded, "resumer"), **{"Last-Event-ID": seen.id})
    replayed = resumed.events(2)
    assert [e.data["item"]["id"] for e in replayed] == [m["id"] for m in missed]
    later = publish(server.base_url, staff, lead(title="Saffron lot 4", **SAFFRON))
    (live_event,) = resumed.events(1)
    assert live_event.data["item"]["id"] == later["id"]
    ids = [int(e.id) for e in [seen, *replayed, live_event]]
    assert ids == sorted(set(ids))  # in order, no duplicates

    manual = stream(server, token(seeded, "resumer"), query=f"?last_event_id={seen.id}")
    assert [e.data["item"]["id"] for e in manual.events(3)] == [m["id"] for m in [*missed, later]]
    for reader in (resumed, manual, witness):
        reader.stop()


def test_a_signed_in_browser_streams_with_its_session(server, seeded):
    with httpx.Client(base_url=server.base_url) as browser:
        browser.get("/accounts/login/")
        signed_in = browser.post(
            "/accounts/login/",
            data={
                "username": seeded["members"]["browser"]["email"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
        )
        assert signed_in.status_code == 302, signed_in.text
        cookies = dict(browser.cookies)
    reader = StreamReader(f"{server.base_url}/api/v1/stream", cookies=cookies).start()
    item = publish(
        server.base_url,
        seeded["staff_token"],
        lead(title="Pistachio, 20 tonnes", hs_code="080251", product="Pistachio"),
    )
    (event,) = reader.events(1)
    assert event.data["item"]["id"] == item["id"]
    assert event.data["subscription"]["name"] == "Browser"
    reader.stop()


def test_without_valid_credentials_the_stream_answers_401_in_json(server, seeded):
    url = f"{server.base_url}/api/v1/stream"
    anonymous = httpx.get(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"].startswith("Authentication required")
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    in_url = httpx.get(url, params={"token": token(seeded, "rice")})
    assert in_url.status_code == 401 and "not accepted in the URL" in in_url.json()["detail"]
    forged = httpx.get(url, headers={"Authorization": "Bearer bur_not-a-token"})
    assert forged.status_code == 401 and "invalid or revoked" in forged.json()["detail"]
    bad_resume = httpx.get(
        url, headers={"Authorization": f"Bearer {token(seeded, 'rice')}", "Last-Event-ID": "12x"}
    )
    assert bad_resume.status_code == 400
    assert bad_resume.json()["errors"] == [
        {
            "field": "Last-Event-ID",
            "message": "must be the id of an event this stream sent (a whole number)",
        }
    ]
    assert (
        httpx.post(url, headers={"Authorization": f"Bearer {token(seeded, 'rice')}"}).status_code
        == 405
    )


def test_open_streams_hold_neither_a_thread_nor_a_database_connection_each(store, seeded):
    # A web process of its own, without the worker's loops: each of those opens a connection at
    # its first round, up to a minute after start, and would blur the count.
    with serving(store, worker=False, BUREAU_STREAMS_PER_USER="0") as web:
        # Every stream resumes from 0, so it reads the database before it goes live.
        first = stream(web, token(seeded, "crowd"), query="?last_event_id=0")
        threads, connections = web.threads(), _db_connections(web, store)
        readers = [stream(web, token(seeded, "crowd"), query="?last_event_id=0") for _ in range(30)]
        # Backlog reads and the last requests may still be finishing. Each stream used to keep
        # its request's connection until the garbage collector happened to free it.
        wait_for(lambda: web.threads() < threads + 10, "fewer server threads", web.threads)

        def held() -> int:
            return _db_connections(web, store)

        wait_for(lambda: held() < connections + 3, f"under {connections + 3} connections", held)
        for reader in [first, *readers]:
            assert reader.received.empty(), "a stream ended or sent more than its retry line"
            reader.stop()


def test_opening_streams_reuses_one_database_connection(store, seeded, tmp_path):
    # Django's ASGI handler would give each stream request a thread of its own, and so a new
    # database connection; on SQLite each new connection reads the whole schema again.
    metrics = {"BUREAU_METRICS_DIR": str(tmp_path / "metrics")}  # this process's counters alone
    with serving(store, worker=False, BUREAU_STREAMS_PER_USER="0", **metrics) as web:
        readers = [stream(web, token(seeded, "crowd"))]
        before = _connections_opened(web)
        readers += [stream(web, token(seeded, "crowd")) for _ in range(20)]
        opened = _connections_opened(web) - before
        assert opened <= 3, f"{opened} database connections opened for 20 streams"
        for reader in readers:
            reader.stop()


def _connections_opened(server: Process) -> float:
    body = httpx.get(f"{server.base_url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("bureau_db_connections_opened_total")
    )


def _db_connections(server: Process, store: Store) -> int:
    if store.pg_name:
        import psycopg

        with psycopg.connect(f"{store.pg_server}/postgres", autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [store.pg_name]
            ).fetchone()
        return int(row[0]) if row else 0
    fds = Path(f"/proc/{server.popen.pid}/fd")
    return sum(1 for fd in fds.iterdir() if _target(fd).endswith("bureau.sqlite3"))


def _target(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:
        return ""


# --- the hub and the event rows, in this process ------------------------------------------


def test_delivery_rows_become_one_sse_frame_each(make_item, member, staff_az):
    subscription = alerts.subscription_create(
        owner=member, data={"name": "Rice", "hs_prefixes": ["10"]}
    )
    items = [make_item(publish=True, title=f"Rice lot {n}") for n in range(3)]
    dispatch_pending(LiveIndex())
    ids = list(Delivery.objects.filter(kind="live").order_by("id").values_list("id", flat=True))
    events = live.frames(Delivery.objects.filter(pk__in=ids).order_by("id"))
    assert [(owner, pk) for owner, pk, _ in events] == [(member.pk, pk) for pk in ids]
    head, kind, data = events[0][2].decode().removesuffix("\n\n").split("\n")
    assert head == f"id: {ids[0]}" and kind == "event: item"
    payload = json.loads(data.removeprefix("data: "))
    assert payload["delivery"] == str(Delivery.objects.get(pk=ids[0]).uid)
    assert payload["subscription"] == {"id": subscription.pk, "name": "Rice"}
    assert payload["item"]["id"] == items[0].pk and payload["item"]["title"] == "Rice lot 0"
    assert payload["item"]["organisation"] == items[0].organisation.name
    assert live.frames(Delivery.objects.filter(pk__in=ids), lambda pk, owner: False) == []
    # The backlog pages through everything after a given id, oldest first.
    assert [pk for _, pk, _ in live.load_backlog(user_id=member.pk, after=ids[0], limit=1)] == ids[
        1:2
    ]
    assert [pk for _, pk, _ in live.load_backlog(user_id=member.pk, after=ids[0])] == ids[1:]


def _hub() -> live.Hub:
    backend = InProcessFanout()
    return live.Hub(backend=lambda: backend)


async def _attach(hub: live.Hub, user_id: int) -> live.Stream:
    return hub.attach(user_id)


def test_a_stream_that_falls_too_far_behind_is_closed_and_let_go():
    async def scenario() -> tuple[bool, bytes | None, int]:
        hub = _hub()
        stream = await asyncio.create_task(_attach(hub, 7))  # a stream has a task of its own
        await hub.wait_ready()
        hub.deliver([(7, n, b"x") for n in range(live.MAX_PENDING + 1)])
        return stream.closed, await stream.next_chunk(), hub.count()

    assert asyncio.run(scenario()) == (True, None, 0)


def test_live_events_already_sent_from_the_backlog_are_dropped():
    async def scenario() -> list[bytes | None]:
        hub = _hub()
        stream, other = hub.attach(7), hub.attach(8)
        await hub.wait_ready()
        hub.deliver([(7, 5, b"five "), (7, 6, b"six "), (8, 6, b"not mine "), (7, 9, b"nine ")])
        stream.replayed([5, 6])
        first = await stream.next_chunk()
        hub.deliver([(7, 4, b"four ")])  # committed late by another worker: new to this client
        return [first, await stream.next_chunk(), await other.next_chunk()]

    assert asyncio.run(scenario()) == [b"nine ", b"four ", b"not mine "]


def test_each_new_high_of_open_streams_is_kept_out_of_full_collections():
    async def scenario() -> list[int]:
        backend = InProcessFanout()
        hub = live.Hub(backend=lambda: backend, freeze_step=3)
        frozen = [gc.get_freeze_count()]
        for user in (1, 2, 3, 4, 5):
            hub.attach(user)
            frozen.append(gc.get_freeze_count())
        for stream in [s for streams in list(hub._streams.values()) for s in streams]:
            stream.close()
        hub.attach(6)  # fewer users than the last high: nothing more is frozen
        frozen.append(gc.get_freeze_count())
        return frozen

    try:
        counts = asyncio.run(scenario())
    finally:
        gc.unfreeze()
    grew = [later > earlier for earlier, later in itertools.pairwise(counts)]
    assert grew == [False, False, True, False, False, False]


def test_a_quiet_stream_sends_a_heartbeat(monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.01)

    async def scenario() -> bytes | None:
        hub = _hub()
        stream = hub.attach(7)
        await hub.wait_ready()
        return await stream.next_chunk()

    assert asyncio.run(scenario()) == live.HEARTBEAT


def test_a_redis_message_reaches_only_its_own_deployment_and_connected_users():
    events = [
        (7, 1, 'id: 1\nevent: item\ndata: {"title": "Çay"}\n\n'.encode()),
        (8, 2, b"id: 2\n\n"),
    ]

    async def scenario() -> tuple[list, list, list]:
        hub = _hub()
        hub.attach(7)
        message = fanout.encode("node-a", events)
        cut = fanout.decode(message[:-3], "node-a", hub)  # a frame's length no longer matches
        return fanout.decode(message, "node-a", hub), fanout.decode(message, "node-b", hub), cut

    mine, foreign, cut = asyncio.run(scenario())
    assert mine == events[:1]
    assert foreign == [] and cut == []
