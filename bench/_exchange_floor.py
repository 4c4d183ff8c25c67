"""The floor of a catch-up: the rows a catch-up stores, checked and written raw.

After the receiver's catch-up its database holds, for each event, what the catch-up wrote: the
item with its detail, facets, audit entry and outbox event, and the received-event record (the
item's full-text and search-queue rows come from its triggers). This phase copies that
database as it was before the catch-up (same schema, indexes and triggers; the catch-up's rows
deleted), reads those rows into memory, then times page by page of 1,000 events: the sender's
log page read and parsed, the chain checked as the receiver checks it, and the page's rows
inserted with the raw driver (multi-row INSERT on SQLite, COPY on PostgreSQL) with the cursor's
UPDATE, one transaction a page. No validation, no ORM, no HTTP, one thread: what any catch-up
that verifies and stores the same rows has to do at the least on this machine.

The same again into a second copy without the database's own full-text index of items (the
FTS5 triggers on SQLite, the generated ``tsvector`` column and its GIN index on PostgreSQL),
which the embedded search index makes redundant where it serves: what dropping it would gain.

The table and column names below are the bench's own constants or come from the database's
own catalogue, never from input.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

PAGE = 1000
ITEMS = "catalog_item"
# The other tables a catch-up of trade leads writes a row in for each item, in that order.
BY_ITEM = (
    "catalog_tradelead",
    "catalog_itemfacet",
    "catalog_itemtransition",
    "delivery_outboxevent",
)
RECEIVED = "exchange_receivedevent"
QUEUE = "catalog_searchqueue"
# Written NULL by the catch-up and set later by the dispatcher: stored as they were written.
UNSET = {"delivery_outboxevent": ("dispatched_at", "announced_at")}
SQLITE_VARIABLES = 32766

Rows = dict[str, list[tuple[Any, ...]]]  # table -> rows of one page


def run(
    count: int, engine: str, receiver: str, scratch: str, sender_db: str, public_key: str, node: str
) -> dict[str, Any]:
    """``receiver`` and ``scratch``: SQLite files, or PostgreSQL URLs (``scratch`` a copy of
    ``receiver`` made from it as a template)."""
    bare = scratch + "_bare" if engine == "postgres" else scratch + ".bare"
    if engine == "postgres":
        columns, pages, peer = _load_pg(receiver, scratch, node, count)
        _copy_pg(scratch, bare)
        spent: dict[str, float] = defaultdict(float)
        stores = (
            _pg_store(scratch, columns, spent=spent),
            _pg_store(bare, columns, drop_fulltext=True),
        )
    else:
        columns, pages, peer = _load_sqlite(receiver, scratch, node, count)
        stores = _sqlite_store(scratch, columns), _sqlite_store(bare, columns, copy_of=scratch)
    figures = _timed(count, pages, peer, stores[0], sender_db, public_key, node)
    without = _timed(count, pages, peer, stores[1], sender_db, public_key, node)
    figures["floor_no_fulltext_events_per_s"] = without["floor_events_per_s"]
    if engine == "postgres":
        # Where PostgreSQL's writes go: each table's COPY (its indexes and triggers included).
        figures["floor_store_us_per_event_by_table"] = {
            table: round(seconds / count * 1e6, 1) for table, seconds in spent.items()
        }
    return figures


def _timed(
    count: int,
    pages: list[Rows],
    peer: int,
    store: Callable[[Rows, int, int, str], None],
    sender_db: str,
    public_key: str,
    node: str,
) -> dict[str, Any]:
    from bureau.exchange import keys
    from bureau.exchange.canonical import GENESIS
    from bureau.exchange.verify import check_chain

    key = keys.parse_public(public_key)
    query = "SELECT data FROM exchange_logevent WHERE node = ? AND seq > ? ORDER BY seq LIMIT ?"
    seq, digest, storing, started = 0, GENESIS, 0.0, time.perf_counter()
    storing_cpu = 0.0
    with contextlib.closing(sqlite3.connect(sender_db)) as log:
        for rows in pages:
            data = [row[0] for row in log.execute(query, (node, seq, PAGE))]
            events = json.loads("[" + ",".join(data) + "]")
            check = check_chain(events, node=node, key=key, after_seq=seq, after_hash=digest)
            assert not check.problem and check.verified, check.problem
            seq, digest = check.verified[-1].seq, check.verified[-1].hash
            before, before_cpu = time.perf_counter(), time.process_time()
            store(rows, peer, seq, digest)
            storing += time.perf_counter() - before
            storing_cpu += time.process_time() - before_cpu
    elapsed = time.perf_counter() - started
    return {
        "floor_events_per_s": round(count / elapsed),
        "floor_seconds": round(elapsed, 2),
        "floor_rows_per_event": round(sum(len(r) for p in pages for r in p.values()) / count, 1),
        # The writes alone: what a catch-up that did everything else beside them could reach.
        "floor_store_seconds": round(storing, 2),
        "floor_store_events_per_s": round(count / storing),
        # Of which this process's own work; on PostgreSQL the rest is the server's.
        "floor_store_client_cpu_seconds": round(storing_cpu, 2),
    }


def _paged(
    items: list[tuple[Any, ...]], children: dict[str, list[tuple[Any, ...]]], item_at: dict[str, int],
    received: list[tuple[Any, ...]], count: int,
) -> list[Rows]:  # fmt: skip
    """The rows of each page of events: its items, their children, its received events."""
    page_of = {row[0]: index // PAGE for index, row in enumerate(items)}
    pages: list[Rows] = [defaultdict(list) for _ in range((count + PAGE - 1) // PAGE)]
    for row in items:
        pages[page_of[row[0]]][ITEMS].append(row)
    for table in BY_ITEM:
        for row in children[table]:
            pages[page_of[row[item_at[table]]]][table].append(row)
    for index, row in enumerate(received):
        pages[index // PAGE][RECEIVED].append(row)
    return pages


def _unset(table: str, names: list[str], rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    blank = [names.index(n) for n in UNSET.get(table, ())]
    if not blank:
        return list(rows)
    return [tuple(None if i in blank else v for i, v in enumerate(row)) for row in rows]


def _delete_catch_up(execute: Callable[[str, tuple[Any, ...]], Any], node: str) -> None:
    mine = f"SELECT id FROM {ITEMS} WHERE origin_node = %s"
    for table in reversed(BY_ITEM):
        execute(f"DELETE FROM {table} WHERE item_id IN ({mine})", (node,))
    execute(f"DELETE FROM {ITEMS} WHERE origin_node = %s", (node,))
    execute(f"DELETE FROM {RECEIVED}", ())
    execute(f"DELETE FROM {QUEUE}", ())


# --- SQLite ------------------------------------------------------------------------------


def _load_sqlite(
    receiver: str, scratch: str, node: str, count: int
) -> tuple[dict[str, list[str]], list[Rows], int]:
    source = sqlite3.connect(receiver)
    source.execute("VACUUM INTO ?", (scratch,))
    columns: dict[str, list[str]] = {}
    children: dict[str, list[tuple[Any, ...]]] = {}
    item_at: dict[str, int] = {}
    cursor = source.execute(
        f"SELECT * FROM {ITEMS} WHERE origin_node = ? ORDER BY id LIMIT ?", (node, count)
    )
    columns[ITEMS] = [d[0] for d in cursor.description]
    items = cursor.fetchall()
    low, high = items[0][0], items[-1][0]
    for table in BY_ITEM:
        cursor = source.execute(
            f"SELECT * FROM {table} WHERE item_id BETWEEN ? AND ? ORDER BY item_id", (low, high)
        )
        columns[table] = [d[0] for d in cursor.description]
        item_at[table] = columns[table].index("item_id")
        children[table] = _unset(table, columns[table], cursor.fetchall())
    cursor = source.execute(f"SELECT * FROM {RECEIVED} WHERE seq <= ? ORDER BY seq", (count,))
    columns[RECEIVED] = [d[0] for d in cursor.description]
    received = cursor.fetchall()
    peer = received[0][columns[RECEIVED].index("peer_id")]
    source.close()
    target = sqlite3.connect(scratch, isolation_level=None)
    target.execute("BEGIN")
    _delete_catch_up(lambda sql, args: target.execute(sql.replace("%s", "?"), args), node)
    target.execute("COMMIT")
    target.execute("VACUUM")
    target.close()
    return columns, _paged(items, children, item_at, received, count), peer


def _sqlite_store(
    scratch: str, columns: dict[str, list[str]], *, copy_of: str = ""
) -> Callable[[Rows, int, int, str], None]:
    """With the settings the bureau's connections use (config/settings.py, Django's backend).
    ``copy_of``: make ``scratch`` a copy of that database, without the items' FTS5 triggers."""
    if copy_of:
        with contextlib.closing(sqlite3.connect(copy_of)) as source:
            source.execute("VACUUM INTO ?", (scratch,))
    db = sqlite3.connect(scratch, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "mmap_size=268435456",
    ):
        db.execute(f"PRAGMA {pragma}")
    if copy_of:
        triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?"
        for (name,) in db.execute(triggers, ("catalog_item_fts_%",)).fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
    statements = {}
    for table, names in columns.items():
        per_statement = min(PAGE, SQLITE_VARIABLES // len(names))
        row = "(" + ",".join("?" * len(names)) + ")"
        statements[table] = (
            per_statement,
            f"INSERT INTO {table} ({','.join(names)}) VALUES ",
            row,
        )

    def store(rows: Rows, peer: int, seq: int, digest: str) -> None:
        db.execute("BEGIN IMMEDIATE")
        for table in (ITEMS, *BY_ITEM, RECEIVED):
            per_statement, head, row = statements[table]
            chunk_rows = rows[table]
            for start in range(0, len(chunk_rows), per_statement):
                chunk = chunk_rows[start : start + per_statement]
                values = [v for r in chunk for v in r]
                db.execute(head + ",".join([row] * len(chunk)), values)
        db.execute(
            "UPDATE exchange_peer SET cursor_seq = ?, cursor_hash = ? WHERE id = ?",
            (seq, digest, peer),
        )
        db.execute("COMMIT")

    return store


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_columns(conn: Any, table: str) -> tuple[list[str], list[bool]]:
    """The stored (not generated) columns of ``table``, and which of them are JSON."""
    found = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [name for name, _ in found], [kind == "jsonb" for _, kind in found]


def _load_pg(
    receiver: str, scratch: str, node: str, count: int
) -> tuple[dict[str, list[str]], list[Rows], int]:
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb

    columns: dict[str, list[str]] = {}
    fetched: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(receiver) as source:
        for table in (ITEMS, *BY_ITEM, RECEIVED):
            names, json_at = _pg_columns(source, table)
            columns[table] = names
            select = sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(",").join(map(sql.Identifier, names)), sql.Identifier(table)
            )
            if table == ITEMS:
                query = select + sql.SQL(" WHERE origin_node = %s ORDER BY id LIMIT %s")
                rows = source.execute(query, (node, count)).fetchall()
                low, high = rows[0][0], rows[-1][0]
            elif table == RECEIVED:
                query = select + sql.SQL(" WHERE seq <= %s ORDER BY seq")
                rows = source.execute(query, (count,)).fetchall()
            else:
                query = select + sql.SQL(" WHERE item_id BETWEEN %s AND %s ORDER BY item_id")
                rows = source.execute(query, (low, high)).fetchall()
            rows = [
                tuple(
                    Jsonb(v) if j and v is not None else v for v, j in zip(r, json_at, strict=True)
                )
                for r in rows
            ]
            fetched[table] = _unset(table, names, rows)
    with psycopg.connect(scratch, autocommit=True) as target:
        with target.transaction():
            _delete_catch_up(lambda q, args: target.execute(q, args), node)
        target.execute("VACUUM ANALYZE")
    item_at = {t: columns[t].index("item_id") for t in BY_ITEM}
    peer = fetched[RECEIVED][0][columns[RECEIVED].index("peer_id")]
    pages = _paged(fetched[ITEMS], fetched, item_at, fetched[RECEIVED], count)
    return columns, pages, peer


def _copy_pg(scratch: str, bare: str) -> None:
    from bench._common import pg_admin, pg_drop

    name, copy = scratch.rpartition("/")[2], bare.rpartition("/")[2]
    pg_drop(copy)
    pg_admin(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')


def _pg_store(
    scratch: str,
    columns: dict[str, list[str]],
    *,
    drop_fulltext: bool = False,
    spent: dict[str, float] | None = None,
) -> Callable[[Rows, int, int, str], None]:
    """``spent``: seconds added up per table's COPY, and for the cursor's update and commit."""
    spent = defaultdict(float) if spent is None else spent
    import psycopg
    from psycopg import sql

    db = psycopg.connect(scratch)
    if drop_fulltext:
        vectors = (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND data_type = 'tsvector'"
        )
        for (name,) in db.execute(vectors, (ITEMS,)).fetchall():
            db.execute(
                sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(
                    sql.Identifier(ITEMS), sql.Identifier(name)
                )
            )
        db.commit()
    copies = {
        table: sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(",").join(map(sql.Identifier, names))
        )
        for table, names in columns.items()
    }

    def store(rows: Rows, peer: int, seq: int, digest: str) -> None:
        with db.transaction(), db.cursor() as cursor:
            for table in (ITEMS, *BY_ITEM, RECEIVED):
                before = time.perf_counter()
                with cursor.copy(copies[table]) as copy:
                    for row in rows[table]:
                        copy.write_row(row)
                spent[table] += time.perf_counter() - before
            before = time.perf_counter()
            cursor.execute(
                "UPDATE exchange_peer SET cursor_seq = %s, cursor_hash = %s WHERE id = %s",
                (seq, digest, peer),
            )
        spent["cursor update and commit"] += time.perf_counter() - before

    return store
