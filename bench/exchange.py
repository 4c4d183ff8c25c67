"""Exchange benchmark: catch-up throughput between two nodes, and publish-to-visible latency.

Two nodes run on this machine as `bureau serve` processes (each with its in-process worker),
each with its own database: the sender on SQLite, the receiver on SQLite or PostgreSQL.

1. Catch-up. The sender publishes N items (default 100,000) through `items_save` in batches
   of 2,000, which appends N signed events to its log. The receiver is then given the sender
   as a peer (once the sender's own worker has dispatched the outbox events of those N
   items: `sender_outbox_drain_s`), and the time from `bureau peer add` to the receiver's
   cursor reaching N is measured: pages of 1,000 events over HTTP, verified, applied as catalog items with their
   details, facets, audit entries and outbox events, one transaction per page. Figure:
   `catch_up_events_per_s`; from the first page seen applied to the last, without the
   command's start and the first fetch: `catch_up_steady_events_per_s`. The same is repeated
   into a fresh receiver database with
   `BUREAU_EXCHANGE_VERIFY=every` (each event's signature checked too):
   `catch_up_every_events_per_s`.

   Baseline, same run, same events: read from the sender's database in pages of 1,000, parse
   them, check every hash link and each page's last signature (as the receiver does), and
   insert each event as one row (seq, hash, JSON) with the raw driver's `executemany`, one
   transaction per page, into a scratch database of the receiver's engine: no HTTP, no
   catalog. Figure: `baseline_events_per_s`; `catch_up_ratio` = catch-up / baseline.

   Floor, same run: the rows the receiver's catch-up stored (item, detail, facets, audit
   entry, outbox event, received event; about 11 an event), read back and written again raw,
   page by page with the chain check, into a copy of the receiver's database as it was before
   (same indexes and triggers): `floor_events_per_s`, `floor_rows_per_event`, and
   `floor_no_fulltext_events_per_s` without the database's own full-text index of items;
   `floor_store_events_per_s`, the writes alone (what a catch-up that did all else beside
   them could reach), and on PostgreSQL their time an event per table
   (`floor_store_us_per_event_by_table`); `floor_ratio` = catch-up / floor
   (`bench/_exchange_floor.py`).

   Ceiling, same run: `cpu_us_per_event` is the CPU time an event costs the sender's and the
   receiver's processes during the catch-up, plus on PostgreSQL the server's time for its
   writes (`catch_up_server_us_per_event`: the floor's writes alone, less the floor's own CPU
   in them); `cpu_ceiling_events_per_s` is the machine's cores over it, what a catch-up whose
   processes kept every core busy all the time could reach.

2. Latency. With both nodes peered and caught up, single items are published at the sender
   through the API, one at a time with a pause between them; each is timed from just before
   the publish request to the moment it is committed in the receiver's database (polled
   every 2 ms; the receiver's API shows what is committed). Figures: `latency_p50_ms`,
   `latency_p99_ms`. Baseline: the two HTTP calls any propagation needs at the least, timed
   the same way: the publish request at the sender, then one read of an item at the
   receiver's API. Figures: `latency_baseline_p50_ms`, `latency_baseline_p99_ms`.

    .venv/bin/python bench/exchange.py [--events 100000] [--receivers sqlite,postgres]
                                       [--samples 200] [--quick] [--skip every]

Progress goes to stderr; the figures, last, to stdout as one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PG_SERVER,
    REPO,
    VENV_BIN,
    Server,
    bench_env,
    cpu_seconds,
    emit,
    log,
    ms,
    percentile,
    pg_admin,
    pg_drop,
    postgres_cpu,
    postgres_cpu_since,
    run_child,
    serve,
)

BUREAU = str(VENV_BIN / "bureau")
PAGE = 1000
PASSWORD = "correct-horse-battery"


# --- nodes ---------------------------------------------------------------------------


@dataclass
class Node:
    name: str
    home: Path
    env: dict[str, str]
    pg_name: str = ""
    public_key: str = ""

    def bureau(self, *args: str) -> str:
        done = subprocess.run(
            [BUREAU, *args], env=self.env, cwd=REPO, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"bureau {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def scalar(self, sql: str) -> Any:
        if self.pg_name:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/{self.pg_name}") as conn:
                row = conn.execute(sql).fetchone()
        else:
            with contextlib.closing(
                sqlite3.connect(self.home / "bureau.sqlite3", timeout=30)
            ) as conn:
                row = conn.execute(sql).fetchone()
        return row[0] if row else None

    def uid_query(self, uid: str) -> str:
        """SQL counting the item ``uid`` (a uuid column on PostgreSQL, 32 hex digits on SQLite)."""
        value = uid if self.pg_name else uid.replace("-", "")
        return f"SELECT COUNT(*) FROM catalog_item WHERE uid = '{value}'"

    def drop(self) -> None:
        if self.pg_name:
            pg_drop(self.pg_name)
        shutil.rmtree(self.home, ignore_errors=True)


def make_node(root: Path, name: str, engine: str, **extra: str) -> Node:
    home = root / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    pg_name = f"bureau_bench_exchange_{name.replace('-', '_')}" if engine == "postgres" else ""
    if pg_name:
        pg_drop(pg_name)
        pg_admin(f'CREATE DATABASE "{pg_name}"')
    env = bench_env(
        home,
        f"{PG_SERVER}/{pg_name}" if pg_name else "",
        BUREAU_NODE_NAME=name,
        BUREAU_NODE_TITLE=f"Bench node {name}",
        BUREAU_EXCHANGE_POLL_SECONDS="5",
        **extra,
    )
    node = Node(name, home, env, pg_name)
    node.bureau("init", "--no-input")
    shown = node.bureau("node", "show")
    node.public_key = next(
        line.split()[-1] for line in shown.splitlines() if line.startswith("public key")
    )
    return node


@contextlib.contextmanager
def serving(node: Node) -> Iterator[Server]:
    """`bureau serve` with its worker (which pulls and nudges)."""
    with serve(node.env, probe="/.well-known/bureau-node", worker=True) as server:
        yield server


def wait_until(condition: Any, what: str, timeout: float, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(interval)


# --- child phases (run in the node's own environment) --------------------------------


def child_generate(count: int) -> dict[str, Any]:
    """Publish ``count`` trade leads through items_save; also create a staff member and token."""
    import django

    django.setup()
    from bureau.accounts.services import organisation_create, token_create, user_create
    from bureau.catalog.services import OrganisationResolver, item_prepare, items_save

    chamber = organisation_create(
        actor=None, data={"name": "Bench Chamber", "kind": "chamber", "country": "AZ"}
    )
    staff = user_create(
        email="staff@bench.example", password=PASSWORD, organisation=chamber, role="staff"
    )
    resolver, done, started = OrganisationResolver(), 0, time.perf_counter()
    rng = random.Random(7)
    while done < count:
        size = min(2000, count - done)
        prepared = [
            item_prepare(actor=None, data=_lead(done + n, chamber.slug, rng), resolver=resolver)
            for n in range(size)
        ]
        items_save(prepared, actor=None, publish=True)
        done += size
        if done % 20_000 == 0 or done == count:
            log(f"  generated {done:,} items ({done / (time.perf_counter() - started):,.0f}/s)")
    return {"token": token_create(user=staff), "generated": done}


PRODUCTS = [
    ("100630", "Basmati rice"), ("520100", "Raw cotton"), ("271111", "Liquefied natural gas"),
    ("080510", "Oranges"), ("300490", "Medicines"), ("630260", "Cotton towels"),
]  # fmt: skip


def _lead(n: int, organisation: str, rng: random.Random) -> dict[str, Any]:
    code, product = PRODUCTS[n % len(PRODUCTS)]
    return {
        "kind": "lead",
        "title": f"{product}, lot {n}",
        "summary": f"{product} offered by a member of the chamber; lot {n}.",
        "side": rng.choice(["sell", "buy"]),
        "product": product,
        "hs_code": code,
        "quantity": str(rng.randint(5, 5000)),
        "unit": "TNE",
        "origin_country": "PK",
        "destination_country": "AZ",
        "value_amount": str(rng.randint(10_000, 5_000_000)),
        "value_currency": rng.choice(["USD", "AZN", "PKR"]),
        "organisation": organisation,
    }


def child_baseline(count: int, target: str, public_key: str, node: str) -> dict[str, Any]:
    """Read the sender's events, check them as the receiver does, insert them raw."""
    import django

    django.setup()
    from bureau.exchange import keys
    from bureau.exchange.canonical import GENESIS
    from bureau.exchange.models import LogEvent
    from bureau.exchange.verify import check_chain

    key = keys.parse_public(public_key)
    store = _raw_store(target)
    seq, digest, started = 0, GENESIS, time.perf_counter()
    while seq < count:
        rows = list(
            LogEvent.objects.filter(node=node, seq__gt=seq)
            .order_by("seq")
            .values_list("data", flat=True)[:PAGE]
        )
        events = json.loads("[" + ",".join(rows) + "]")
        check = check_chain(events, node=node, key=key, after_seq=seq, after_hash=digest)
        assert not check.problem, check.problem
        store([(v.seq, v.hash, json.dumps(v.event)) for v in check.verified])
        seq, digest = check.verified[-1].seq, check.verified[-1].hash
    elapsed = time.perf_counter() - started
    return {"baseline_events_per_s": round(count / elapsed), "baseline_seconds": round(elapsed, 2)}


def _raw_store(target: str) -> Any:
    """A function that inserts (seq, hash, data) rows in one transaction, raw driver."""
    create = "CREATE TABLE received (seq BIGINT PRIMARY KEY, hash CHAR(64), data TEXT)"
    if target.startswith("postgres"):
        import psycopg

        conn = psycopg.connect(target)
        conn.execute(create)
        conn.commit()

        def store_pg(rows: list[tuple[int, str, str]]) -> None:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany("INSERT INTO received VALUES (%s, %s, %s)", rows)

        return store_pg
    lite = sqlite3.connect(target, isolation_level=None)
    lite.execute("PRAGMA journal_mode=WAL")
    lite.execute("PRAGMA synchronous=NORMAL")
    lite.execute(create)

    def store_lite(rows: list[tuple[int, str, str]]) -> None:
        lite.execute("BEGIN IMMEDIATE")
        lite.executemany("INSERT INTO received VALUES (?, ?, ?)", rows)
        lite.execute("COMMIT")

    return store_lite


# --- phases --------------------------------------------------------------------------


def catch_up(sender: Node, sending: Server, receiver: Node) -> dict[str, Any]:
    """Seconds from `bureau peer add` at the receiver to its cursor reaching the sender's
    log head, how many events that was, and the CPU each node's process spent meanwhile."""
    count = int(sender.scalar("SELECT last_seq FROM exchange_loghead"))
    sender_url = sending.base_url
    with serving(receiver) as receiving:
        receiver_url = receiving.base_url
        sender.bureau("peer", "add", receiver.name, receiver_url, "--key", receiver.public_key)
        started = time.monotonic()
        cpu_before = [cpu_seconds(s.process.pid) for s in (sending, receiving)]
        server_before = postgres_cpu()
        receiver.bureau("peer", "add", sender.name, sender_url, "--key", sender.public_key)
        cursor = f"SELECT cursor_seq FROM exchange_peer WHERE name = '{sender.name}'"
        last_report = started
        first: tuple[float, int] | None = None  # when the first page was seen applied
        while (applied := receiver.scalar(cursor) or 0) < count:
            if first is None and applied:
                first = (time.monotonic(), applied)
            if time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                log(f"  {receiver.scalar(cursor):,} of {count:,} applied")
            if time.monotonic() - started > 3600:
                raise RuntimeError("catch-up did not finish within an hour")
            time.sleep(0.05)
        ended = time.monotonic()
        elapsed = ended - started
        first = first or (started, 0)
        cpu = [
            cpu_seconds(s.process.pid) - b
            for s, b in zip((sending, receiving), cpu_before, strict=True)
        ]
        server_cpu = postgres_cpu_since(server_before)
        sender.bureau("peer", "remove", receiver.name)
    mine = f"SELECT COUNT(*) FROM catalog_item WHERE origin_node = '{sender.name}'"
    if receiver.scalar(mine) != sender.scalar(mine):
        raise RuntimeError(f"the receiver holds {receiver.scalar(mine)} of the sender's items")
    return {
        "seconds": elapsed,
        "events": count,
        "steady_events_per_s": round((count - first[1]) / max(ended - first[0], 1e-9)),
        "sender_cpu_us_per_event": round(cpu[0] * 1e6 / count, 1),
        "receiver_cpu_us_per_event": round(cpu[1] * 1e6 / count, 1),
        "postgres_cpu_us_per_event": round(server_cpu * 1e6 / count, 1),
    }


def drain_outbox(sender: Node) -> float:
    """Seconds until the sender's own worker has dispatched the outbox events of the items
    just published (to its own, empty, subscriptions): a node has long done that before a
    peer comes to catch up, and the catch-up is timed without that work beside it."""
    started = time.monotonic()
    pending = "SELECT COUNT(*) FROM delivery_outboxevent WHERE dispatched_at IS NULL"
    wait_until(lambda: sender.scalar(pending) == 0, "the sender's outbox", 1800, interval=0.5)
    return round(time.monotonic() - started, 2)


def latency(
    sender: Node, sender_url: str, receiver: Node, token: str, samples: int
) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    with serving(receiver) as receiving, httpx.Client(timeout=30) as client:
        receiver_url = receiving.base_url
        sender.bureau("peer", "add", receiver.name, receiver_url, "--key", receiver.public_key)
        times, baseline = [], []
        probe = client.get(f"{receiver_url}/api/v1/items?limit=1").json()["items"][0]["uid"]
        for n in range(samples):
            title = f"Latency probe {n}"
            data = {**_lead(n, "", random.Random(n)), "title": title}
            data.pop("organisation")
            started = time.monotonic()
            response = client.post(
                f"{sender_url}/api/v1/items?publish=true", json=data, headers=headers
            )
            response.raise_for_status()
            found = receiver.uid_query(response.json()["uid"])
            wait_until(lambda q=found: receiver.scalar(q) == 1, title, 60, interval=0.002)
            times.append(time.monotonic() - started)
            started = time.monotonic()
            data["title"] = f"Baseline probe {n}"
            client.post(
                f"{sender_url}/api/v1/items?publish=true", json=data, headers=headers
            ).raise_for_status()
            client.get(f"{receiver_url}/api/v1/items/{probe}").raise_for_status()
            baseline.append(time.monotonic() - started)
            time.sleep(random.uniform(0.1, 0.3))
            if (n + 1) % 50 == 0:
                log(f"  {n + 1} of {samples} samples; p50 so far {ms(percentile(times, 0.5))} ms")
        sender.bureau("peer", "remove", receiver.name)
    return {
        "latency_samples": samples,
        "latency_p50_ms": ms(percentile(times, 0.5)),
        "latency_p99_ms": ms(percentile(times, 0.99)),
        "latency_max_ms": ms(max(times)),
        "latency_baseline_p50_ms": ms(percentile(baseline, 0.5)),
        "latency_baseline_p99_ms": ms(percentile(baseline, 0.99)),
    }


def run_engine(
    root: Path, sender: Node, args: argparse.Namespace, engine: str, token: str
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with serving(sender) as sending:
        sender_url = sending.base_url
        figures["sender_outbox_drain_s"] = drain_outbox(sender)
        receiver = make_node(root, f"receiver-{engine}", engine, BUREAU_NODE_COUNTRY="PK")
        try:
            log(f"[{engine}] catch-up of {args.events:,} events")
            figures["loadavg_catch_up"] = round(os.getloadavg()[0], 2)
            caught = catch_up(sender, sending, receiver)
            figures.update(
                catch_up_seconds=round(caught["seconds"], 2),
                catch_up_events_per_s=round(caught["events"] / caught["seconds"]),
                catch_up_steady_events_per_s=caught["steady_events_per_s"],
                catch_up_sender_cpu_us_per_event=caught["sender_cpu_us_per_event"],
                catch_up_receiver_cpu_us_per_event=caught["receiver_cpu_us_per_event"],
                catch_up_postgres_cpu_us_per_event=caught["postgres_cpu_us_per_event"],
            )
            log(f"[{engine}] {figures['catch_up_events_per_s']:,} events/s")
            log(f"[{engine}] latency, {args.samples} single items with the nudge")
            figures.update(latency(sender, sender_url, receiver, token, args.samples))
            figures.update(floor(root, sender, receiver, engine, args.events))
        finally:
            receiver.drop()
        if "every" not in args.skip:
            receiver = make_node(
                root,
                f"every-{engine}",
                engine,
                BUREAU_NODE_COUNTRY="PK",
                BUREAU_EXCHANGE_VERIFY="every",
            )
            try:
                log(f"[{engine}] catch-up again, every signature checked")
                caught = catch_up(sender, sending, receiver)
                figures["catch_up_every_events_per_s"] = round(caught["events"] / caught["seconds"])
            finally:
                receiver.drop()
    figures.update(baseline(root, sender, engine, args.events))
    figures["catch_up_ratio"] = round(
        figures["catch_up_events_per_s"] / figures["baseline_events_per_s"], 2
    )
    figures["floor_ratio"] = round(
        figures["catch_up_events_per_s"] / figures["floor_events_per_s"], 2
    )
    figures.update(cpu_ceiling(figures, engine, args.events))
    return figures


def cpu_ceiling(figures: dict[str, Any], engine: str, count: int) -> dict[str, Any]:
    """What the machine's cores allow a catch-up at best: the CPU time an event takes in the
    sender's and the receiver's processes during the catch-up, plus, on PostgreSQL, the
    server's time for the event's writes (the floor's writes alone less its own CPU in them),
    spread over every core without a moment idle."""
    server = 0.0
    if engine == "postgres":
        store = figures["floor_store_seconds"] - figures["floor_store_client_cpu_seconds"]
        server = max(store, 0.0) / count * 1e6
    per_event = (
        figures["catch_up_sender_cpu_us_per_event"]
        + figures["catch_up_receiver_cpu_us_per_event"]
        + server
    )
    # The same with PostgreSQL's CPU as measured during the catch-up: every backend's work,
    # the worker's dispatch of the received items included, which the floor does not do.
    measured = (
        figures["catch_up_sender_cpu_us_per_event"]
        + figures["catch_up_receiver_cpu_us_per_event"]
        + figures["catch_up_postgres_cpu_us_per_event"]
    )
    cores = os.cpu_count() or 1
    return {
        "catch_up_server_us_per_event": round(server, 1),
        "cpu_us_per_event": round(per_event, 1),
        "cpu_ceiling_events_per_s": round(cores * 1e6 / per_event),
        "cpu_us_per_event_measured": round(measured, 1),
        "cpu_ceiling_measured_events_per_s": round(cores * 1e6 / measured),
    }


def floor(root: Path, sender: Node, receiver: Node, engine: str, count: int) -> dict[str, Any]:
    """The receiver's own rows of the catch-up, checked and written raw (`_exchange_floor`)."""
    log(f"[{engine}] floor: the catch-up's rows checked and inserted raw, in one thread")
    if engine == "postgres":
        name = "bureau_bench_exchange_floor"
        pg_drop(name)
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{receiver.pg_name}"')
        source, target = f"{PG_SERVER}/{receiver.pg_name}", f"{PG_SERVER}/{name}"
    else:
        source, target = str(receiver.home / "bureau.sqlite3"), str(root / "floor.sqlite3")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
    log_db = str(sender.home / "bureau.sqlite3")
    try:
        return run_child(
            [__file__, "floor", str(count), engine, source, target, log_db, sender.public_key,
             sender.name],
            sender.env,
        )  # fmt: skip
    finally:
        if engine == "postgres":
            pg_drop(f"{name}_bare")  # the second copy `_exchange_floor.run` makes
            pg_drop(name)
        else:
            for suffix in ("", "-wal", "-shm", ".bare", ".bare-wal", ".bare-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target + suffix)


def baseline(root: Path, sender: Node, engine: str, count: int) -> dict[str, Any]:
    log(f"[{engine}] baseline: the same events checked and inserted raw, no HTTP")
    if engine == "postgres":
        name = "bureau_bench_exchange_baseline"
        pg_drop(name)
        pg_admin(f'CREATE DATABASE "{name}"')
        target = f"{PG_SERVER}/{name}"
    else:
        target = str(root / "baseline.sqlite3")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
    try:
        return run_child(
            [__file__, "baseline", str(count), target, sender.public_key, sender.name], sender.env
        )
    finally:
        if engine == "postgres":
            pg_drop("bureau_bench_exchange_baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--receivers", default="sqlite,postgres")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="10,000 events, 50 samples")
    parser.add_argument("--skip", default="", help="comma-separated: every")
    args = parser.parse_args()
    if args.quick:
        args.events, args.samples = 10_000, 50
    root = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    figures: dict[str, Any] = {
        "bench": "exchange",
        "events": args.events,
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "loadavg_start": round(os.getloadavg()[0], 2),
    }
    sender = make_node(root, "sender", "sqlite")
    try:
        log(f"sender: publishing {args.events:,} items")
        started = time.perf_counter()
        generated = run_child([__file__, "generate", str(args.events)], sender.env)
        figures["generate_items_per_s"] = round(args.events / (time.perf_counter() - started))
        for engine in args.receivers.split(","):
            figures[engine] = run_engine(root, sender, args, engine, generated["token"])
    finally:
        sender.drop()
        shutil.rmtree(root, ignore_errors=True)
    for name in (
        "catch_up_events_per_s",
        "latency_p50_ms",
        "latency_p99_ms",
        "baseline_events_per_s",
    ):
        first = args.receivers.split(",")[0]
        figures[name] = figures[first][name]
    figures["loadavg_end"] = round(os.getloadavg()[0], 2)
    emit(figures)


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        emit(child_generate(int(sys.argv[2])))
    elif sys.argv[1:2] == ["floor"]:
        from bench import _exchange_floor

        emit(_exchange_floor.run(int(sys.argv[2]), *sys.argv[3:9]))
    elif sys.argv[1:2] == ["baseline"]:
        emit(child_baseline(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]))
    else:
        main()
