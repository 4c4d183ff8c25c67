"""Live streams: no one hoards them, and a replay shows only what may be read now.

The attacks that were found: one user held 2,000 ``/api/v1/stream`` connections; and after an
item was withdrawn, a replay from ``Last-Event-ID: 0`` still sent its title. A web process now
holds at most BUREAU_STREAMS_PER_USER streams of one user and BUREAU_STREAMS_PER_ADDRESS of
one client address (one more gets a clear 429), and replays only items that are public now.
Against a real ``bureau serve`` process, on SQLite or PostgreSQL as the run is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.live.support import (
    Process,
    Store,
    StreamReader,
    lead,
    publish,
    seed,
    serving,
    store_for_this_run,
)

PER_USER, PER_ADDRESS = 3, 5
MEMBERS = {
    "hoarder": {"keywords_any": ["sesame"]},
    "neighbour": {"keywords_any": ["sesame"]},
    "reader": {"hs_prefixes": ["080231"]},
}
WALNUT = {"hs_code": "080231", "product": "Walnuts", "sectors": ["agriculture"]}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    made = store_for_this_run(tmp_path_factory.mktemp("streams") / "home")
    yield made
    made.drop()


@pytest.fixture(scope="module")
def seeded(store: Store) -> dict[str, Any]:
    return seed(store, MEMBERS)


@pytest.fixture(scope="module")
def server(store: Store, seeded: dict[str, Any]) -> Iterator[Process]:
    with serving(
        store, BUREAU_STREAMS_PER_USER=str(PER_USER), BUREAU_STREAMS_PER_ADDRESS=str(PER_ADDRESS)
    ) as process:
        yield process


def bearer(seeded: dict[str, Any], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded['members'][name]['token']}"}


def open_stream(server: Process, headers: dict[str, str]) -> StreamReader:
    return StreamReader(f"{server.base_url}/api/v1/stream", headers=dict(headers)).start()


def one_more(server: Process, headers: dict[str, str]) -> httpx.Response:
    with httpx.stream(
        "GET", f"{server.base_url}/api/v1/stream", headers=headers, timeout=10
    ) as response:
        response.read() if response.status_code != 200 else None
        return response


def test_one_user_cannot_hoard_streams(server, seeded):
    hoarder = bearer(seeded, "hoarder")
    held = [open_stream(server, hoarder) for _ in range(PER_USER)]
    try:
        refused = one_more(server, hoarder)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert f"at most {PER_USER}" in refused.json()["detail"]
        held.pop().stop()  # closing one frees its place
        deadline = time.monotonic() + 20
        while one_more(server, hoarder).status_code != 200:
            assert time.monotonic() < deadline, "a closed stream kept its place"
            time.sleep(0.1)
    finally:
        for reader in held:
            reader.stop()


def test_one_address_cannot_hoard_streams_with_many_accounts(server, seeded):
    held = [open_stream(server, bearer(seeded, "hoarder")) for _ in range(PER_USER)]
    held += [
        open_stream(server, bearer(seeded, "neighbour")) for _ in range(PER_ADDRESS - PER_USER)
    ]
    try:
        refused = one_more(server, bearer(seeded, "reader"))
        assert refused.status_code == 429
        assert "from your address" in refused.json()["detail"]
    finally:
        for reader in held:
            reader.stop()


def test_a_replay_leaves_out_what_was_withdrawn(server, seeded):
    staff, reader_headers = seeded["staff_token"], bearer(seeded, "reader")
    live = open_stream(server, reader_headers)
    kept = publish(server.base_url, staff, lead(title="Walnuts, kept", **WALNUT))
    gone = publish(server.base_url, staff, lead(title="Walnuts, withdrawn later", **WALNUT))
    seen = {event.data["item"]["id"] for event in live.events(2)}
    live.stop()
    assert seen == {kept["id"], gone["id"]}
    withdrawn = httpx.post(
        f"{server.base_url}/api/v1/items/{gone['id']}/withdraw",
        headers={"Authorization": f"Bearer {staff}"}, json={"note": "withdrawn"},
    )  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    replay = open_stream(server, {**reader_headers, "Last-Event-ID": "0"})
    try:
        (event,) = replay.events(1)
        assert event.data["item"]["id"] == kept["id"]
        later = publish(server.base_url, staff, lead(title="Walnuts, after", **WALNUT))
        (after,) = replay.events(1)  # the withdrawn one was not in between
        assert after.data["item"]["id"] == later["id"]
    finally:
        replay.stop()
