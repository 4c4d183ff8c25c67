"""Trade statistics benchmark: a 10,000,000-row BACI file, imported and queried by the dashboard.

    .venv/bin/python bench/trade.py [--rows 10000000] [--runs 7] [--sqlite-rows N] [--keep]

1. A synthetic CEPII BACI file (``t,i,j,k,v,q``, HS 2022) is written with DuckDB, fixed seed.
2. It is imported with ``bureau.trade.importing.import_file`` into a fresh BUREAU_TRADE_DIR.
   Baseline: DuckDB alone reading the same CSV, resolving the country codes and writing Parquet.
3. The dashboard's selectors (bilateral series, composition by section, potential ranking,
   tracker) are timed, p50 over ``--runs`` after one warm-up call each. Baseline, interleaved:
   the same questions asked in hand-written SQL of a bare DuckDB connection over the same file.
4. The same rows are loaded into an indexed SQLite table and asked the same SQL.

Every answer is checked against the others (same figures) before the timings are reported.
Progress goes to stderr; the figures come last on stdout as one JSON line. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb

from bench._common import emit, log, ms, percentile

SEED = 20250101
YEARS = (2022, 2023)  # the years of the HS 2022 edition of BACI
COUNTRIES = 200
# The largest traders come first: they export and import most often (and most products).
LARGE_TRADERS = ("CHN", "USA", "DEU", "JPN", "NLD", "FRA", "KOR", "ITA", "GBR", "HKG", "IND",
                 "CAN", "MEX", "BEL", "SGP", "ESP", "CHE", "TWN", "RUS", "ARE", "SAU", "TUR",
                 "POL", "AUS", "BRA", "THA", "VNM", "MYS", "IDN", "SWE")  # fmt: skip
# BACI keeps the older Comtrade codes of a few economies (M49 elsewhere).
BACI_NUMERIC = {"USA": 842, "FRA": 251, "IND": 699, "ITA": 381, "CHE": 757, "NOR": 579,
                "TWN": 490}  # fmt: skip
PAIR_RANKS = (75, 45)  # where the pair's two economies stand among the 200 (AZE, PAK)
GUARANTEED_PRODUCTS = 30  # products each guaranteed flow of the pair is written for
AGGREGATES = "('WLD', 'EUN')"
SQLITE_BATCH = 100_000


# --- the synthetic file -----------------------------------------------------------------


def baci_countries(pair: tuple[str, str]) -> list[tuple[int, str]]:
    """About 200 economies as (BACI code, alpha-3), largest traders first, the pair mid-table."""
    import pycountry

    from bureau.trade import codes

    numeric = {c.alpha_3: int(c.numeric) for c in pycountry.countries}
    rand = random.Random(SEED)
    rest = sorted(alpha3 for alpha3 in numeric if alpha3 not in LARGE_TRADERS)
    rand.shuffle(rest)
    chosen = [*LARGE_TRADERS, *(c for c in rest if c not in pair)]
    for alpha3, rank in zip(pair, PAIR_RANKS, strict=True):
        if alpha3 not in chosen[:COUNTRIES]:
            chosen.insert(rank, alpha3)
    out = []
    for alpha3 in chosen:
        number = BACI_NUMERIC.get(alpha3) or numeric[alpha3]
        if codes.resolve(str(number)) == alpha3:  # BACI counts Monaco with France, ...
            out.append((number, alpha3))
    return out[:COUNTRIES]


def hs6_products() -> list[int]:
    """HS 2022 subheadings as BACI writes them (integers: '010121' is 10121), seeded order."""
    from bureau.reference import hs

    products = sorted(int(c.code) for c in hs.all_codes().values() if c.level == 6)
    random.Random(SEED + 1).shuffle(products)
    return products


def _uniform(salt: int) -> str:
    """A repeatable uniform number in [0, 1) for row ``n`` (53 bits of a hash), any thread order.
    One number is hashed (hash(n, salt) of two would give correlated draws)."""
    return f"((hash(n * 16 + {(SEED << 32) + salt}) >> 11) / 9007199254740992.0)"


def _candidates_sql(count: int, countries: int, products: int) -> str:
    """Candidate flows (t, exporter, importer, product) as indexes into the lookup tables,
    drawn with skew: the rank-r economy or product is picked with density about r^-0.4
    among exporters, r^-0.3 among importers and r^-0.2 among products."""
    return f"""
        SELECT n, {YEARS[0]} + floor({_uniform(1)} * {len(YEARS)})::INTEGER AS t,
            floor({countries} * pow({_uniform(2)}, 1.6))::INTEGER AS ei,
            floor({countries - 1} * pow({_uniform(3)}, 1.4))::INTEGER AS ii,
            floor({products} * pow({_uniform(4)}, 1.3))::INTEGER AS ki
        FROM range({count}) r(n)"""


def _lookup_table(con: duckdb.DuckDBPyConnection, name: str, values: list[int]) -> None:
    """A table (idx, code) of ``values`` in order: a join is much faster than list indexing."""
    con.execute(
        f"""CREATE TABLE {name} AS SELECT generate_subscripts(l, 1) - 1 AS idx, unnest(l) AS code
        FROM (SELECT ?::INTEGER[] AS l)""",
        [values],
    )


def guaranteed_flows(pair_codes: tuple[int, int], countries: list[int]) -> list[tuple[int, ...]]:
    """Flows of the pair in both directions and with large partners, so every query has rows.
    As (n, t, exporter, importer, product index), with negative n: they are kept first."""
    a, b = pair_codes
    flows: list[tuple[int, int, int]] = [(a, b, 0), (b, a, 0)]
    for partner in countries[:5]:
        flows += [(a, partner, 1), (partner, b, 1), (b, partner, 1), (partner, a, 1)]
    out = []
    for year in YEARS:
        for exporter, importer, offset in flows:
            for k in range(GUARANTEED_PRODUCTS):
                out.append((year, exporter, importer, k + offset * GUARANTEED_PRODUCTS))
    return [(-1 - number, *row) for number, row in enumerate(out)]


def generate(path: Path, rows: int, countries: list[int], products: list[int],
             pair_codes: tuple[int, int]) -> None:  # fmt: skip
    """Write ``rows`` distinct flows sorted like BACI (t, i, j, k), values in thousand USD."""
    con = duckdb.connect()
    _lookup_table(con, "countries", countries)
    _lookup_table(con, "products", products)
    con.execute("CREATE TABLE fixed (n BIGINT, t INTEGER, i INTEGER, j INTEGER, ki INTEGER)")
    con.executemany(
        "INSERT INTO fixed VALUES (?, ?, ?, ?, ?)", guaranteed_flows(pair_codes, countries)
    )
    oversample = 1.1
    while True:
        count = math.ceil(rows * oversample)
        con.execute(
            f"""CREATE OR REPLACE TABLE flows AS
            WITH c AS ({_candidates_sql(count, len(countries), len(products))}),
            drawn AS (
                SELECT n, t, e.code AS i, m.code AS j, ki FROM c
                JOIN countries e ON e.idx = c.ei
                JOIN countries m ON m.idx = CASE WHEN c.ii >= c.ei THEN c.ii + 1 ELSE c.ii END
                UNION ALL SELECT n, t, i, j, ki FROM fixed)
            SELECT t, i, j, p.code AS k, min(n) AS n
            FROM drawn JOIN products p ON p.idx = drawn.ki GROUP BY t, i, j, k
            ORDER BY n LIMIT {rows}"""
        )
        found = _scalar(con, "SELECT count(*) FROM flows")
        if found == rows:
            break
        oversample *= 1.5  # too many repeated draws: draw more
    # Values: log-normal around 6,000 USD (Box-Muller); quantity missing for about 5 %.
    normal = f"sqrt(-2 * ln(1 - {_uniform(5)})) * cos(2 * pi() * {_uniform(6)})"
    con.execute(
        f"""COPY (
            SELECT t, i, j, k,
                greatest(round(exp(1.8 + 2.4 * {normal}), 3), 0.001)::DECIMAL(18, 3) AS v,
                CASE WHEN {_uniform(7)} < 0.05 THEN 'NA' ELSE CAST(greatest(round(
                    exp(1.8 + 2.4 * {normal}) * exp(3 * ({_uniform(8)} - 0.5)), 3), 0.001)
                    ::DECIMAL(18, 3) AS VARCHAR) END AS q
            FROM flows ORDER BY t, i, j, k)
        TO '{path}' (HEADER, DELIMITER ',')"""
    )
    con.close()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    found = con.execute(sql).fetchone()
    assert found is not None
    return found[0]


# --- import -----------------------------------------------------------------------------


def run_import(path: Path, rows: int) -> dict[str, Any]:
    """Import through the application; the split of its time from its progress steps."""
    from bureau.trade import store
    from bureau.trade.importing import Options, import_file

    steps: list[tuple[str, float]] = []
    started = time.perf_counter()
    result = import_file(
        path,
        format="baci",
        options=Options(),
        progress=lambda s: steps.append((s, time.perf_counter())),
    )
    seconds = time.perf_counter() - started
    if result.errors or result.dataset is None:
        raise RuntimeError(f"import refused the file: {result.errors[:5]}")
    assert result.rows == rows, f"imported {result.rows} rows of {rows}"
    storing = dict(steps).get("storing", started + seconds)
    parquet = store.dataset_file(result.dataset.id)
    return {
        "import_s": round(seconds, 2),
        "import_rows_per_s": round(rows / seconds),
        "import_check_s": round(storing - started, 2),  # digest, read, resolve, checks
        "import_store_s": round(started + seconds - storing, 2),  # summary, Parquet, manifest
        "parquet_mb": round(parquet.stat().st_size / 1e6, 1),
        "parquet": str(parquet),
    }


def bare_import(path: Path, target: Path, rows: int) -> dict[str, Any]:
    """Baseline: DuckDB reads the CSV typed, resolves the codes and writes the same Parquet
    columns and values, without the application's checks, row numbers or summary."""
    from bureau.trade import codes
    from bureau.trade.importing.formats import BACI_URL

    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE codes (code VARCHAR PRIMARY KEY, iso3 VARCHAR)")
    con.executemany("INSERT INTO codes VALUES (?, ?)", list(codes.code_table().items()))
    con.execute(
        f"""COPY (
            SELECT '{"0" * 16}' AS dataset, NULL::BIGINT AS line, t::SMALLINT AS year,
                t::VARCHAR AS period, 'year' AS period_kind, 'trade' AS flow,
                e.iso3 AS exporter, m.iso3 AS importer, '' AS reported_by,
                lpad(k, 6, '0') AS product, v * 1000 AS value_usd, TRY_CAST(q AS DOUBLE) AS quantity,
                'CEPII BACI ({path.name})' AS source, '{BACI_URL}' AS source_url
            FROM read_csv('{path}', header = true,
                columns = {{'t': 'INTEGER', 'i': 'VARCHAR', 'j': 'VARCHAR', 'k': 'VARCHAR',
                            'v': 'DOUBLE', 'q': 'VARCHAR'}}) f
            JOIN codes e ON e.code = f.i JOIN codes m ON m.code = f.j)
        TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"""
    )
    written = _scalar(con, f"SELECT count(*) FROM read_parquet('{target}')")
    con.close()
    seconds = time.perf_counter() - started
    assert written == rows, f"bare import wrote {written} rows of {rows}"
    return {"import_bare_s": round(seconds, 2), "import_bare_rows_per_s": round(rows / seconds)}


def bare_import_slim(path: Path, target: Path, rows: int) -> dict[str, Any]:
    """Second baseline: the same pass writing only the columns the import now stores (the
    per-dataset constants are in its manifest), so the ratio to it is the cost of the checks,
    the summary and the two sums files alone."""
    from bureau.trade import codes

    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE codes (code VARCHAR PRIMARY KEY, iso3 VARCHAR)")
    con.executemany("INSERT INTO codes VALUES (?, ?)", list(codes.code_table().items()))
    con.execute(
        f"""COPY (
            SELECT t::SMALLINT AS year, e.iso3 AS exporter, m.iso3 AS importer,
                lpad(k, 6, '0') AS product, v * 1000 AS value_usd, TRY_CAST(q AS DOUBLE) AS quantity
            FROM read_csv('{path}', header = true,
                columns = {{'t': 'INTEGER', 'i': 'VARCHAR', 'j': 'VARCHAR', 'k': 'VARCHAR',
                            'v': 'DOUBLE', 'q': 'VARCHAR'}}) f
            JOIN codes e ON e.code = f.i JOIN codes m ON m.code = f.j)
        TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"""
    )
    written = _scalar(con, f"SELECT count(*) FROM read_parquet('{target}')")
    con.close()
    seconds = time.perf_counter() - started
    assert written == rows, f"bare slim import wrote {written} rows of {rows}"
    return {"import_bare_slim_s": round(seconds, 2),
            "import_bare_slim_rows_per_s": round(rows / seconds)}  # fmt: skip


# --- the questions ----------------------------------------------------------------------

# The same questions as the selectors ask, written by hand; the same text runs on DuckDB and
# on SQLite ($name parameters, substr, CASE instead of least/FILTER).
BARE_SQL = {
    "bilateral": """
        SELECT year, exporter, sum(value_usd) FROM (
            SELECT * FROM flows WHERE exporter = $a AND importer = $b
            UNION ALL
            SELECT * FROM flows WHERE exporter = $b AND importer = $a)
        WHERE product = '' OR length(product) = 6
        GROUP BY year, exporter ORDER BY year, exporter""",
    "composition": """
        SELECT substr(product, 1, 2) AS chapter, sum(value_usd) FROM flows
        WHERE year = $y AND length(product) = 6 AND exporter = $a AND importer = $b
        GROUP BY chapter""",
    "potential": f"""
        WITH d AS (
            SELECT exporter, importer, product, value_usd FROM flows
            WHERE year = $y AND length(product) = 6),
        per AS (
            SELECT product,
                coalesce(sum(CASE WHEN exporter = $a AND importer = 'WLD' THEN value_usd END),
                         sum(CASE WHEN exporter = $a AND importer NOT IN {AGGREGATES}
                                  THEN value_usd END)) AS x,
                coalesce(sum(CASE WHEN importer = $b AND exporter = 'WLD' THEN value_usd END),
                         sum(CASE WHEN importer = $b AND exporter NOT IN {AGGREGATES}
                                  THEN value_usd END)) AS m,
                sum(CASE WHEN exporter NOT IN {AGGREGATES} AND importer NOT IN {AGGREGATES}
                         THEN value_usd END) AS w,
                coalesce(sum(CASE WHEN exporter = $a AND importer = $b THEN value_usd END), 0) AS a
            FROM d GROUP BY product),
        valued AS (
            SELECT product, a, CASE
                WHEN (SELECT count(DISTINCT exporter) FROM d) >= 50 AND w > 0
                THEN CASE WHEN x / w * m < x THEN x / w * m ELSE x END
                ELSE CASE WHEN m < x THEN m ELSE x END END AS potential
            FROM per WHERE x > 0 AND m > 0)
        SELECT product, potential - a AS untapped FROM valued WHERE potential - a > 0
        ORDER BY untapped DESC, product LIMIT 50""",
}


def app_calls(pair: Any) -> dict[str, Callable[[], Any]]:
    from bureau.trade import selectors

    return {
        "bilateral": lambda: selectors.bilateral(pair),
        "composition": lambda: selectors.composition(pair.a, pair.b, level="section"),
        "potential": lambda: selectors.potential(pair.a, pair.b),
        "tracker": lambda: selectors.tracker(table=selectors.bilateral(pair)),
    }


def sql_calls(run: Callable[[str, dict[str, Any]], list[Any]], params: dict[str, Any],
              names: Sequence[str]) -> dict[str, Callable[[], list[Any]]]:  # fmt: skip
    """The bare questions, one call each; the parameters a query does not name are left out."""
    calls: dict[str, Callable[[], list[Any]]] = {}
    for name in names:
        sql = BARE_SQL[name]
        used = {key: value for key, value in params.items() if f"${key}" in sql}
        calls[name] = functools.partial(run, sql, used)
    return calls


def p50s(calls: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """p50 in ms of each call over ``runs``, interleaved, after one warm-up call each."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call()
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            samples[name].append(time.perf_counter() - started)
    return {name: ms(percentile(values, 0.5)) for name, values in samples.items()}


# --- answers must agree -----------------------------------------------------------------


def check_agreement(app: dict[str, Any], sql: dict[str, list[Any]], engine: str) -> None:
    """Raise unless the bare SQL gives the figures the selectors give."""
    from bureau.reference import hs

    bilateral = {
        (row.year, direction): figure.value
        for row in app["bilateral"].years
        for direction, column in (("ab", "ab_reconciled"), ("ba", "ba_reconciled"))
        for figure in row.cells.get(column, [])
    }
    pair = app["bilateral"].pair
    expected = {(year, "ab" if exporter == pair.a else "ba"): value
                for year, exporter, value in sql["bilateral"]}  # fmt: skip
    _same(bilateral, expected, f"bilateral ({engine})")
    sections: dict[str, float] = {}
    for chapter, value in sql["composition"]:
        if value:
            numeral = hs.section_of(chapter) or "—"
            sections[numeral] = sections.get(numeral, 0.0) + value
    shares, _dataset, _year = app["composition"]
    _same({s.code: s.value for s in shares}, sections, f"composition ({engine})")
    ranking = [(row.product, row.untapped) for row in app["potential"].rows]
    if [p for p, _ in ranking] != [p for p, _ in sql["potential"]]:
        raise AssertionError(f"potential ({engine}): another ranking of products")
    _same(dict(ranking), dict(sql["potential"]), f"potential ({engine})")
    if not (bilateral and shares and ranking):
        raise AssertionError("a query returned no rows: the synthetic data misses the pair")


def _same(got: dict[Any, float], expected: dict[Any, float], what: str) -> None:
    if got.keys() != expected.keys():
        raise AssertionError(f"{what}: keys differ: {sorted(got)[:5]} vs {sorted(expected)[:5]}")
    for key, value in got.items():
        if not math.isclose(value, expected[key], rel_tol=1e-9):
            raise AssertionError(f"{what}: {key}: {value} vs {expected[key]}")


# --- SQLite -----------------------------------------------------------------------------


def sqlite_load(
    parquet: str, db: Path, rows: int, total: int
) -> tuple[sqlite3.Connection, dict[str, Any]]:
    """Load the imported rows (alpha-3 codes already resolved) into an indexed SQLite table."""
    lite = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144",
                   "mmap_size = 4294967296"):  # fmt: skip
        lite.execute(f"PRAGMA {pragma}")
    lite.execute("""CREATE TABLE flows (year INTEGER, exporter TEXT, importer TEXT,
                    product TEXT, value_usd REAL, quantity REAL)""")
    sample = "" if rows >= total else f" USING SAMPLE reservoir({rows} ROWS) REPEATABLE ({SEED})"
    source = duckdb.connect().execute(
        "SELECT year, exporter, importer, product, value_usd, quantity "
        f"FROM read_parquet('{parquet}'){sample}"
    )
    started = time.perf_counter()
    lite.execute("BEGIN")
    while batch := source.fetchmany(SQLITE_BATCH):
        lite.executemany("INSERT INTO flows VALUES (?, ?, ?, ?, ?, ?)", batch)
    lite.execute("COMMIT")
    inserted = time.perf_counter()
    lite.execute("CREATE INDEX flows_pair ON flows (exporter, importer, year)")
    lite.execute("CREATE INDEX flows_importer ON flows (importer, year)")
    lite.execute("CREATE INDEX flows_year_product ON flows (year, product)")
    lite.execute("ANALYZE")
    done = time.perf_counter()
    return lite, {
        "sqlite_rows": rows,
        "sqlite_insert_s": round(inserted - started, 1),
        "sqlite_index_s": round(done - inserted, 1),
        "sqlite_load_s": round(done - started, 1),
        "sqlite_mb": round(db.stat().st_size / 1e6, 1),
    }


# --- the run ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each query")
    parser.add_argument("--sqlite-rows", type=int, default=0, help="rows in SQLite (default all)")
    parser.add_argument("--sqlite-runs", type=int, default=0, help="default: --runs")
    parser.add_argument("--skip", default="", help="comma-separated: bare-import,sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    args.sqlite_rows = min(args.sqlite_rows or args.rows, args.rows)
    args.sqlite_runs = args.sqlite_runs or args.runs
    return args


def setup_django(home: Path) -> None:
    """Settings of a scratch bureau whose trade folder is empty."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["BUREAU_HOME"] = str(home)
    os.environ["BUREAU_TRADE_DIR"] = str(home / "trade")
    os.environ.pop("DATABASE_URL", None)  # no database is used; nothing should reach one
    import django

    django.setup()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="bench-trade-"))
    setup_django(home)
    figures: dict[str, Any] = {"bench": "trade", "rows": args.rows,
                               "date": dt.date.today().isoformat(), "cpus": os.cpu_count(),
                               "duckdb": duckdb.__version__, "sqlite": sqlite3.sqlite_version,
                               "loadavg_start": round(os.getloadavg()[0], 2)}  # fmt: skip
    try:
        figures.update(bench(args, home))
    finally:
        if args.keep:
            log(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    figures["loadavg_end"] = round(os.getloadavg()[0], 2)
    emit(figures)


def bench(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    from bureau.trade import selectors

    pair = selectors.country_pair()
    countries = baci_countries((pair.a, pair.b))
    numbers = [number for number, _ in countries]
    code_of = {alpha3: number for number, alpha3 in countries}
    pair_codes = (code_of[pair.a], code_of[pair.b])
    path = home / f"synthetic-baci-hs22-{args.rows}.csv"
    log(f"writing {path.name}: {args.rows:,} flows, {len(countries)} economies, years {YEARS}")
    started = time.perf_counter()
    generate(path, args.rows, numbers, hs6_products(), pair_codes)
    out: dict[str, Any] = {"years": list(YEARS), "pair": [pair.a, pair.b],
                           "generate_s": round(time.perf_counter() - started, 1),
                           "csv_mb": round(path.stat().st_size / 1e6, 1)}  # fmt: skip
    log(f"  {out['csv_mb']} MB in {out['generate_s']} s; importing it through import_file")
    out.update(run_import(path, args.rows))
    parquet = out.pop("parquet")
    log(f"  import: {out['import_s']} s, {out['import_rows_per_s']:,} rows/s "
        f"(checks {out['import_check_s']} s, store {out['import_store_s']} s)")  # fmt: skip
    if "bare-import" not in args.skip:
        out.update(bare_import(path, home / "bare.parquet", args.rows))
        out["import_ratio"] = round(out["import_rows_per_s"] / out["import_bare_rows_per_s"], 3)
        log(f"  bare import: {out['import_bare_s']} s, {out['import_bare_rows_per_s']:,} rows/s")
        (home / "bare.parquet").unlink()
        out.update(bare_import_slim(path, home / "bare.parquet", args.rows))
        out["import_ratio_slim"] = round(
            out["import_rows_per_s"] / out["import_bare_slim_rows_per_s"], 3
        )
        log(f"  bare import of the stored columns: {out['import_bare_slim_s']} s")
        (home / "bare.parquet").unlink()
    path.unlink()  # the CSV is of no further use: leave the disk to the databases
    out.update(bench_queries(args, pair, parquet, home))
    return out


def bench_queries(args: argparse.Namespace, pair: Any, parquet: str, home: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": args.runs}
    bare = duckdb.connect()
    bare.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet('{parquet}')")
    params = {"a": pair.a, "b": pair.b, "y": YEARS[-1]}
    names = list(BARE_SQL)
    bare_calls = sql_calls(lambda sql, p: bare.execute(sql, p).fetchall(), params, names)
    app = app_calls(pair)
    log(f"dashboard queries through the selectors and bare DuckDB, p50 of {args.runs} runs")
    calls = {**app, **{f"{name}_bare": call for name, call in bare_calls.items()}}
    timings = p50s(calls, args.runs)
    app_answers = {name: call() for name, call in app.items()}
    check_agreement(app_answers, {name: call() for name, call in bare_calls.items()}, "DuckDB")
    for name, value in timings.items():
        out[f"{name}_p50_ms"] = value
    out["ratio_vs_bare"] = {name: _ratio(timings[name], timings[f"{base}_bare"])
                            for name, base in _bases(app)}  # fmt: skip
    log(f"  {timings}")
    if "sqlite" not in args.skip:
        out.update(bench_sqlite(args, parquet, home, params, app_answers, timings))
    return out


def _ratio(slow: float, fast: float) -> float:
    """slow / fast, with three significant digits (a speed-up may be far below 1)."""
    ratio = slow / fast
    return round(ratio, max(0, 2 - math.floor(math.log10(ratio)))) if ratio > 0 else 0.0


def _bases(app: dict[str, Any]) -> list[tuple[str, str]]:
    """The bare query behind each selector (the tracker is the bilateral query plus arithmetic)."""
    return [(name, "bilateral" if name == "tracker" else name) for name in app]


def bench_sqlite(args: argparse.Namespace, parquet: str, home: Path, params: dict[str, Any],
                 app_answers: dict[str, Any], timings: dict[str, float]) -> dict[str, Any]:  # fmt: skip
    log(f"loading {args.sqlite_rows:,} rows into SQLite {sqlite3.sqlite_version}")
    lite, out = sqlite_load(parquet, home / "flows.sqlite3", args.sqlite_rows, args.rows)
    log(f"  insert {out['sqlite_insert_s']} s, indexes {out['sqlite_index_s']} s")
    calls = sql_calls(lambda sql, p: lite.execute(sql, p).fetchall(), params, list(BARE_SQL))
    log(f"SQLite queries, p50 of {args.sqlite_runs} runs")
    lite_timings = p50s(calls, args.sqlite_runs)
    if args.sqlite_rows == args.rows:
        check_agreement(app_answers, {name: call() for name, call in calls.items()}, "SQLite")
    else:
        log(f"  SQLite holds a sample of {args.sqlite_rows:,} rows: answers not compared")
    for name, value in lite_timings.items():
        out[f"{name}_sqlite_p50_ms"] = value
    out["sqlite_speedup"] = {name: _ratio(value, timings[name])
                             for name, value in lite_timings.items()}  # fmt: skip
    log(f"  {lite_timings}")
    lite.close()
    return out


if __name__ == "__main__":
    main()
