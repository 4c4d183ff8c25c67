"""At scale: two web processes and two workers, PostgreSQL and Redis, every live event exactly once.

Each web process (``bureau serve --no-worker``) holds streams; the workers, separate processes,
dispatch the items and publish the new deliveries on Redis; each web process routes them to its
own streams. The database is created for this test and dropped afterwards.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.support import (
    Process,
    StreamReader,
    lead,
    make_store,
    publish,
    seed,
    serving,
    working,
)

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
# Pub/sub ignores the database number; the number keeps this test's rate-limit keys apart.
REDIS_URL = "redis://127.0.0.1:6379/11"
ITEMS = 50


def _reachable() -> str:
    try:
        import psycopg
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except Exception as error:
        return str(error)
    return ""


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict, list[Process]]]:
    if problem := _reachable():
        pytest.skip(f"PostgreSQL and Redis are needed: {problem}")
    store = make_store(tmp_path / "home", pg_server=PG_SERVER)
    try:
        seeded = seed(store, {"rice": {"hs_prefixes": ["10"]}, "tea": {"hs_prefixes": ["0902"]}})
        env = {"REDIS_URL": REDIS_URL}
        with contextlib.ExitStack() as stack:
            webs = [stack.enter_context(serving(store, worker=False, **env)) for _ in range(2)]
            for _ in range(2):
                stack.enter_context(working(store, **env))
            yield seeded, webs
    finally:
        store.drop()


def test_every_web_process_streams_every_matching_event_exactly_once(cluster):
    seeded, webs = cluster
    members = seeded["members"]

    def open_stream(web: Process, name: str) -> StreamReader:
        headers = {"Authorization": f"Bearer {members[name]['token']}"}
        return StreamReader(f"{web.base_url}/api/v1/stream", headers=headers).start()

    # The same member on both web processes, another member on the second only.
    readers = {
        "rice@web1": open_stream(webs[0], "rice"),
        "rice@web2": open_stream(webs[1], "rice"),
        "tea@web2": open_stream(webs[1], "tea"),
    }
    published, teas = [], 0
    for n in range(ITEMS):
        web = webs[n % 2]
        published.append(
            publish(web.base_url, seeded["staff_token"], lead(title=f"Rice lot {n}"))["id"]
        )
        if n % 10 == 0:  # a few non-matching items in between
            publish(
                web.base_url,
                seeded["staff_token"],
                lead(title="Green tea", hs_code="090210", product="Tea"),
            )
            teas += 1

    streamed = {}
    for name in ("rice@web1", "rice@web2"):
        events = readers[name].events(ITEMS)
        counts = Counter(e.data["item"]["id"] for e in events)
        assert set(counts) == set(published), name
        assert max(counts.values()) == 1, name
        streamed[name] = {e.id: e.data["delivery"] for e in events}
    # Both web processes streamed the same deliveries of the member, under the same ids.
    assert streamed["rice@web1"] == streamed["rice@web2"]
    tea = readers["tea@web2"].events(teas)
    assert [e.data["item"]["title"] for e in tea] == ["Green tea"] * teas
    for reader in readers.values():
        reader.stop()
