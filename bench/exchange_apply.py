"""Apply a peer's pages in one process: the receiver's own cost per event, nothing else.

A log of N signed trade-lead events (the shape the exchange bench's sender publishes) is
built in memory with a test key; a fresh receiver database (SQLite, or PostgreSQL in a
database `bureau_bench_exchange_apply`, dropped at the end) is given that key as a peer,
and the pages of 1,000 events go through `receive_page` exactly as a pull does after the
HTTP fetch: chain check, validation, the catalog rows, the outbox and the received-event
records, one transaction a page. No HTTP, no sender, no dispatcher.

    .venv/bin/python bench/exchange_apply.py [--events 10000] [--engines sqlite,postgres]
                                             [--profile]

`--profile` writes a pyinstrument report of the whole apply to stderr (text) per engine.
Figures: `apply_events_per_s` and `apply_us_per_event` per engine; the load average.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PG_SERVER, bench_env, emit, log, pg_admin, pg_drop, run_child

NODE = "bench-sender"
PAGE = 1000
PG_NAME = "bureau_bench_exchange_apply"
PRODUCTS = [
    ("100630", "Basmati rice"), ("520100", "Raw cotton"), ("271111", "Liquefied natural gas"),
    ("080510", "Oranges"), ("300490", "Medicines"), ("630260", "Cotton towels"),
]  # fmt: skip


def _body(n: int, template: dict[str, Any]) -> dict[str, Any]:
    code, product = PRODUCTS[n % len(PRODUCTS)]
    body = copy.deepcopy(template)
    body.update(
        uid=str(uuid.UUID(int=n + 1)),
        title=f"{product}, lot {n}",
        summary=f"{product} offered by a member of the chamber; lot {n}.",
        product=product,
        hs_code=code,
        hs_codes=[code],
        quantity=f"{5 + n % 5000}.000",
        value_amount=f"{10_000 + n * 7 % 5_000_000}.00",
        value_currency=("USD", "AZN", "PKR")[n % 3],
        side=("sell", "buy")[n % 2],
    )
    return body


def signed_log(count: int) -> list[dict[str, Any]]:
    from bureau.exchange import canonical as c
    from bureau.exchange import keys, vectors

    key, prev, out = vectors.test_key(), c.GENESIS, []
    for seq in range(1, count + 1):
        event = {
            "node": NODE,
            "seq": seq,
            "prev": prev,
            "type": c.ITEM_PUBLISHED,
            "at": vectors.AT,
            "body": _body(seq, vectors.LEAD),
        }
        event["sig"] = keys.sign(key, c.canonical(event))
        prev = hashlib.sha256(c.canonical(event)).hexdigest()
        out.append(event)
    return out


def _warm(event: dict[str, Any]) -> None:
    """Load the reference data and the URL modules (APIs, views) once, as a serving node has
    long before it catches up."""
    from django.urls import get_resolver

    from bureau.catalog.validation import clean_item

    get_resolver().url_patterns  # noqa: B018 - importing every URL module is the point
    from bureau.exchange.apply import NOT_RECORD_FIELDS

    clean_item({k: v for k, v in event["body"].items() if k not in NOT_RECORD_FIELDS})


def child_apply(count: int, profile: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from bureau.catalog import index
    from bureau.exchange import replication, vectors
    from bureau.exchange.models import Peer

    call_command("migrate", verbosity=0)
    events = signed_log(count)
    floor = baseline(events, vectors.test_public_key())
    peer = Peer.objects.create(
        name=NODE, url="http://127.0.0.1:9/", public_key=vectors.test_public_key()
    )
    result = replication.PullResult(NODE)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    _warm(events[0])
    started, cpu = time.perf_counter(), time.process_time()
    # As `replication.pull` does: the search index catches up once, after the pages (and
    # that sync is timed too).
    with index.syncs_held():
        for start in range(0, count, PAGE):
            page = {"events": events[start : start + PAGE], "head": {"seq": count, "at": None}}
            replication.receive_page(peer, page, result)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, show_all=False), file=sys.stderr)
    if result.applied != count:
        raise SystemExit(f"applied {result.applied} of {count} (refused {result.refused})")
    return {
        "apply_events_per_s": round(count / seconds),
        "apply_us_per_event": round(seconds / count * 1e6, 1),
        "apply_seconds": round(seconds, 2),
        # CPU of this process alone: comparable between runs on a loaded machine.
        "apply_cpu_us_per_event": round(cpu / count * 1e6, 1),
        **floor,
        "apply_ratio": round(count / seconds / floor["baseline_events_per_s"], 2),
    }


def baseline(events: list[dict[str, Any]], public_key: str) -> dict[str, Any]:
    """The floor, same process, same events: each page's chain checked as the receiver
    checks it, and each event inserted as one row (seq, hash, JSON) with the raw driver, one
    transaction a page (`bench/exchange.py`'s baseline, from the same parsed pages as the
    apply instead of the sender's database)."""
    import json

    from django.conf import settings

    from bench.exchange import _raw_store
    from bureau.exchange import keys
    from bureau.exchange.canonical import GENESIS
    from bureau.exchange.verify import check_chain

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        target = f"{PG_SERVER}/{database['NAME']}"
    else:
        target = str(Path(database["NAME"]).with_name("baseline.sqlite3"))
    store, key = _raw_store(target), keys.parse_public(public_key)
    seq, digest = 0, GENESIS
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(events), PAGE):
        page = events[start : start + PAGE]
        check = check_chain(page, node=NODE, key=key, after_seq=seq, after_hash=digest)
        assert not check.problem and not check.waiting, check.problem or check.waiting
        store([(v.seq, v.hash, json.dumps(v.event)) for v in check.verified])
        seq, digest = check.verified[-1].seq, check.verified[-1].hash
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "baseline_events_per_s": round(len(events) / seconds),
        "baseline_cpu_us_per_event": round(cpu / len(events) * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    figures: dict[str, Any] = {
        "bench": "exchange_apply",
        "events": args.events,
        "cpus": os.cpu_count(),
        "loadavg_start": round(os.getloadavg()[0], 2),
    }
    for engine in args.engines.split(","):
        home = Path(tempfile.mkdtemp(prefix="bench-exchange-apply-"))
        url = f"{PG_SERVER}/{PG_NAME}" if engine == "postgres" else ""
        if url:
            pg_drop(PG_NAME)
            pg_admin(f'CREATE DATABASE "{PG_NAME}"')
        try:
            log(f"[{engine}] applying {args.events:,} events in one process")
            child = [__file__, "child", str(args.events), "1" if args.profile else "0"]
            figures[engine] = run_child(child, bench_env(home, url, BUREAU_NODE_NAME="bench-rx"))
        finally:
            if url:
                pg_drop(PG_NAME)
            shutil.rmtree(home, ignore_errors=True)
    figures["loadavg_end"] = round(os.getloadavg()[0], 2)
    emit(figures)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        emit(child_apply(int(sys.argv[2]), sys.argv[3] == "1"))
    else:
        main()
