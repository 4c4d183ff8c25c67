"""The search index: published items in an embedded Tantivy index in ``BUREAU_SEARCH_INDEX_DIR``.

Tantivy ranks with BM25 and keeps only the best k while it reads the matches, and the facets are
indexed fields of the same query, so a common two-word query over a million items does not rank
every match as the database engines do (docs/decisions.md "Search: an embedded Tantivy index").

What keeps it current: a trigger on ``catalog_item`` (migration 0006) queues the id of every item
inserted, changed or deleted, in the transaction that changes it, whichever path writes it
(services, import, replication, raw SQL). ``sync()`` indexes the queued items again from the
database and only then removes their queue rows, so a process killed between its commit and the
index update leaves the rows for the next ``sync()``. A search syncs first when the queue is not
empty (so a reader sees its own writes), and the catalog's changes schedule one after commit.
Only published items are indexed, and the page is read back from the database with
``status = published``: a withdrawn or draft item is never shown, even by a stale index.
"""

from __future__ import annotations

import fcntl
import math
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.db import connection

from bureau.catalog import facets, folding, search
from bureau.catalog.models import Status

TOKENIZER = "bureau"
HEAP = 64_000_000  # bytes of the writer's buffer; Tantivy's minimum is 15 MB a thread
BATCH = 5_000  # items read from the database at once
READY = "ready"  # written once a full build has finished; a folder without it is built again

_lock = threading.Lock()
_state: dict[str, Any] = {}


def enabled() -> bool:
    return bool(settings.BUREAU_SEARCH == "index")


def folder() -> Path:
    return Path(settings.BUREAU_SEARCH_INDEX_DIR)


# --- the schema and the words ------------------------------------------------------------


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("uid", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name=TOKENIZER, index_option="freq")
    builder.add_text_field("keys", tokenizer_name="raw", index_option="basic")
    builder.add_float_field("value_usd", indexed=True, fast=True)
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    """Words of any script, lower case, English Snowball stems (as PostgreSQL's bureau_english);
    accents are folded before, by ``fold``."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def fold(text: str) -> str:
    """Lower case without combining marks, as FTS5's remove_diacritics and bureau_unaccent, and
    with the letters typed differently on different keyboards folded as the database folds them
    (``folding``): 'Café' is 'cafe', 'düyü' is 'duyu', the Azerbaijani schwa and dotless i are e and i."""
    lowered = folding.fold(text).lower()
    if lowered.isascii():  # nothing to decompose, no combining marks: most texts of a catalog
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- opening -----------------------------------------------------------------------------


@dataclass
class Opened:
    path: Path
    index: tantivy.Index
    schema: tantivy.Schema
    analyzer: tantivy.TextAnalyzer
    seen: tuple[int, int]  # meta.json's (inode, mtime) when the reader was last reloaded


def _opened() -> Opened:
    """The index of the configured folder, opened once per process (created when missing)."""
    path = folder()
    current = _state.get("opened")
    if current is not None and current.path == path:
        return current
    path.mkdir(parents=True, exist_ok=True)
    schema = _schema()
    index = tantivy.Index(schema, path=str(path), reuse=True)
    analyzer = _analyzer()
    index.register_tokenizer(TOKENIZER, analyzer)
    opened = Opened(path, index, schema, analyzer, _meta_stamp(path))
    _state["opened"] = opened
    return opened


def _meta_stamp(path: Path) -> tuple[int, int]:
    """What changes with every commit: Tantivy replaces meta.json by a rename (a new inode),
    so two commits within the file system's clock tick are still told apart."""
    try:
        stat = (path / "meta.json").stat()
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_ino, stat.st_mtime_ns)


def _fresh_reader(opened: Opened) -> None:
    """Reload when another process committed since (its meta.json changed)."""
    stamp = _meta_stamp(opened.path)
    if stamp != opened.seen:
        opened.index.reload()
        opened.seen = stamp


@contextmanager
def _writing() -> Iterator[Opened]:
    """The one writer, across threads and processes (a lock file in the index folder)."""
    with _lock:
        opened = _opened()
        with (opened.path / "sync.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield opened
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# --- keeping it current ------------------------------------------------------------------


def queue_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM catalog_searchqueue LIMIT 1")
        return cursor.fetchone() is None


def is_built() -> bool:
    return (folder() / READY).exists()


def sync() -> int:
    """Index the queued items again (all published items when the folder holds no full build);
    returns how many items were looked at."""
    with _writing() as opened:
        done = _drain(opened) if (opened.path / READY).exists() else _rebuild(opened)
        opened.index.reload()
        opened.seen = _meta_stamp(opened.path)
    return done


def rebuild() -> int:
    """Build the whole index again from the database; returns the number of items indexed."""
    with _writing() as opened:
        (opened.path / READY).unlink(missing_ok=True)
        done = _rebuild(opened)
        opened.index.reload()
        opened.seen = _meta_stamp(opened.path)
    return done


def _rebuild(opened: Opened) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM catalog_searchqueue")
        last_queued = cursor.fetchone()[0] or 0
    writer = opened.index.writer(heap_size=HEAP, num_threads=1)
    writer.delete_all_documents()
    done, after = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM catalog_item WHERE id > %s AND status = %s ORDER BY id LIMIT %s",
                [after, Status.PUBLISHED, BATCH],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            break
        for doc in _documents(opened, ids):
            writer.add_document(doc)
        done, after = done + len(ids), ids[-1]
    writer.commit()
    writer.wait_merging_threads()
    (opened.path / READY).write_text("built\n")
    with connection.cursor() as cursor:  # what the build read is in the index now
        cursor.execute("DELETE FROM catalog_searchqueue WHERE id <= %s", [last_queued])
        if connection.vendor == "postgresql" and connection.get_autocommit():
            # Every search checks the queue: leave it no dead rows to step over until
            # autovacuum comes (a million after a bulk load cost 30 ms a check).
            cursor.execute("VACUUM catalog_searchqueue")
    return done


def _drain(opened: Opened) -> int:
    done = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, item_id FROM catalog_searchqueue ORDER BY id LIMIT %s", [BATCH]
            )
            rows = cursor.fetchall()
        if not rows:
            return done
        ids = sorted({row[1] for row in rows})
        writer = opened.index.writer(heap_size=HEAP, num_threads=1)
        for pk in ids:
            writer.delete_documents_by_term("id", pk)
        for doc in _documents(opened, ids):
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        # Only now: a crash before this line leaves the rows for the next sync.
        queued = [row[0] for row in rows]
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(queued))
            cursor.execute(f"DELETE FROM catalog_searchqueue WHERE id IN ({marks})", queued)  # noqa: S608 - placeholders only
        done += len(ids)


def _documents(opened: Opened, ids: list[int]) -> Iterator[tantivy.Document]:
    """The index documents of those of ``ids`` that are published."""
    marks = ", ".join(["%s"] * len(ids))
    keys: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT item_id, key FROM catalog_itemfacet WHERE item_id IN ({marks})",  # noqa: S608 - placeholders only
            ids,
        )
        for item_id, key in cursor.fetchall():
            keys.setdefault(item_id, []).append(key)
        cursor.execute(
            "SELECT id, uid, kind, title, summary, body, value_usd FROM catalog_item"  # noqa: S608 - placeholders only
            f" WHERE id IN ({marks}) AND status = %s",
            [*ids, Status.PUBLISHED],
        )
        rows = cursor.fetchall()
    for pk, uid, kind, title, summary, body, value_usd in rows:
        fields: dict[str, Any] = {
            "id": pk,
            "uid": _uid(uid),
            "text": fold(f"{title}\n{summary}\n{body or ''}"),
            "keys": [f"kind:{kind}", *keys.get(pk, [])],
        }
        if value_usd is not None:
            fields["value_usd"] = float(value_usd)
        yield tantivy.Document(**fields)


def _uid(value: Any) -> str:
    text = str(value).replace("-", "")
    return text.lower()


# --- searching ---------------------------------------------------------------------------

FACETS = ((facets.HS, "hs"), (facets.SECTION, "section"), (facets.SECTOR, "sector"))


def serves(filters: Any) -> bool:
    """Whether the index can answer ``filters`` (published items ranked by relevance, filtered
    by kind, facets and value); anything else is asked of the database."""
    return (
        enabled()
        and filters.status == Status.PUBLISHED
        and (filters.sort or "relevance") == "relevance"
        and search.ranks(filters.q)
        and not (
            filters.published_from
            or filters.published_to
            or filters.organisation
            or filters.concerning
        )
    )


@dataclass
class Found:
    hits: list[tuple[int, str]]  # (id, uid) best first
    count: int
    seen: tuple[int, int] = (0, 0)  # the commit of the index that answered


def find(filters: Any, *, offset: int, limit: int, queue_checked: bool = True) -> Found:
    """The ids of one page of published items matching ``filters``, best first, and how many
    match in all. The index is brought up to date first when the search queue is not empty;
    with ``queue_checked=False`` the caller checks the queue itself after the search, in the
    query that reads the page back, and searches again when it was behind
    (``selectors.item_search_ids``): one round trip to the database instead of two."""
    if not is_built() or (queue_checked and not queue_is_empty()):
        sync()
    opened = _opened()
    _fresh_reader(opened)
    query = _query(opened, filters)
    if query is None:
        return Found([], 0, opened.seen)
    searcher = opened.index.searcher()
    result = searcher.search(query, max(1, offset + limit), count=True)
    hits = []
    for _score, address in result.hits[offset : offset + limit]:
        doc = searcher.doc(address)
        hits.append((int(doc["id"][0]), str(doc["uid"][0])))
    return Found(hits, int(getattr(result, "count", 0) or 0), opened.seen)


def committed_since(found: Found) -> bool:
    """Whether the index has had a commit since it answered ``found``. A sync commits the index
    before it removes the queue rows it indexed, so when the queue was seen empty and this is
    False, every change committed before the queue was read is in ``found``."""
    return _meta_stamp(folder()) != found.seen


def _query(opened: Opened, filters: Any) -> tantivy.Query | None:
    schema = opened.schema
    must: list[tantivy.Query] = []
    parsed = search.parse(filters.q)
    for word in parsed.words:
        tokens = _tokens(opened, word)
        if not tokens:
            return None  # a word that is no word of any text matches nothing
        must += [tantivy.Query.term_query(schema, "text", token) for token in tokens]
    for code in parsed.codes:
        either = [tantivy.Query.term_query(schema, "keys", key) for key in code.keys]
        words = [t for w in code.words for t in _tokens(opened, w)]
        if words:
            either.append(
                tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, tantivy.Query.term_query(schema, "text", t))
                        for t in words
                    ]
                )
            )
        must.append(tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in either]))
    if filters.kind:
        must.append(_any(schema, [f"kind:{kind}" for kind in filters.kind]))
    for facet, name in (*FACETS, (facets.COUNTRY, "country")):
        if value := getattr(filters, name):
            must.append(tantivy.Query.term_query(schema, "keys", facets.key(facet, value)))
    if filters.value_min is not None or filters.value_max is not None:
        low = float(filters.value_min) if filters.value_min is not None else -1e300
        high = float(filters.value_max) if filters.value_max is not None else 1e300
        must.append(
            tantivy.Query.range_query(schema, "value_usd", tantivy.FieldType.Float, low, high)
        )
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])


def _any(schema: tantivy.Schema, keys: Iterable[str]) -> tantivy.Query:
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "keys", k)) for k in keys]
    )


def _tokens(opened: Opened, word: str) -> list[str]:
    return list(opened.analyzer.analyze(fold(word)))


_held = threading.local()


def on_change(_change: object) -> None:
    """After the change commits, bring the index up to date in this process (the change's
    rows are already queued in its transaction); inside ``syncs_held`` once at its end."""
    if enabled():
        from django.db import transaction

        if getattr(_held, "depth", 0):
            _held.pending = True
        else:
            transaction.on_commit(_sync_quietly)


@contextmanager
def syncs_held() -> Iterator[None]:
    """Sync once when the block ends instead of after each commit in it, for a run of many
    small commits (a catch-up applies a page a transaction). The queue rows are written in
    every commit all the same, and a search in the meantime syncs first, so nothing is
    missed; this only spares the index a writer and a commit per transaction. That one sync
    is handed to the worker's thread when this process runs one (``background_round``): a
    catch-up's may index a hundred thousand items, and the thread that pulled has the next
    pull to make."""
    _held.depth = getattr(_held, "depth", 0) + 1
    try:
        yield
    finally:
        _held.depth -= 1
        if not _held.depth and getattr(_held, "pending", False):
            from django.db import transaction

            _held.pending = False
            # At once, outside any transaction.
            transaction.on_commit(_wake.set if _syncer_alive() else _sync_quietly)


# The worker's search-index thread: woken to sync; alive while it runs its rounds.
_wake = threading.Event()
_syncer: dict[str, Any] = {"thread": None, "alive_until": 0.0}
ALIVE_GRACE_SECONDS = 2.0


def _syncer_alive() -> bool:
    thread = _syncer["thread"]
    return thread is not None and thread.is_alive() and time.monotonic() < _syncer["alive_until"]


def background_round(wait_seconds: float) -> None:
    """One round of the worker's search-index thread: wait to be woken, then sync."""
    _syncer["thread"] = threading.current_thread()
    _syncer["alive_until"] = time.monotonic() + wait_seconds + ALIVE_GRACE_SECONDS
    if not _wake.wait(wait_seconds):
        return
    _wake.clear()
    _syncer["alive_until"] = math.inf  # syncing: a sync asked for meanwhile is the next round's
    try:
        _sync_quietly()
    finally:
        _syncer["alive_until"] = time.monotonic() + ALIVE_GRACE_SECONDS


def _sync_quietly() -> None:
    """A failed sync leaves the queue for the next one; the write itself has succeeded."""
    import logging

    try:
        sync()
    except Exception:
        logging.getLogger(__name__).exception("search index: sync after a change failed")


def reset_for_tests() -> None:
    """Forget the opened index (a test points the setting at a folder of its own)."""
    _state.clear()
