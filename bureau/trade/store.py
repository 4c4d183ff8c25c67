"""Where trade statistics live: one Parquet file per imported dataset, queried with DuckDB.

The folder (``BUREAU_TRADE_DIR``, by default ``BUREAU_HOME/trade``) holds
``datasets/<id>.parquet`` and ``manifest.json``, the list of datasets. A dataset exists once
the manifest names it: an import writes its Parquet file under a temporary name, renames it,
then replaces the manifest (also by rename), so a killed import leaves either the old state or
the new one. Imports and removals take a file lock; readers never wait for them.

Each process keeps one in-memory DuckDB database whose view ``flows`` reads every listed
file; it is rebuilt when the manifest changes. See docs/decisions.md for why not the system
database.

Every DuckDB connection comes from ``connect``: it reaches only the files and folders it is
given (no other file, no URL, no extension), and its configuration is locked, so no SQL that
runs on it can widen that, whatever a file it reads contains.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
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
    # Columns the file leaves out because they hold one value for the whole dataset (source,
    # flow, ...), with that value; ``flows`` adds them back. Empty: the file has every column.
    constants: dict[str, str | None] = field(default_factory=dict)

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


def sql_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (a column of a file being read)."""
    return '"' + name.replace('"', '""') + '"'


def connect(
    *, files: Sequence[Path] = (), folders: Sequence[Path] = (), scratch: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that may read ``files`` and read or write inside ``folders``, and
    nothing else: no other file, no URL, no extension; ``scratch`` is where it may spill.

    The settings are made in this order because DuckDB refuses to change the allowed paths
    once external access is off, and refuses every change once the configuration is locked.
    """
    con = duckdb.connect(":memory:")
    paths = [str(path) for path in files]
    directories = [f"{str(folder).rstrip('/')}/" for folder in folders]
    statements = [
        f"SET allowed_paths = [{', '.join(sql_literal(p) for p in paths)}]",
        f"SET allowed_directories = [{', '.join(sql_literal(d) for d in directories)}]",
        "SET enable_progress_bar = false",
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
    ]
    if scratch is not None:
        statements.append(f"SET temp_directory = {sql_literal(str(scratch))}")
    statements += ["SET enable_external_access = false", "SET lock_configuration = true"]
    for statement in statements:
        con.execute(statement)
    return con


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
            database = connect(folders=[trade_dir() / "datasets"])
            listed = datasets()
            _create_flows(database, listed)
            _create_view(
                database, "world_totals", [world_file(d.id) for d in listed], WORLD_COLUMNS
            )
            _create_view(
                database, "import_totals", [imports_file(d.id) for d in listed], IMPORTS_COLUMNS
            )
            self._database = database
            self._stamp = stamp
            self._generation += 1


# Columns a file may leave out that are computed from the others, not stored as constants.
DERIVED = {"dataset": None, "period": "CAST(year AS VARCHAR)"}


def stored_columns(dataset: Dataset) -> list[str]:
    """The columns of ``COLUMNS`` that ``dataset``'s file holds."""
    if not dataset.constants:
        return [name for name, _ in COLUMNS]
    left_out = set(dataset.constants) | set(DERIVED)
    return [name for name, _ in COLUMNS if name not in left_out]


def _select_dataset(dataset: Dataset) -> str:
    """One dataset's rows in the columns of ``flows``: its file's columns, and the values the
    manifest keeps for the columns the file leaves out (quoted literals, never names)."""
    stored = set(stored_columns(dataset))
    parts = []
    for name, kind in COLUMNS:
        if name in stored:
            parts.append(name)
        elif name == "dataset":
            parts.append(f"{sql_literal(dataset.id)} AS dataset")
        elif name in dataset.constants:
            value = dataset.constants[name]
            literal = "NULL" if value is None else sql_literal(str(value))
            parts.append(f"CAST({literal} AS {kind}) AS {name}")
        else:
            parts.append(f"{DERIVED[name]} AS {name}")
    path = sql_literal(str(dataset_file(dataset.id)))
    return f"SELECT {', '.join(parts)} FROM read_parquet({path})"  # noqa: S608 - quoted literals and constant names only


def _create_flows(database: duckdb.DuckDBPyConnection, listed: list[Dataset]) -> None:
    """``flows``: the files with every column read as one list, each of the others with the
    manifest's constants added (a filter on them drops the whole file from a query)."""
    present = [d for d in listed if dataset_file(d.id).exists()]
    whole = [d for d in present if not d.constants]
    slim = [d for d in present if d.constants]
    if not slim:
        _create_view(database, "flows", [dataset_file(d.id) for d in whole], COLUMNS)
        return
    names = ", ".join(name for name, _ in COLUMNS)
    parts = [_select_dataset(d) for d in slim]
    if whole:
        listed_files = ", ".join(sql_literal(str(dataset_file(d.id))) for d in whole)
        parts.append(f"SELECT {names} FROM read_parquet([{listed_files}])")  # noqa: S608 - quoted literals and constant names only
    database.execute(f"CREATE VIEW flows AS {' UNION ALL '.join(parts)}")


def _create_view(
    database: duckdb.DuckDBPyConnection,
    name: str,
    paths: list[Path],
    columns: tuple[tuple[str, str], ...],
) -> None:
    files = [str(path) for path in paths if path.exists()]
    if files:
        listed = ", ".join(sql_literal(f) for f in files)
        database.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}])")  # noqa: S608 - paths are quoted literals, names constants
    else:
        empty = ", ".join(f"CAST(NULL AS {kind}) AS {column}" for column, kind in columns)
        database.execute(f"CREATE VIEW {name} AS SELECT {empty} WHERE false")


_engine = _Engine()


def query(sql: str, parameters: list[Any] | dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run a read-only query against the ``flows`` view of this process's engine."""
    return _engine.cursor().execute(sql, parameters or []).fetchall()
