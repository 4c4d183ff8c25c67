"""English word forms in search: what stemming costs against the index without it, same run.

    .venv/bin/python bench/search_forms.py [--texts 200000] [--queries 400] [--no-postgres]

The same generated item texts (HS product vocabulary, Zipf-distributed) are indexed three ways
on each engine: as before (SQLite FTS5 unicode61; PostgreSQL 'simple'), with a stemmer (FTS5
porter around unicode61; PostgreSQL's English Snowball stemmer without stop words, as
migration 0005 sets up),
and as before but queried with expanded word forms (each word OR its plural forms); on
PostgreSQL also with 'english' and 'simple' together (stems and the words as written). Printed:
index size, build time, and p50/p95 of the top-20 ranked query for two-word product queries,
and how many more items the stemmed index finds. Progress on stderr; one JSON line last.
"""

from __future__ import annotations

import argparse
import functools
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PG_SERVER, emit, log, ms, percentile

PG_NAME = "bureau_bench_search_forms"
BUILD_SECONDS: dict[str, float] = {}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("BUREAU_HOME", tempfile.mkdtemp(prefix="bench-forms-"))
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def texts(count: int) -> list[tuple[str, str, str]]:
    from bench.catalog import Corpus

    corpus = Corpus()
    return [(corpus.words(4, 10), corpus.words(10, 25), corpus.words(0, 60)) for _ in range(count)]


def queries(count: int) -> list[list[str]]:
    from bench.catalog import Corpus
    from bureau.catalog.search import terms

    corpus = Corpus(7)
    return [terms(corpus.query()) for _ in range(count)]


def expanded(word: str) -> list[str]:
    """A word and the plural forms a query expansion would add (no stemmer)."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith("s"):
        forms.add(word[:-1])
    return sorted(forms)


def _timed(run: Callable[[], Any], samples: list[float]) -> Any:
    start = time.perf_counter()
    result = run()
    samples.append(time.perf_counter() - start)
    return result


def _fetch(db: Any, sql: str, params: list[Any]) -> list[Any]:
    return list(db.execute(sql, params).fetchall())


def _stats(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": ms(percentile(samples, 0.5)), "p95_ms": ms(percentile(samples, 0.95))}


# --- SQLite ------------------------------------------------------------------------------


def sqlite_variant(
    folder: Path, name: str, tokenizer: str, rows: list[tuple[str, str, str]]
) -> sqlite3.Connection:
    path = folder / f"{name}.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(
        f"CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, content='', tokenize='{tokenizer}')"
    )
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO fts(title, summary, body) VALUES (?, ?, ?)", rows)
    db.execute("COMMIT")
    db.execute("INSERT INTO fts(fts) VALUES('optimize')")
    BUILD_SECONDS[name] = time.perf_counter() - start
    log(f"  sqlite {name}: built in {BUILD_SECONDS[name]:.1f} s")
    return db


def sqlite_figures(rows: list[tuple[str, str, str]], asked: list[list[str]]) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-forms-sqlite-"))
    plain = sqlite_variant(folder, "unicode61", "unicode61 remove_diacritics 2", rows)
    stemmed = sqlite_variant(folder, "porter", "porter unicode61 remove_diacritics 2", rows)
    top = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 20"
    count = "SELECT count(*) FROM fts WHERE fts MATCH ?"

    def match(words: list[str], expand: bool = False) -> str:
        if expand:
            return " AND ".join(
                "(" + " OR ".join(f'"{f}"' for f in expanded(w)) + ")" for w in words
            )
        return " ".join(f'"{w}"' for w in words)

    out: dict[str, Any] = {}
    for name, db, expand in (
        ("unicode61", plain, False),
        ("porter", stemmed, False),
        ("unicode61_expanded", plain, True),
    ):
        samples: list[float] = []
        found = 0
        for words in asked:
            _timed(
                functools.partial(_fetch, db, top, [match(words, expand)]),
                samples,
            )
            found += db.execute(count, [match(words, expand)]).fetchone()[0]
        size = (folder / f"{name.split('_')[0]}.sqlite3").stat().st_size
        out[name] = {**_stats(samples), "matches": found, "mib": round(size / 2**20, 1)}
        if not expand:
            out[name]["build_s"] = round(BUILD_SECONDS[name], 1)
    return out


# --- PostgreSQL ----------------------------------------------------------------------------


def _migration() -> Any:
    import importlib

    return importlib.import_module("bureau.catalog.migrations.0005_search_word_forms")


def _vector(config: str, weight: str, column: str) -> str:
    return f"setweight(to_tsvector('{config}', coalesce({column}, '')), '{weight}')"


def pg_figures(rows: list[tuple[str, str, str]], asked: list[list[str]]) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        admin.execute(f"CREATE DATABASE {PG_NAME}")
    db = psycopg.connect(f"{PG_SERVER}/{PG_NAME}", autocommit=True)
    db.execute("CREATE TABLE t (id serial PRIMARY KEY, title text, summary text, body text)")
    with db.cursor() as cursor, cursor.copy("COPY t (title, summary, body) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    for statement in _migration().POSTGRES_CONFIG:
        db.execute(statement)
    columns = (("title", "A"), ("summary", "B"), ("body", "C"))
    variants = {
        "simple": " || ".join(_vector("simple", w, c) for c, w in columns),
        "bureau_english": " || ".join(_vector("bureau_english", w, c) for c, w in columns),
        "english_simple": " || ".join(
            f"({_vector('english', w, c)} || {_vector('simple', w, c)})" for c, w in columns
        ),
    }
    out: dict[str, Any] = {}
    for name, expression in variants.items():
        start = time.perf_counter()
        db.execute(
            f"ALTER TABLE t ADD COLUMN v_{name} tsvector GENERATED ALWAYS AS ({expression}) STORED"
        )
        db.execute(f"CREATE INDEX i_{name} ON t USING gin (v_{name})")
        build = time.perf_counter() - start
        size = db.execute(f"SELECT pg_relation_size('i_{name}')").fetchone()[0]  # type: ignore[index]
        out[name] = {"build_s": round(build, 1), "index_mib": round(size / 2**20, 1)}
        log(f"  postgres {name}: built in {build:.1f} s")
    db.execute("VACUUM ANALYZE t")
    word = "(plainto_tsquery('english', %s) || plainto_tsquery('simple', %s))"
    cases = {
        "simple": (
            "v_simple",
            lambda ws: (" && ".join(["plainto_tsquery('simple', %s)"] * len(ws)), ws),
        ),
        "bureau_english": (
            "v_bureau_english",
            lambda ws: ("plainto_tsquery('bureau_english', %s)", [" ".join(ws)]),
        ),
        "english_simple": (
            "v_english_simple",
            lambda ws: (" && ".join([word] * len(ws)), [w for w in ws for _ in (0, 1)]),
        ),
        "simple_expanded": (
            "v_simple",
            lambda ws: (
                " && ".join("to_tsquery('simple', %s)" for _ in ws),
                [" | ".join(expanded(w)) for w in ws],
            ),
        ),
    }
    for name, (column, build_query) in cases.items():
        samples: list[float] = []
        found = 0
        for words in asked:
            tsquery, params = build_query(words)
            sql = f"SELECT id FROM t WHERE {column} @@ ({tsquery}) ORDER BY ts_rank_cd({column}, ({tsquery})) DESC LIMIT 20"
            _timed(
                functools.partial(_fetch, db, sql, [*params, *params]),
                samples,
            )
            found += db.execute(
                f"SELECT count(*) FROM t WHERE {column} @@ ({tsquery})", params
            ).fetchone()[0]  # type: ignore[index]
        out.setdefault(name, {}).update({**_stats(samples), "matches": found})
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    _setup_django()
    log(f"generating {args.texts:,} texts and {args.queries} queries")
    rows, asked = texts(args.texts), queries(args.queries)
    figures: dict[str, Any] = {"texts": args.texts, "queries": args.queries}
    figures["sqlite"] = sqlite_figures(rows, asked)
    if not args.no_postgres:
        figures["postgres"] = pg_figures(rows, asked)
    emit(figures)


if __name__ == "__main__":
    main()
