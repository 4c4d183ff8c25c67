"""Import one statistics file: stage it, check every row, then store it whole or not at all."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bureau.catalog.importing.report import RowError
from bureau.core import metrics
from bureau.core.errors import ValidationFailed
from bureau.reference import hs
from bureau.trade import codes, store
from bureau.trade.importing.exports import stage_world_exports
from bureau.trade.importing.formats import STAGERS as FILE_STAGERS
from bureau.trade.importing.formats import FormatError, Options, Staging

STAGERS = {**FILE_STAGERS, "world-exports": stage_world_exports}
FORMATS = tuple(STAGERS)

MAX_ERRORS = 100
AGGREGATES = ", ".join(f"'{code}'" for code in codes.AGGREGATES)  # constants, not input
# The dataset's source when its rows name several (each row keeps its own).
MANY_SOURCES = "several: each figure names its source"

Progress = Callable[[str], None]


@dataclass
class TradeImport:
    """The outcome of an import; ``errors`` non-empty means nothing was written."""

    dataset: store.Dataset | None
    rows: int = 0
    unchanged: bool = False
    replaced: str = ""  # id of the earlier edition of the same file that this one replaced
    errors: list[RowError] = field(default_factory=list)
    error_rows: int = 0  # all bad rows, even beyond the MAX_ERRORS reported
    notes: list[str] = field(default_factory=list)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _outcome(result: TradeImport) -> tuple[str, int]:
    if result.errors:
        return "refused", 0
    return ("unchanged", 0) if result.unchanged else ("imported", result.rows)


@metrics.counts_imports("trade", _outcome)
def import_file(
    path: Path,
    *,
    format: str,
    options: Options | None = None,
    imported_by: str = "",
    progress: Progress | None = None,
) -> TradeImport:
    """Import ``path`` in ``format``; re-importing the same file changes nothing.

    A file with the name and format of an earlier import but other content is a new edition:
    it replaces the earlier dataset. Raises ValidationFailed when the format or options are
    wrong; a file with bad rows returns their report and writes nothing.
    """
    if format not in STAGERS:
        raise ValidationFailed.single("format", f"must be one of {', '.join(STAGERS)}")
    options = options or Options()
    options.file_name = options.file_name or path.name
    step = progress or (lambda _: None)
    step("reading")
    sha = file_digest(path)
    dataset_id = hashlib.sha256(
        f"{format}:{options.year}:{options.source}:{options.source_url}:{sha}".encode()
    ).hexdigest()[:16]
    existing = {d.id: d for d in store.datasets()}
    if dataset_id in existing:
        return TradeImport(existing[dataset_id], existing[dataset_id].rows, unchanged=True)

    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")  # the command draws its own
    try:
        staging = _stage(con, path, format, options, lines=False)
        _resolve(con, dataset_id)
        bad, rows = _count_rows(con)
        if bad:
            step("checking")
            _stage(con, path, format, options, lines=True)
            _resolve(con, dataset_id)
            errors = _row_errors(con, staging)
            return TradeImport(None, rows, errors=errors, error_rows=bad)
        if rows == 0:
            return TradeImport(None, 0, errors=[RowError(0, "", "the file holds no trade flows")])
        step("storing")
        dataset = _describe(con, dataset_id, format, sha, options, imported_by, staging)
        replaced = _store(con, dataset)
        return TradeImport(dataset, rows, replaced=replaced, notes=dataset.notes)
    finally:
        con.close()


def _stage(
    con: duckdb.DuckDBPyConnection, path: Path, format: str, options: Options, *, lines: bool
) -> Staging:
    try:
        return STAGERS[format](con, path, options, lines)
    except FormatError as error:
        raise ValidationFailed.single(error.field, str(error)) from None
    except (duckdb.InvalidInputException, duckdb.ConversionException, UnicodeError) as error:
        first = str(error).splitlines()[0]
        raise ValidationFailed.single("file", f"cannot be read as {format}: {first}") from None


def _resolve(con: duckdb.DuckDBPyConnection, dataset_id: str) -> None:
    """Turn the staged text into typed rows; a null marks a value that failed its check.

    ``resolved`` is a view: every later pass (checks, summary, the Parquet file) reads the
    staged rows once more through it, which costs less than a second copy of ten million
    rows. Country codes and years are few, so each distinct one is resolved once, in Python,
    and the rows join to that small table on the text as written.
    """
    raw_codes = con.execute(
        "SELECT DISTINCT code FROM (SELECT exporter AS code FROM staged "
        "UNION ALL SELECT importer FROM staged UNION ALL SELECT reported_by FROM staged)"
    ).fetchall()
    _small_table(con, "code_map", [(raw, codes.resolve(raw) or "") for (raw,) in raw_codes])
    raw_years = con.execute("SELECT DISTINCT year FROM staged").fetchall()
    _small_table(
        con, "year_map", [(raw, raw if re.fullmatch(r"\d{4}", raw) else "") for (raw,) in raw_years]
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW resolved AS
        SELECT '{dataset_id}' AS dataset, s.line,
            CAST(nullif(y.value, '') AS SMALLINT) AS year, s.period, s.period_kind, s.flow,
            nullif(e.value, '') AS exporter, nullif(i.value, '') AS importer,
            CASE WHEN s.reported_by = '' THEN '' ELSE nullif(r.value, '') END AS reported_by,
            s.product,
            CASE WHEN s.scale > 0 THEN {_number("s.value")} * s.scale END AS value_usd,
            CASE WHEN s.quantity NOT IN ('', 'NA') THEN {_number("s.quantity")} END AS quantity,
            s.source, s.source_url,
            s.year AS year_raw, s.exporter AS exporter_raw, s.importer AS importer_raw,
            s.reported_by AS reported_by_raw, s.value AS value_raw, s.quantity AS quantity_raw,
            s.scale
        FROM staged s
        LEFT JOIN year_map y ON y.raw = s.year
        LEFT JOIN code_map e ON e.raw = s.exporter
        LEFT JOIN code_map i ON i.raw = s.importer
        LEFT JOIN code_map r ON r.raw = s.reported_by"""
    )


def _small_table(con: duckdb.DuckDBPyConnection, name: str, rows: list[tuple[str, str]]) -> None:
    """A two-column text table from Python, in one statement (row by row takes a second)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (raw VARCHAR, value VARCHAR)")
    if rows:
        con.execute(
            f"INSERT INTO {name} SELECT unnest($raw), unnest($value)",
            {"raw": [raw for raw, _ in rows], "value": [value for _, value in rows]},
        )


def _number(text: str) -> str:
    """SQL for the number in ``text``; null unless finite (DuckDB reads 'nan' and 'inf')."""
    return f"CASE WHEN isfinite(TRY_CAST({text} AS DOUBLE)) THEN TRY_CAST({text} AS DOUBLE) END"


UNKNOWN_CODE = "is not a known country code (ISO alpha-3, M49 or BACI)"

# Each check: staged column, the condition that makes a row bad, the reason shown.
_CHECKS = (
    (
        "year",
        # An unreadable period is reported once, as a period.
        "(year IS NULL OR year NOT BETWEEN 1900 AND 2100) AND period_kind <> '?'",
        "is not a year",
    ),
    (
        "period_kind",
        "period_kind = '?'",
        "is not a period (2022, 2022-03, 2022-01/2022-06, 2020/2024 or FY2023-24)",
    ),
    ("flow", "flow NOT IN ('trade', 'turnover')", "must be export, import or turnover"),
    ("exporter", "exporter IS NULL", UNKNOWN_CODE),
    ("importer", "importer IS NULL", UNKNOWN_CODE),
    ("reported_by", "reported_by IS NULL", UNKNOWN_CODE),
    (
        "product",
        "NOT (product = '' OR product LIKE 'WITS:%' OR (regexp_full_match(product, '[0-9]{2}([0-9]{2}){0,2}') AND left(product, 2) NOT IN ('00', '77')))",
        "is not an HS code (2, 4 or 6 digits of an HS chapter)",
    ),
    ("unit", "scale <= 0", "is not a unit (USD, USD thousand, USD million or USD billion)"),
    ("value", "value_usd IS NULL AND scale > 0", "is not a number"),
    ("value", "value_usd < 0", "is negative"),
    ("quantity", "quantity IS NULL AND quantity_raw NOT IN ('', 'NA')", "is not a number"),
    ("quantity", "quantity < 0", "is negative"),
)


def _count_rows(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(bad rows, all rows), in one pass over the resolved rows."""
    conditions = " OR ".join(f"({condition})" for _, condition, _ in _CHECKS)
    found = con.execute(f"SELECT count(*) FILTER ({conditions}), count(*) FROM resolved").fetchone()
    assert found is not None
    return int(found[0]), int(found[1])


def _row_errors(con: duckdb.DuckDBPyConnection, staging: Staging) -> list[RowError]:
    raw = {"exporter": "exporter_raw", "importer": "importer_raw", "reported_by": "reported_by_raw",
           "value": "value_raw", "quantity": "quantity_raw", "year": "year_raw",
           "period_kind": "period", "flow": "flow", "product": "product"}  # fmt: skip
    parts = [
        f"SELECT line, {index} AS check_no, {raw.get(column, 'NULL')}::VARCHAR AS raw FROM resolved WHERE {condition}"
        for index, (column, condition, _) in enumerate(_CHECKS)
    ]
    found = con.execute(
        f"SELECT line, check_no, raw FROM ({' UNION ALL '.join(parts)}) ORDER BY line, check_no LIMIT {MAX_ERRORS}"
    ).fetchall()
    errors = []
    for line, check_no, raw_value in found:
        column, _, reason = _CHECKS[check_no]
        shown = f" ({raw_value!r})" if raw_value not in (None, "") else ""
        errors.append(
            RowError(int(line or 0), staging.fields.get(column, column), f"{reason}{shown}")
        )
    return errors


def _describe(
    con: duckdb.DuckDBPyConnection,
    dataset_id: str,
    format: str,
    sha: str,
    options: Options,
    imported_by: str,
    staging: Staging,
) -> store.Dataset:
    summary = con.execute(
        f"""SELECT count(*), min(year), max(year),
            max(CASE WHEN regexp_full_match(product, '[0-9]+') THEN length(product) ELSE 0 END),
            list(DISTINCT reported_by) FILTER (WHERE reported_by <> ''),
            CASE WHEN count(DISTINCT source) = 1 THEN any_value(source) END,
            CASE WHEN count(DISTINCT source_url) = 1 THEN any_value(source_url) END,
            bool_or(product = ''),
            bool_and(exporter IN ({AGGREGATES}) OR importer IN ({AGGREGATES}))
        FROM resolved"""
    ).fetchone()
    assert summary is not None
    rows, first, last, level, reporters, source, source_url, has_totals, world_only = summary
    notes = list(staging.notes)
    unknown = _codes_outside_hs(con) if level else 0
    if unknown:
        notes.append(f"{unknown} product code(s) are not HS 2022 codes (an older HS revision?)")
    return store.Dataset(
        id=dataset_id,
        format=format,
        file_name=options.file_name,
        sha256=sha,
        rows=int(rows),
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        imported_by=imported_by,
        source=options.source or source or MANY_SOURCES,
        source_url=options.source_url or source_url or "",
        first_year=first,
        last_year=last,
        product_level=int(level or 0),
        has_totals=bool(has_totals),
        world_only=bool(world_only),
        reporters=sorted(reporters or []),
        notes=notes,
    )


def _codes_outside_hs(con: duckdb.DuckDBPyConnection) -> int:
    known = {code.replace(".", "") for code in hs.all_codes()}
    found = con.execute(
        "SELECT DISTINCT product FROM resolved WHERE regexp_full_match(product, '[0-9]+')"
    ).fetchall()
    return sum(1 for (product,) in found if product not in known)


def _store(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> str:
    """Write the dataset's file and list it in the manifest; returns the id it replaced."""
    columns = ", ".join(name for name, _ in store.COLUMNS)
    with store.writing():
        target = store.dataset_file(dataset.id)
        _copy(con, f"SELECT {columns} FROM resolved", target, row_group_size=122_880)
        if dataset.product_level >= 2:
            _store_totals(con, dataset, target)
        current = store.datasets()
        # Not this id: the same file stored meanwhile by another import is this very file.
        replaced = [
            d
            for d in current
            if d.file_name == dataset.file_name
            and d.format == dataset.format
            and d.id != dataset.id
        ]
        kept = [d for d in current if d not in replaced and d.id != dataset.id]
        store.save_manifest([*kept, dataset])
        for old in replaced:
            _unlink(old.id)
    return replaced[0].id if replaced else ""


def _store_totals(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, data: Path) -> None:
    """Sums the potential ranking needs for every product, written beside the dataset: world
    exports by year and product, and each importer's imports. Summing them at each request
    would scan a whole year of the world (the importer column is in no useful order)."""
    outside = ", ".join(f"'{code}'" for code in codes.AGGREGATES)
    rows = f"FROM read_parquet($data) WHERE length(product) = {int(dataset.product_level)}"
    _copy(
        con,
        f"""WITH d AS (SELECT year, exporter, product, value_usd {rows}
                       AND exporter NOT IN ({outside}) AND importer NOT IN ({outside}))
            SELECT '{dataset.id}' AS dataset, year, product, sum(value_usd) AS world_usd,
                   any_value(e.exporters) AS exporters
            FROM d JOIN (SELECT year, count(DISTINCT exporter) AS exporters FROM d GROUP BY year) e
                 USING (year)
            GROUP BY year, product ORDER BY year, product""",
        store.world_file(dataset.id),
        data,
    )
    _copy(
        con,
        f"""SELECT '{dataset.id}' AS dataset, year, importer, product,
                coalesce(sum(value_usd) FILTER (exporter = 'WLD'),
                         sum(value_usd) FILTER (exporter NOT IN ({outside}))) AS imports_usd
            {rows} AND importer NOT IN ({outside})
            GROUP BY year, importer, product ORDER BY year, importer, product""",
        store.imports_file(dataset.id),
        data,
    )


def _copy(
    con: duckdb.DuckDBPyConnection,
    select: str,
    target: Path,
    data: Path | None = None,
    *,
    row_group_size: int | None = None,
) -> None:
    """Write ``select`` to ``target`` as Parquet under a temporary name, then rename it, so
    a killed process leaves no half-written file under the real name. ``data`` is $data."""
    partial = target.with_suffix(".parquet.partial")
    options = "FORMAT parquet, COMPRESSION zstd"
    if row_group_size:
        options += f", ROW_GROUP_SIZE {int(row_group_size)}"
    con.execute(
        f"COPY ({select}) TO {store.sql_literal(str(partial))} ({options})",
        {"data": str(data)} if data is not None else {},
    )
    os.replace(partial, target)


def _unlink(dataset_id: str) -> None:
    for path in (store.dataset_file, store.world_file, store.imports_file):
        path(dataset_id).unlink(missing_ok=True)


def remove_dataset(dataset_id: str) -> store.Dataset:
    from bureau.core.errors import NotFound

    with store.writing():
        current = store.datasets()
        found = next((d for d in current if d.id == dataset_id), None)
        if found is None:
            raise NotFound(f"no trade dataset {dataset_id}")
        store.save_manifest([d for d in current if d.id != dataset_id])
        _unlink(dataset_id)
    return found
