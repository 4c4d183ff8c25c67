"""Where trade statistics live: one Parquet file per imported dataset, queried with DuckDB.

The folder (``BUREAU_TRADE_DIR``, by default ``BUREAU_HOME/trade``) holds
``datasets/<id>.parquet`` and ``manifest.json``, the list of datasets. A dataset exists once
the manifest names it: an import writes its Parquet file under a temporary name, renames it,
then replaces the manifest (also by rename), so a killed import leaves either the old state or
the new one. Imports and removals take a file lock; readers never wait for them.

Each process keeps one in-memory DuckDB database whose view ``flows`` reads every listed
file; it is rebuilt when the manifest changes. See docs/decisions.md for why not the system
database.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

MANIFEST = "manifest.json"

# Columns of every dataset file, in order; the importers produce exactly these.
COLUMNS = (
    ("dataset", "VARCHAR"),
    ("line", "BIGINT"),  # row in the source file (header = row 1); null where DuckDB read the
    # file in parallel (BACI, Comtrade, WITS matrix): numbering rows would make reading 2.6x slower
    ("year", "SMALLINT"),
    ("period", "VARCHAR"),  # as the source states it: 2022, 2022-03, 2020-01/2020-10, FY2023-24
    ("period_kind", "VARCHAR"),  # year | month | partial | fiscal | range | statement
    ("flow", "VARCHAR"),  # trade (exporter -> importer) | turnover (both directions together)
    ("exporter", "VARCHAR"),  # ISO alpha-3, WLD for the world
    ("importer", "VARCHAR"),
    ("reported_by", "VARCHAR"),  # whose statistics: alpha-3, or '' for reconciled data (BACI)
    ("product", "VARCHAR"),  # '' = all products; HS digits; or a named group ('WITS:Fuels')
    ("value_usd", "DOUBLE"),
    ("quantity", "DOUBLE"),
    ("source", "VARCHAR"),
    ("source_url", "VARCHAR"),
)


@dataclass
class Dataset:
    id: str
    format: str
    file_name: str
    sha256: str
    rows: int
    imported_at: str
    imported_by: str
    source: str
    source_url: str
    first_year: int | None
    last_year: int | None
    product_level: int  # finest HS digits in the data: 0 = totals only
    has_totals: bool = True  # rows for all products ('' product), not only per product
    world_only: bool = False  # every flow is with the world as a whole: no partner countries
    reporters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> str:
        if self.first_year is None:
            return ""
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}-{self.last_year}"


def trade_dir() -> Path:
    return Path(settings.BUREAU_TRADE_DIR)


def datasets() -> list[Dataset]:
    path = trade_dir() / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [Dataset(**entry) for entry in raw["datasets"]]


def sql_literal(text: str) -> str:
    """``text`` as a quoted SQL string, for what DuckDB takes no parameter for (file paths)."""
    return "'" + text.replace("'", "''") + "'"


def dataset_file(dataset_id: str) -> Path:
    return trade_dir() / "datasets" / f"{dataset_id}.parquet"


def world_file(dataset_id: str) -> Path:
    """World exports by year and product of a product-level dataset (see importing.run)."""
    return trade_dir() / "datasets" / f"{dataset_id}.world.parquet"


def imports_file(dataset_id: str) -> Path:
    """Each importer's imports by year and product of a product-level dataset."""
    return trade_dir() / "datasets" / f"{dataset_id}.imports.parquet"


IMPORTS_COLUMNS = (
    ("dataset", "VARCHAR"),
    ("year", "SMALLINT"),
    ("importer", "VARCHAR"),
    ("product", "VARCHAR"),
    ("imports_usd", "DOUBLE"),
)

WORLD_COLUMNS = (
    ("dataset", "VARCHAR"),
    ("year", "SMALLINT"),
    ("product", "VARCHAR"),
    ("world_usd", "DOUBLE"),
    ("exporters", "BIGINT"),  # distinct exporters in the dataset's year
)


@contextmanager
def writing() -> Iterator[Path]:
    """Hold the store's write lock; yields the folder."""
    root = trade_dir()
    (root / "datasets").mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save_manifest(entries: list[Dataset]) -> None:
    """Replace the manifest in one rename (call while holding ``writing()``)."""
    root = trade_dir()
    body = json.dumps({"datasets": [asdict(d) for d in entries]}, indent=1, ensure_ascii=False)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".manifest-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, root / MANIFEST)


def _manifest_stamp() -> tuple[str, int, int]:
    path = trade_dir() / MANIFEST
    try:
        stat = path.stat()
        return str(path), stat.st_mtime_ns, stat.st_ino
    except FileNotFoundError:
        return str(path), 0, 0


class _Engine:
    """One in-memory DuckDB per process; a cursor per thread; ``flows`` over the datasets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._database: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[str, int, int] | None = None
        self._local = threading.local()
        self._generation = 0

    def cursor(self) -> duckdb.DuckDBPyConnection:
        stamp = _manifest_stamp()
        if stamp != self._stamp:
            self._rebuild(stamp)
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            assert self._database is not None
            local.cursor = self._database.cursor()
            local.generation = self._generation
        cursor: duckdb.DuckDBPyConnection = local.cursor
        return cursor

    def _rebuild(self, stamp: tuple[str, int, int]) -> None:
        with self._lock:
            if stamp == self._stamp:
                return
            database = duckdb.connect(":memory:")
            listed = datasets()
            _create_view(database, "flows", [dataset_file(d.id) for d in listed], COLUMNS)
            _create_view(
                database, "world_totals", [world_file(d.id) for d in listed], WORLD_COLUMNS
            )
            _create_view(
                database, "import_totals", [imports_file(d.id) for d in listed], IMPORTS_COLUMNS
            )
            self._database = database
            self._stamp = stamp
            self._generation += 1


def _create_view(
    database: duckdb.DuckDBPyConnection,
    name: str,
    paths: list[Path],
    columns: tuple[tuple[str, str], ...],
) -> None:
    files = [str(path) for path in paths if path.exists()]
    if files:
        listed = ", ".join(sql_literal(f) for f in files)
        database.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}])")
    else:
        empty = ", ".join(f"CAST(NULL AS {kind}) AS {column}" for column, kind in columns)
        database.execute(f"CREATE VIEW {name} AS SELECT {empty} WHERE false")


_engine = _Engine()


def query(sql: str, parameters: list[Any] | dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run a read-only query against the ``flows`` view of this process's engine."""
    return _engine.cursor().execute(sql, parameters or []).fetchall()
