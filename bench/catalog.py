"""Catalog benchmark: search and item-detail through the API at 1,000,000 items, and import.

    .venv/bin/python bench/catalog.py [--items 1000000] [--engines sqlite,postgres] [--quick]

Each figure is printed with its baseline from the same run (the bare full-text query, a
static file from the same server, the bare CSV insert). Progress goes to stderr; the figures
come last on stdout as one JSON line. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import functools
import json
import multiprocessing
import os
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    bench_env,
    database_url,
    emit,
    load_test,
    log,
    ms,
    percentile,
    reset_store,
    run_child,
    serve,
)

ROOT = Path(os.environ.get("BENCH_CATALOG_HOME", "/tmp/bench-catalog"))
PG_NAME = "bureau_bench_catalog"
PG_IMPORT_NAME = "bureau_bench_catalog_import"
SEED = 20240601
BATCH = 20_000
# Kinds as a bureau sees them: mostly trade leads, few agreements.
KINDS = {"lead": 60, "notice": 14, "tender": 12, "opportunity": 9, "agreement": 5}
STATUSES = {"published": 92, "draft": 3, "submitted": 2, "withdrawn": 1, "expired": 2}
COUNTRY_WEIGHTS = {"PK": 34, "AZ": 30, "TR": 6, "CN": 5, "AE": 4, "RU": 3, "GE": 3, "KZ": 2,
                   "IR": 2, "UZ": 2, "SA": 2, "DE": 2, "IT": 1, "GB": 1, "US": 1, "IN": 1,
                   "TM": 1}  # fmt: skip
CITIES = {"AZ": ["Baku", "Ganja", "Sumgait", "Mingachevir", "Lankaran", "Shaki", "Alat"],
          "PK": ["Karachi", "Lahore", "Islamabad", "Faisalabad", "Sialkot", "Peshawar",
                 "Gwadar", "Multan", "Quetta"]}  # fmt: skip
# The chapters of the trade between the two countries come first in the product ranking.
CORE_CHAPTERS = ["27", "10", "52", "63", "61", "62", "30", "08", "09", "39", "72", "84", "85",
                 "87", "25", "31", "28", "40", "44", "48", "55", "57", "64", "71", "73", "76",
                 "94", "07", "17", "15"]  # fmt: skip
SECTOR_BY_CHAPTER = [(24, "agriculture"), (26, "mining"), (27, "energy"), (29, "manufacturing"),
                     (30, "health"), (49, "manufacturing"), (67, "textiles"),
                     (70, "construction"), (83, "mining"), (85, "manufacturing"),
                     (89, "transport"), (92, "health"), (93, "defence"), (99, "manufacturing")]  # fmt: skip
STOP = {"and", "or", "the", "of", "for", "with", "other", "not", "whether", "than", "its", "in",
        "no", "heading", "excluding", "including", "n.e.c", "nec", "their", "being", "but",
        "used", "kind", "kinds", "parts", "thereof", "made", "containing", "weight", "which",
        "more", "less", "exceeding", "similar", "articles", "products", "all", "any", "non",
        "from", "by", "on", "to", "as", "be", "are", "has", "have", "whose", "such"}  # fmt: skip


# --- the corpus -------------------------------------------------------------------------


class Corpus:
    """Realistic, repeatable content: HS product names, Zipf-distributed words and codes."""

    def __init__(self, seed: int = SEED) -> None:
        from bureau.reference import hs

        self.rand = random.Random(seed)
        codes = [c for c in hs.all_codes().values() if c.level == 6 and c.code[:2] != "99"]
        self.rand.shuffle(codes)
        codes.sort(
            key=lambda c: CORE_CHAPTERS.index(c.code[:2]) if c.code[:2] in CORE_CHAPTERS else 99
        )
        # Zipf over products: a few goods (fuel, rice, cotton) dominate, a long tail follows.
        self.codes = codes
        self.code_weights = _cumulative([1 / (rank + 1) ** 0.9 for rank in range(len(codes))])
        counts: Counter[str] = Counter(
            w for c in hs.all_codes().values() for w in _words(c.description) if len(w) > 2
        )
        vocab = [w for w, _ in counts.most_common()]
        weights = _cumulative([1 / (rank + 1) for rank in range(len(vocab))])
        # A long stream of Zipf-distributed words; texts are slices of it.
        self.stream = self.rand.choices(vocab, cum_weights=weights, k=2_000_000)
        self.countries = list(COUNTRY_WEIGHTS)
        self.country_weights = _cumulative(list(COUNTRY_WEIGHTS.values()))

    def code(self) -> Any:
        return self.rand.choices(self.codes, cum_weights=self.code_weights)[0]

    def country(self) -> str:
        return self.rand.choices(self.countries, cum_weights=self.country_weights)[0]

    def words(self, low: int, high: int) -> str:
        n = self.rand.randint(low, high)
        start = self.rand.randrange(len(self.stream) - n)
        return " ".join(self.stream[start : start + n])

    def query(self) -> str:
        """Two words a trader would type: taken from one product's name."""
        while True:
            content = [w for w in _words(self.code().description) if len(w) > 2 and w not in STOP]
            content = list(dict.fromkeys(content))
            if len(content) >= 2:
                first = self.rand.randrange(min(len(content) - 1, 3))
                return f"{content[first]} {content[first + 1]}"


def _words(text: str) -> list[str]:
    from bureau.catalog.search import WORD

    return WORD.findall(text.lower())


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _product(description: str) -> str:
    """'Cereals; rice, semi-milled or ...' -> 'Rice, semi-milled or wholly milled'."""
    head, _, rest = description.partition(";")
    words = (rest or head).replace(";", ",").split()
    name = " ".join(words[:6]).strip(" ,")
    return name[:1].upper() + name[1:]


def _sector(chapter: str) -> str:
    return next(s for upper, s in SECTOR_BY_CHAPTER if int(chapter) <= upper)


def _pick(rand: random.Random, weighted: dict[str, int]) -> str:
    return rand.choices(list(weighted), weights=list(weighted.values()))[0]


def make_record(corpus: Corpus, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """One item as (common fields, kind-specific fields), in the documented field names."""
    r = corpus.rand
    code = corpus.code()
    product = _product(code.description)
    home, away = (
        r.choice([("PK", "AZ"), ("AZ", "PK")])
        if r.random() < 0.7
        else (r.choice(["PK", "AZ"]), corpus.country())
    )
    city = r.choice(CITIES.get(home, ["the capital"]))
    currency = r.choices(["USD", "AZN", "PKR"], weights=[65, 15, 20])[0]
    common: dict[str, Any] = {
        "kind": kind,
        "summary": f"{product}. {corpus.words(10, 28).capitalize()}. Contact the office in {city}.",
        "body": corpus.words(30, 90) if r.random() < 0.4 else "",
        "language": "en",
        "countries": sorted({home, away}),
        "hs_codes": [code.code],
        "sectors": [_sector(code.code[:2])],
        "value_amount": Decimal(r.randrange(5_000, 50_000_000)),
        "value_currency": currency,
        "valid_until": dt.date.today() + dt.timedelta(days=r.randrange(30, 900)),
        "source_title": "",
        "source_url": "",
        "is_example": False,
    }
    common["title"], detail = _DETAIL[kind](corpus, code, product, home, away, city)
    return common, detail


def _lead(c: Corpus, code: Any, product: str, home: str, away: str, city: str) -> Any:
    side = c.rand.choice(["sell", "buy"])
    qty = c.rand.choice([20, 50, 100, 250, 500, 1000, 5000, 25000])
    title = f"{'Offer to sell' if side == 'sell' else 'Request to buy'}: {product}, {qty} t"
    return title, {"side": side, "product": product[:200], "hs_code": code.code,
                   "quantity": Decimal(qty), "unit": "TNE", "incoterm": c.rand.choice(["FOB", "CFR", "CIF", "EXW", "DAP"]),
                   "origin_country": home, "destination_country": away,
                   "origin_place": city, "destination_place": c.rand.choice(CITIES.get(away, ["Dubai"]))}  # fmt: skip


def _opportunity(c: Corpus, code: Any, product: str, home: str, away: str, city: str) -> Any:
    sector = _sector(code.code[:2])
    return f"Investment in {product.lower()} in {city}", {
        "sector": sector, "location": city, "stage": c.rand.choice(["idea", "feasibility", "financing"]),
        "instrument": c.rand.choice(["equity", "debt", "joint_venture", "ppp"])}  # fmt: skip


def _tender(c: Corpus, code: Any, product: str, home: str, away: str, city: str) -> Any:
    buyer = f"{c.rand.choice(['State', 'City', 'National'])} procurement agency of {city}"
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(
        days=c.rand.randrange(10, 200)
    )
    return f"Tender: supply of {product.lower()}", {
        "reference": f"T-{c.rand.randrange(10**6)}", "buyer": buyer, "deadline": deadline, "documents_url": ""}  # fmt: skip


def _agreement(c: Corpus, code: Any, product: str, home: str, away: str, city: str) -> Any:
    kind = c.rand.choice(["framework", "contract", "mou", "commitment"])
    signed = dt.date.today() - dt.timedelta(days=c.rand.randrange(1, 900))
    return f"Agreement on {product.lower()} ({kind})", {
        "agreement_type": kind, "parties": [f"Chamber of {home}", f"Chamber of {away}"],
        "signed_on": signed, "effective_on": signed, "expires_on": signed + dt.timedelta(days=1825)}  # fmt: skip


def _notice(c: Corpus, code: Any, product: str, home: str, away: str, city: str) -> Any:
    kind = c.rand.choice(["regulation", "tariff", "event", "trade_mission"])
    starts = dt.date.today() + dt.timedelta(days=c.rand.randrange(-200, 300))
    return f"{kind.replace('_', ' ').capitalize()}: {product.lower()}", {
        "notice_type": kind, "starts_on": starts, "ends_on": starts + dt.timedelta(days=3),
        "place": city, "authority": f"Ministry of Trade of {home}"}  # fmt: skip


_DETAIL: dict[str, Callable[..., Any]] = {
    "lead": _lead, "opportunity": _opportunity, "tender": _tender,
    "agreement": _agreement, "notice": _notice,
}  # fmt: skip

# The detail table of each kind and its columns (all but item_id).
DETAIL_TABLES = {
    "lead": ("catalog_tradelead", ["side", "product", "hs_code", "quantity", "unit", "incoterm",
             "origin_country", "destination_country", "origin_place", "destination_place"]),
    "opportunity": ("catalog_investmentopportunity", ["sector", "location", "stage", "instrument"]),
    "tender": ("catalog_tender", ["reference", "buyer", "deadline", "documents_url"]),
    "agreement": ("catalog_agreement", ["agreement_type", "parties", "signed_on", "effective_on", "expires_on"]),
    "notice": ("catalog_marketnotice", ["notice_type", "starts_on", "ends_on", "place", "authority"]),
}  # fmt: skip
ITEM_COLUMNS = ["id", "uid", "kind", "status", "title", "summary", "body", "language",
                "countries", "hs_codes", "sectors", "value_amount", "value_currency",
                "value_usd", "valid_from", "valid_until", "organisation_id", "origin_node",
                "source_title", "source_url", "is_example", "created_by_id", "created_at",
                "updated_at", "published_at"]  # fmt: skip
# The reference rates the bureau ships (bureau.reference.loaders.SEED_RATES).
PER_USD = {"USD": Decimal(1), "AZN": Decimal("1.700000"), "PKR": Decimal("278.580716")}


# --- writing a large catalog with the raw driver ------------------------------------------


def encode(value: Any, vendor: str) -> Any:
    """A Python value as the column expects it from the raw driver (what Django would store)."""
    if isinstance(value, list):
        return json.dumps(value)
    if vendor == "postgresql":
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


class Writer:
    """Bulk rows into one table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, conn: Any, vendor: str) -> None:
        self.conn, self.vendor = conn, vendor

    def rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.vendor == "postgresql":
            with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


class Batch:
    """Rows of one batch of generated items, per table."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []
        self.details: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in DETAIL_TABLES}
        self.facets: list[tuple[int, str]] = []

    def write(self, writer: Writer) -> None:
        writer.rows("catalog_item", ITEM_COLUMNS, self.items)
        for kind, (table, columns) in DETAIL_TABLES.items():
            writer.rows(table, ["item_id", *columns], self.details[kind])
        writer.rows("catalog_itemfacet", ["item_id", "key"], self.facets)


def add_item(
    batch: Batch, corpus: Corpus, item_id: int, when: dt.datetime, ctx: GenContext
) -> None:
    """Generate one item, as the services would store it, into ``batch``."""
    r = corpus.rand
    kind = r.choices(KIND_NAMES, cum_weights=_KIND_CUM)[0]
    status = r.choices(STATUS_NAMES, cum_weights=_STATUS_CUM)[0]
    common, detail = make_record(corpus, kind)
    countries = tuple(common["countries"])
    code, sector = common["hs_codes"][0], common["sectors"][0]
    usd = (common["value_amount"] / PER_USD[common["value_currency"]]).quantize(CENT)
    published = when if status in ("published", "withdrawn", "expired") else None
    valid_until = common["valid_until"] if status != "expired" else when.date()
    e = ctx.encode
    batch.items.append((
        item_id, e(uuid.UUID(int=r.getrandbits(128), version=4)), kind, status, common["title"],
        common["summary"], common["body"], "en", _json_list(countries), f'["{code}"]',
        f'["{sector}"]', e(common["value_amount"]), common["value_currency"], e(usd), None,
        e(valid_until), r.choice(ctx.orgs), "bench-node", "", "", e(False), None, e(when),
        e(when), e(published),
    ))  # fmt: skip
    _, columns = DETAIL_TABLES[kind]
    batch.details[kind].append((item_id, *(e(detail.get(c)) for c in columns)))
    batch.facets += [(item_id, key) for key in _facet_keys(countries, code, sector)]


CENT = Decimal("0.01")
KIND_NAMES, STATUS_NAMES = list(KINDS), list(STATUSES)
_KIND_CUM = _cumulative([float(w) for w in KINDS.values()])
_STATUS_CUM = _cumulative([float(w) for w in STATUSES.values()])


def _json_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


@functools.lru_cache(maxsize=200_000)
def _facet_keys(countries: tuple[str, ...], code: str, sector: str) -> list[str]:
    """The keys the services would give the item (same function, memoised for speed)."""
    from bureau.catalog import facets

    common = {"countries": list(countries), "hs_codes": [code], "sectors": [sector]}
    return facets.keys_for(common, {})


@dataclass
class GenContext:
    """What every generator process needs to make its batches."""

    n: int
    orgs: list[int]
    vendor: str
    first: dt.datetime
    step: dt.timedelta

    def encode(self, value: Any) -> Any:
        return encode(value, self.vendor)


_CORPUS: Corpus | None = None


def make_batch(ctx: GenContext, index: int) -> Batch:
    """Batch ``index`` of the catalog; the same whichever process makes it."""
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = Corpus()
    _CORPUS.rand.seed(SEED + index)
    batch = Batch()
    for item_id in range(index * BATCH + 1, min(ctx.n, (index + 1) * BATCH) + 1):
        when = ctx.first + ctx.step * item_id + dt.timedelta(minutes=_CORPUS.rand.randrange(600))
        add_item(batch, _CORPUS, item_id, when, ctx)
    return batch


def bench_organisations(count: int = 300) -> list[int]:
    """Two chambers and ``count`` member companies to file the items under."""
    from bureau.accounts.models import Organisation

    chambers = [
        Organisation.objects.get_or_create(
            slug=f"bench-chamber-{c.lower()}",
            defaults={"name": f"Bench chamber {c}", "kind": "chamber", "country": c},
        )[0]
        for c in ("AZ", "PK")
    ]
    companies = [
        Organisation(
            name=f"Bench company {n}",
            slug=f"bench-company-{n}",
            kind="company",
            country=chambers[n % 2].country,
            chamber=chambers[n % 2],
        )
        for n in range(count)
        if not Organisation.objects.filter(slug=f"bench-company-{n}").exists()
    ]
    Organisation.objects.bulk_create(companies)
    return list(Organisation.objects.filter(kind="company").values_list("pk", flat=True))


def generate(n: int) -> float:
    """Write ``n`` items with details and facets in one transaction; returns seconds taken.

    Two processes make the rows while this one writes them (the machine has two cores).
    """
    from django.db import connection

    now = dt.datetime.now(dt.UTC)
    ctx = GenContext(n, bench_organisations(), connection.vendor,
                     now - dt.timedelta(days=3 * 365), dt.timedelta(days=3 * 365) / n)  # fmt: skip
    start = time.perf_counter()
    done = 0
    with (
        _bulk_session(ctx.vendor) as conn,
        multiprocessing.get_context("fork").Pool(2) as pool,
    ):
        writer = Writer(conn, ctx.vendor)
        batches = range((n + BATCH - 1) // BATCH)
        for batch in pool.imap(functools.partial(make_batch, ctx), batches):
            batch.write(writer)
            done += len(batch.items)
            log(f"  {done:,} items written ({done / (time.perf_counter() - start):,.0f}/s)")
    return time.perf_counter() - start


@contextlib.contextmanager
def _bulk_session(vendor: str) -> Iterator[Any]:
    """A raw connection in one transaction, with the full-text index rebuilt once at the end."""
    from django.conf import settings
    from django.db import connection

    if vendor == "postgresql":
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
            conn.execute("DROP INDEX IF EXISTS catalog_item_search")
            yield conn
            log("  committing (deferred foreign-key checks)")
        # After the commit: CREATE INDEX refuses a table with pending deferred FK checks.
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            log("  building the GIN full-text index")
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute(_pg_search_index())
            conn.execute("VACUUM ANALYZE")
        return
    connection.close()
    lite = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    lite.execute("PRAGMA synchronous=OFF")
    lite.execute("PRAGMA cache_size=-1000000")
    lite.execute("BEGIN")
    # One 'rebuild' of the FTS5 index is faster than a trigger call per row.
    lite.execute("DROP TRIGGER catalog_item_fts_insert")
    yield lite
    log("  rebuilding the FTS5 index")
    lite.execute("INSERT INTO catalog_item_fts(catalog_item_fts) VALUES('rebuild')")
    lite.execute(_sqlite_insert_trigger())
    lite.execute("COMMIT")
    lite.close()


def _migration(name: str = "0005_search_word_forms") -> Any:
    import importlib

    return importlib.import_module(f"bureau.catalog.migrations.{name}")


def _sqlite_insert_trigger() -> str:
    """The full-text insert trigger as the latest migration that wrote it left it."""
    return str(_migration("0008_search_folds_past_ascii").SQLITE_INSERT_TRIGGER)


def _pg_search_index() -> str:
    return str(_migration().SEARCH_INDEX)


# --- phases, each run in its own process with the settings of one bench database ---------


def phase_prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate the bench database and fill it with ``--items`` items unless already there."""
    from django.core.management import call_command

    from bureau.catalog.models import Item
    from bureau.reference.loaders import load_all

    call_command("migrate", interactive=False, verbosity=0)
    load_all()
    seconds = None
    if not Item.objects.exists():
        log(f"generating {args.items:,} items")
        seconds = round(generate(args.items), 1)
    count = Item.objects.count()
    index_s = _build_search_index()
    candidates = random.Random(SEED).sample(range(1, count + 1), min(count, 3000))
    ids = Item.objects.filter(pk__in=candidates, status="published").values_list("pk", flat=True)
    return {
        "items": count,
        "generated_s": seconds,
        "sample_ids": sorted(ids),
        "index_build_s": index_s,
    }


def _build_search_index() -> float | None:
    """Bring the search index up to date (a full build the first time); seconds taken."""
    from bureau.catalog import index

    if not index.enabled():
        return None
    start = time.perf_counter()
    built = index.is_built()
    log("  bringing the search index up to date" + ("" if built else " (full build)"))
    done = index.sync()
    seconds = time.perf_counter() - start
    log(f"  search index: {done:,} items in {seconds:.1f} s")
    return round(seconds, 1) if not built else None


def search_queries(count: int) -> list[dict[str, str]]:
    """Two-word queries, each with one facet: a kind, a country or the product's HS chapter."""
    corpus = Corpus(SEED + 1)
    out = []
    for n in range(count):
        q = corpus.query()
        facet = n % 3
        if facet == 0:
            out.append({"q": q, "kind": _pick(corpus.rand, KINDS)})
        elif facet == 1:
            out.append({"q": q, "country": corpus.country()})
        else:
            words = set(q.split())
            code = next(c for c in corpus.codes if words <= set(_words(c.description)))
            out.append({"q": q, "hs": code.code[:2]})
    return out


def phase_search(args: argparse.Namespace) -> dict[str, Any]:
    """p50/p95 of search through the API and of the bare full-text query, same queries."""
    queries = search_queries(args.queries)
    bare = _bare_search()
    bare_index = _bare_index_search()
    same_index = _bare_index_search(same_query=True)
    api, via = _api_search(args.base_url)
    httpx_api = _httpx_search(args.base_url) if via == "http" else None
    first_times: list[float] = []  # the first time each query is asked: nothing cached yet
    for params in queries:  # warm every path's caches alike
        bare(params["q"])
        if bare_index and same_index:
            bare_index(params["q"])
            same_index(params)
        first_times.append(_timed(functools.partial(api, params)))
    api_times: list[float] = []
    bare_times: list[float] = []
    index_times: list[float] = []
    same_times: list[float] = []
    httpx_times: list[float] = []
    for params in queries:
        if httpx_api:
            httpx_times.append(_timed(functools.partial(httpx_api, params)))
        bare_times.append(_timed(functools.partial(bare, params["q"])))
        if bare_index and same_index:
            index_times.append(_timed(functools.partial(bare_index, params["q"])))
            same_times.append(_timed(functools.partial(same_index, params)))
        api_times.append(_timed(functools.partial(api, params)))
    worst = sorted(zip(api_times, queries, strict=True), key=lambda t: -t[0])[:3]
    log("  slowest: " + "; ".join(f"{ms(t)} ms {p}" for t, p in worst))
    p95, bare_p95 = percentile(api_times, 0.95), percentile(bare_times, 0.95)
    floor = _api_floor(api, len(queries))
    return {
        "search_first_p50_ms": ms(percentile(first_times, 0.5)),
        "search_first_p95_ms": ms(percentile(first_times, 0.95)),
        "api_floor_p50_ms": ms(percentile(floor, 0.5)),
        "api_floor_p95_ms": ms(percentile(floor, 0.95)),
        "search_via": via,
        "queries": len(queries),
        "search_p50_ms": ms(percentile(api_times, 0.5)),
        "search_p95_ms": ms(p95),
        "bare_p50_ms": ms(percentile(bare_times, 0.5)),
        "bare_p95_ms": ms(bare_p95),
        "ratio_p95": round(p95 / bare_p95, 2),
        "ratio_p50": round(percentile(api_times, 0.5) / percentile(bare_times, 0.5), 2),
        **_index_figures(api_times, bare_p95, index_times),
        **_same_query_figures(api_times, same_times),
        **_client_figures(httpx_times),
    }


def _client_figures(httpx_times: list[float]) -> dict[str, Any]:
    """The same requests through httpx: how much of a figure the client itself can be."""
    if not httpx_times:
        return {"search_client": "in-process"}
    return {
        "search_client": "http.client",
        "search_httpx_p50_ms": ms(percentile(httpx_times, 0.5)),
        "search_httpx_p95_ms": ms(percentile(httpx_times, 0.95)),
    }


def _api_floor(api: Callable[[dict[str, str]], Any], count: int) -> list[float]:
    """The same request path with a word no item has: HTTP, the framework, the rate limit,
    the query's parsing and an empty answer, i.e. everything but matching and reading."""
    params = {"q": "qqzxvw", "kind": "lead"}
    api(params)
    return [_timed(functools.partial(api, params)) for _ in range(count)]


def _index_figures(
    api_times: list[float], bare_p95: float, index_times: list[float]
) -> dict[str, Any]:
    """The third baseline (the bare Tantivy query) and the API against the fastest engine."""
    from django.conf import settings

    out: dict[str, Any] = {"search_engine": settings.BUREAU_SEARCH}
    fastest = bare_p95
    if index_times:
        index_p95 = percentile(index_times, 0.95)
        out.update(
            index_bare_p50_ms=ms(percentile(index_times, 0.5)), index_bare_p95_ms=ms(index_p95)
        )
        fastest = min(fastest, index_p95)
    out["ratio_p95_fastest"] = round(percentile(api_times, 0.95) / fastest, 2)
    return out


def _same_query_figures(api_times: list[float], same_times: list[float]) -> dict[str, Any]:
    """The API against Tantivy answering the very question the API asks it."""
    if not same_times:
        return {}
    same_p95 = percentile(same_times, 0.95)
    return {
        "index_same_p50_ms": ms(percentile(same_times, 0.5)),
        "index_same_p95_ms": ms(same_p95),
        "ratio_p95_same_query": round(percentile(api_times, 0.95) / same_p95, 2),
    }


def _bare_index_search(same_query: bool = False) -> Callable[[Any], Any] | None:
    """Tantivy's own top-20 for the words alone (no facet, no count), as the other baselines;
    with ``same_query``, for the query the API asks of it: the words, the facet and the count
    of all matches (the API answers with that count), taking the parameters."""
    from bureau.catalog import index
    from bureau.catalog.selectors import ItemFilters

    if not index.is_built():
        return None
    opened = index._opened()
    searcher = opened.index.searcher()

    def bare_index(q: str) -> Any:
        query = index._query(opened, ItemFilters(q=q))
        return None if query is None else searcher.search(query, 20, count=False).hits

    def same_index(params: dict[str, str]) -> Any:
        query = index._query(opened, ItemFilters.parse(params))
        return None if query is None else searcher.search(query, 20, count=True).hits

    return same_index if same_query else bare_index


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _bare_search() -> Callable[[str], list[Any]]:
    """The engine's own top-20 full-text query, through the raw driver."""
    from django.conf import settings

    from bureau.catalog.search import fts5_query, pg_tsquery, terms

    if os.environ.get("DATABASE_URL"):
        import psycopg

        conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)

        def bare_pg(q: str) -> list[Any]:
            tsquery, params = pg_tsquery(terms(q))
            sql = (
                f"SELECT id FROM catalog_item WHERE search @@ {tsquery}"
                f" ORDER BY ts_rank_cd(search, {tsquery}) DESC LIMIT 20"
            )
            return conn.execute(sql, params * 2).fetchall()

        return bare_pg
    lite = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    sql = "SELECT rowid FROM catalog_item_fts WHERE catalog_item_fts MATCH ? ORDER BY rank LIMIT 20"
    return lambda q: lite.execute(sql, [fts5_query(q)]).fetchall()


def _api_search(base_url: str) -> tuple[Callable[[dict[str, str]], Any], str]:
    """GET /api/v1/items when the server has it; otherwise the selector it calls, in-process.

    The requests go over one kept-alive connection of the standard library's ``http.client``,
    whose own cost a request is a fraction of httpx's: what is timed is the server's answer,
    not the client's parsing (``_httpx_search`` times the same requests through httpx)."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    address = urlsplit(base_url)
    conn = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)

    def over_http(params: dict[str, str]) -> Any:
        conn.request("GET", f"/api/v1/items?{urlencode({**params, 'limit': 20})}")
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET /api/v1/items {params}: {response.status} {body[:200]!r}")
        return body

    with contextlib.suppress(RuntimeError):
        over_http({"limit": "1"})
        return over_http, "http"
    log("  /api/v1/items does not answer yet: timing selectors.item_list in-process")
    from bureau.catalog import selectors

    return (lambda p: list(selectors.item_list(selectors.ItemFilters.parse(p))[:20])), "in-process"


def _httpx_search(base_url: str) -> Callable[[dict[str, str]], Any]:
    """The same request through httpx, the client the figures were first taken with."""
    import httpx

    client = httpx.Client(base_url=base_url, timeout=60)

    def over_httpx(params: dict[str, str]) -> Any:
        response = client.get("/api/v1/items", params={**params, "limit": 20})
        response.raise_for_status()
        return response.content

    return over_httpx


def phase_import(args: argparse.Namespace) -> dict[str, Any]:
    """Rows/s of import_items on a CSV file, and of bare CSV parsing + executemany of the same rows."""
    from django.core.management import call_command

    from bureau.reference.loaders import load_all

    call_command("migrate", interactive=False, verbosity=0)
    load_all()
    staff, slugs = _import_people()
    path = Path(os.environ["BUREAU_HOME"]) / "items.csv"
    _write_csv(path, args.import_rows, slugs)
    log(f"  bare CSV parsing + executemany of {args.import_rows:,} rows")
    baseline = _timed(lambda: _bare_insert(path))
    _delete_items()
    result: dict[str, Any] = {"import_rows": args.import_rows,
                              "import_baseline_rows_per_s": round(args.import_rows / baseline)}  # fmt: skip
    try:
        from bureau.catalog.importing import import_items
    except ImportError:
        log("  bureau.catalog.importing is not there yet: no import figure")
        return {**result, "import_rows_per_s": None, "import_ratio": None}
    log(f"  import_items of {args.import_rows:,} rows")
    with path.open("rb") as source:
        seconds = _timed(
            lambda: import_items(source, filename=path.name, actor=staff, publish=True)
        )
    from bureau.catalog.models import Item

    imported = Item.objects.count()
    if imported != args.import_rows:
        raise RuntimeError(f"import_items stored {imported} of {args.import_rows} rows")
    rate = args.import_rows / seconds
    return {
        **result,
        "import_rows_per_s": round(rate),
        "import_ratio": round(baseline / seconds, 2),
    }


def _import_people() -> tuple[Any, list[str]]:
    """A chamber's staff member who imports for the chamber's member companies."""
    from bureau.accounts.models import Organisation, User
    from bureau.accounts.services import user_create

    bench_organisations(20)
    chamber = Organisation.objects.get(slug="bench-chamber-az")
    staff = User.objects.filter(email="importer@bench.example").first() or user_create(
        email="importer@bench.example", password="bench-password-123",
        organisation=chamber, role="staff")  # fmt: skip
    slugs = list(chamber.members.values_list("slug", flat=True))
    return staff, slugs


def _write_csv(path: Path, rows: int, slugs: list[str]) -> None:
    from bureau.catalog.fields import FIELD_NAMES, NESTED_FIELDS

    columns = [name for name in FIELD_NAMES if name not in NESTED_FIELDS]
    corpus = Corpus(SEED + 2)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for _ in range(rows):
            common, detail = make_record(corpus, _pick(corpus.rand, KINDS))
            record = {**common, **detail, "organisation": corpus.rand.choice(slugs)}
            writer.writerow({k: _cell(record.get(k)) for k in columns})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


# Columns that hold NULL rather than '' when a cell is empty.
NULLABLE = {"value_amount", "valid_from", "valid_until", "quantity", "deadline", "signed_on",
            "effective_on", "expires_on", "starts_on", "ends_on"}  # fmt: skip


def _bare_insert(path: Path) -> None:
    """The floor for an import: read the CSV and insert its rows as they are, in one transaction."""
    from bureau.accounts.models import Organisation

    org_ids = dict(Organisation.objects.values_list("slug", "pk"))
    now = dt.datetime.now(dt.UTC)
    batch = Batch()
    with path.open(newline="") as source:
        for item_id, row in enumerate(csv.DictReader(source), start=1):
            values = {k: (None if k in NULLABLE and not v else v) for k, v in row.items()}
            for name in ("countries", "hs_codes", "sectors", "parties"):
                values[name] = (row.get(name) or "").split(";") if row.get(name) else []
            values.update(id=item_id, uid=uuid.uuid4(), status="published", value_usd=None,
                          organisation_id=org_ids[row["organisation"]], origin_node="bench-node",
                          created_by_id=None, created_at=now, updated_at=now, published_at=now,
                          is_example=False)  # fmt: skip
            batch.items.append(tuple(values[c] for c in ITEM_COLUMNS))
            _, columns = DETAIL_TABLES[row["kind"]]
            batch.details[row["kind"]].append((item_id, *(values[c] for c in columns)))
    _insert_raw(batch)


def _insert_raw(batch: Batch) -> None:
    with _raw_transaction() as (conn, vendor):
        cur = conn.cursor()
        for table, columns, rows in [("catalog_item", ITEM_COLUMNS, batch.items)] + [
            (table, ["item_id", *columns], batch.details[kind])
            for kind, (table, columns) in DETAIL_TABLES.items()
        ]:
            marks = ", ".join(("%s" if vendor == "postgresql" else "?") for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            cur.executemany(sql, [tuple(encode(v, vendor) for v in row) for row in rows])


def _delete_items() -> None:
    with _raw_transaction() as (conn, _):
        for table, _columns in DETAIL_TABLES.values():
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM catalog_item")


@contextlib.contextmanager
def _raw_transaction() -> Iterator[tuple[Any, str]]:
    """A connection of the raw driver to the bench database, committed on success."""
    from django.conf import settings

    if os.environ.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"]) as pg:
            yield pg, "postgresql"
        return
    lite = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    lite.execute("BEGIN")
    yield lite, "sqlite"
    lite.execute("COMMIT")
    lite.close()


# --- the run ----------------------------------------------------------------------------

PHASES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "prepare": phase_prepare,
    "search": phase_search,
    "import": phase_import,
}
STATIC_FILE = "/static/admin/css/login.css"  # about the size of an item's JSON


def existing_items(engine: str, home: Path, pg_name: str) -> int | None:
    """How many items a kept bench database holds (None when there is none)."""
    try:
        if engine == "postgres":
            import psycopg

            with psycopg.connect(database_url(engine, home, pg_name), connect_timeout=5) as conn:
                row = conn.execute("SELECT count(*) FROM catalog_item").fetchone()
        else:
            path = home / "bureau.sqlite3"
            if not path.exists():
                return None
            with contextlib.closing(sqlite3.connect(path)) as lite:
                row = lite.execute("SELECT count(*) FROM catalog_item").fetchone()
    except Exception:  # no database, no table: build it
        return None
    return int(row[0]) if row else None


GRANIAN_SEARCH_KEYS = ("search_p50_ms", "search_p95_ms", "api_floor_p50_ms", "api_floor_p95_ms",
                       "index_bare_p95_ms", "index_same_p95_ms", "ratio_p95_fastest",
                       "ratio_p95_same_query", "search_httpx_p95_ms")  # fmt: skip


def bench_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    """Search and detail figures on one engine, against its own server."""
    home, pg_name = ROOT / f"{engine}-{args.items}", f"{PG_NAME}_{args.items}"
    url = database_url(engine, home, pg_name)
    found = existing_items(engine, home, pg_name)
    if args.fresh or found != args.items:
        log(f"{engine}: building a bench catalog of {args.items:,} items (found {found})")
        reset_store(engine, home, pg_name)
    else:
        log(f"{engine}: reusing the bench catalog of {found:,} items in {url or home}")
    env = bench_env(home, url)
    me = ["bench/catalog.py", "--items", str(args.items)]
    prepared = run_child([*me, "--phase", "prepare"], env)
    figures: dict[str, Any] = {"generated_s": prepared["generated_s"],
                               "index_build_s": prepared.get("index_build_s")}  # fmt: skip
    paths = [f"/api/v1/items/{pk}" for pk in prepared["sample_ids"]]
    skip = set(args.skip.split(","))
    detail = engine in args.detail_engines and "detail" not in skip
    with serve(env, probe=STATIC_FILE) as server:
        if "search" not in skip:
            log(f"{engine}: search, {args.queries} queries")
            figures.update(run_child([*me, "--phase", "search", "--queries", str(args.queries),
                                      "--base-url", server.base_url], env))  # fmt: skip
        if detail:
            log(f"{engine}: item detail, 50 clients, 1 worker")
            figures.update(detail_load(server.base_url, paths, args.seconds, ""))
    if "search" not in skip:
        # granian serves WSGI from its own threads, without the event loop's hop to a thread.
        with serve(env, probe=STATIC_FILE, server="granian") as server:
            log(f"{engine}: search under granian, {args.queries} queries")
            granian = run_child([*me, "--phase", "search", "--queries", str(args.queries),
                                 "--base-url", server.base_url], env)  # fmt: skip
            figures.update({f"{k}_granian": granian.get(k) for k in GRANIAN_SEARCH_KEYS})
    if detail:
        with serve(env, workers=2, probe=STATIC_FILE) as server:
            log(f"{engine}: item detail, 50 clients, 2 workers")
            figures.update(detail_load(server.base_url, paths, args.seconds, "_workers2"))
        # The same under granian, which serves the WSGI application without an event loop.
        for workers, suffix in ((1, "_granian"), (2, "_granian_workers2")):
            with serve(env, workers=workers, probe=STATIC_FILE, server="granian") as server:
                log(f"{engine}: item detail, 50 clients, granian, {workers} worker(s)")
                figures.update(detail_load(server.base_url, paths, args.seconds, suffix))
    log(f"{engine}: {json.dumps(figures)}")
    return figures


def detail_load(base_url: str, paths: list[str], seconds: int, suffix: str) -> dict[str, Any]:
    """Requests/s of random item pages and of the same server's trivial baseline."""
    import httpx

    baseline = "/healthz" if httpx.get(base_url + "/healthz").status_code == 200 else STATIC_FILE
    base = load_test(base_url, [baseline], seconds=seconds)
    out: dict[str, Any] = {f"baseline_rps{suffix}": round(base.rps), "baseline_path": baseline}
    status = httpx.get(base_url + paths[0]).status_code
    if status != 200:
        log(f"  GET {paths[0]} answers {status}: no detail figure yet")
        return {**out, f"detail_rps{suffix}": None}
    load_test(base_url, paths, seconds=2)  # warm-up
    detail = load_test(base_url, paths, seconds=seconds)
    return {
        **out,
        f"detail_rps{suffix}": round(detail.rps),
        f"detail_p99_ms{suffix}": detail.p99_ms,
        f"detail_errors{suffix}": detail.errors,
        f"detail_ratio{suffix}": round(detail.rps / base.rps, 3),
        "load_tool": detail.tool,
    }


def bench_import(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    """Import figures on a scratch database of ``engine``, removed afterwards."""
    home = ROOT / f"import-{engine}"
    reset_store(engine, home, PG_IMPORT_NAME)
    env = bench_env(home, database_url(engine, home, PG_IMPORT_NAME))
    log(f"{engine}: import of {args.import_rows:,} CSV rows")
    try:
        return run_child(["bench/catalog.py", "--phase", "import",
                          "--import-rows", str(args.import_rows)], env)  # fmt: skip
    finally:  # the scratch catalog is of no further use
        import shutil

        shutil.rmtree(home, ignore_errors=True)
        if engine == "postgres":
            from bench._common import pg_drop

            pg_drop(PG_IMPORT_NAME)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--quick", action="store_true", help="20,000 items: a smoke run")
    parser.add_argument("--fresh", action="store_true", help="rebuild the bench catalogs")
    parser.add_argument("--drop", action="store_true", help="remove the bench catalogs at the end")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10, help="length of each load test")
    parser.add_argument("--skip", default="", help="comma-separated: search,detail,import")
    # PostgreSQL is left out by default: under ASGI every concurrent request holds its own
    # connection (CONN_MAX_AGE=60), so 50 clients exhaust a shared server's max_connections.
    parser.add_argument(
        "--detail-engines", default="sqlite", help="engines of the item-detail load test"
    )
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.items, args.queries, args.import_rows, args.seconds = 20_000, 60, 5_000, 5
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.phase:
        import django

        django.setup()
        emit(PHASES[args.phase](args))
        return
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    skip = set(args.skip.split(","))
    # The load average tells a reader how busy the machine was besides the bench.
    figures: dict[str, Any] = {"bench": "catalog", "items": args.items,
                               "date": dt.date.today().isoformat(), "cpus": os.cpu_count(),
                               "loadavg_start": os.getloadavg()[0]}  # fmt: skip
    for engine in engines:
        if not {"search", "detail"} <= skip:  # both are measured against one served catalog
            figures[engine] = bench_engine(engine, args)
        if "import" not in skip:
            figures.setdefault(engine, {}).update(bench_import(engine, args))
    first = figures.get(engines[0], {})
    for name in ("detail_rps", "detail_rps_workers2", "baseline_rps", "baseline_rps_workers2",
                 "detail_rps_granian", "detail_rps_granian_workers2", "baseline_rps_granian",
                 "baseline_rps_granian_workers2",
                 "import_rows_per_s", "import_baseline_rows_per_s", "import_ratio"):  # fmt: skip
        figures[name] = first.get(name)
    if args.drop:
        _drop_catalogs(engines, args.items)
    figures["loadavg_end"] = os.getloadavg()[0]
    emit(figures)


def _drop_catalogs(engines: list[str], items: int) -> None:
    import shutil

    from bench._common import pg_drop

    for engine in engines:
        shutil.rmtree(ROOT / f"{engine}-{items}", ignore_errors=True)
        if engine == "postgres":
            pg_drop(f"{PG_NAME}_{items}")


if __name__ == "__main__":
    main()
