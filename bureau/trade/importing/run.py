"""Import one statistics file: stage it, check every row, then store it whole or not at all."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from django.utils.translation import gettext as _

from bureau.catalog.importing.report import RowError
from bureau.core import metrics, parsing
from bureau.core.errors import ValidationFailed
from bureau.reference import hs
from bureau.trade import codes, store
from bureau.trade.importing import typed, unpack
from bureau.trade.importing.exports import stage_world_exports
from bureau.trade.importing.formats import STAGERS as FILE_STAGERS
from bureau.trade.importing.formats import FormatError, Options, Staging

STAGERS = {**FILE_STAGERS, "world-exports": stage_world_exports}
FORMATS = tuple(STAGERS)

MAX_ERRORS = 100
SOURCE_LENGTH = 500  # characters of a source's name or address
AGGREGATES = ", ".join(store.sql_literal(code) for code in codes.AGGREGATES)
# The dataset's source when its rows name several (each row keeps its own).
MANY_SOURCES = "several: each figure names its source"

Progress = Callable[[str], None]
T = TypeVar("T")
# The typed pass's file, until it is renamed to the dataset's; see _sweep_staged.
STAGED_SUFFIX = ".staged.partial"


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
        raise ValidationFailed.single(
            "format", _("must be one of %(options)s") % {"options": ", ".join(STAGERS)}
        )
    options = options or Options()
    options.file_name = options.file_name or path.name
    _check_options(options)
    path = path.resolve()  # DuckDB is allowed this path exactly (see store.connect)
    step = progress or (lambda _: None)
    step("reading")
    sha = file_digest(path)
    dataset_id = hashlib.sha256(
        f"{format}:{options.year}:{options.source}:{options.source_url}:{sha}".encode()
    ).hexdigest()[:16]
    existing = {d.id: d for d in store.datasets()}
    if dataset_id in existing:
        return TradeImport(existing[dataset_id], existing[dataset_id].rows, unchanged=True)

    with tempfile.TemporaryDirectory(prefix="bureau-trade-") as scratch:
        path = unpack.plain_file(path, Path(scratch))  # a gzip file, expanded up to a cap
        # DuckDB may read the file named and write the store's datasets, nothing else.
        con = store.connect(
            files=[path],
            folders=[store.trade_dir().resolve() / "datasets", Path(scratch)],
            scratch=Path(scratch),
        )
        try:
            return _import(con, path, format, options, dataset_id, sha, imported_by, step)
        finally:
            con.close()


def _check_options(options: Options) -> None:
    """The file's name, and the source and its address given for the whole file: text
    without control characters, and an http(s) URL."""
    checks = (
        ("source", "source", parsing.text),
        ("source_url", "source_url", parsing.http_url),
        ("file_name", "file", parsing.text),
    )
    for name, shown_as, parse in checks:
        try:
            setattr(options, name, parse(getattr(options, name), max_length=SOURCE_LENGTH))
        except ValueError as error:
            raise ValidationFailed.single(shown_as, str(error)) from None


def _import(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    format: str,
    options: Options,
    dataset_id: str,
    sha: str,
    imported_by: str,
    step: Progress,
) -> TradeImport:
    """Stage, check and store the file on ``con``; nothing is stored when a row is bad."""
    if format in typed.STAGERS:
        done = _import_typed(con, path, format, options, dataset_id, sha, imported_by, step)
        if done is not None:
            return done
    staging = _stage(con, path, format, options, lines=False)
    _resolve(con, dataset_id)
    tally = _tally(con)
    if tally.bad:
        step("checking")
        _stage(con, path, format, options, lines=True)
        _resolve(con, dataset_id)
        errors = _row_errors(con, staging)
        return TradeImport(None, tally.rows, errors=errors, error_rows=tally.bad)
    if tally.rows == 0:
        return TradeImport(None, 0, errors=[RowError(0, "", _("the file holds no trade flows"))])
    step("storing")
    dataset = _describe(con, tally, dataset_id, format, sha, options, imported_by, staging.notes)
    replaced = _store(con, dataset)
    return TradeImport(dataset, tally.rows, replaced=replaced, notes=dataset.notes)


def _import_typed(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    format: str,
    options: Options,
    dataset_id: str,
    sha: str,
    imported_by: str,
    step: Progress,
) -> TradeImport | None:
    """The typed pass (see importing.typed); None when a row needs the general path, which
    reads the file again as text, with row numbers, to report or to read it."""
    stager, scale = typed.STAGERS[format]
    staged = _staging_file(dataset_id)
    try:
        constants = _reading(format, lambda: stager(con, path, options, staged))
        typed.resolved_view(con, staged, dataset_id, constants, scale)
        tally = _tally(con)
        if tally.bad or tally.rows == 0:
            return None
        step("storing")
        dataset = _describe(con, tally, dataset_id, format, sha, options, imported_by, [])
        dataset.constants = constants
        replaced = _store(con, dataset, staged=staged)
        return TradeImport(dataset, tally.rows, replaced=replaced, notes=dataset.notes)
    finally:
        staged.unlink(missing_ok=True)


def _staging_file(dataset_id: str) -> Path:
    """Where the typed pass writes: beside the datasets (a rename makes it one), under a name
    of this process, so that a concurrent import of the same file writes elsewhere."""
    folder = store.trade_dir().resolve() / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{dataset_id}.{os.getpid()}.{secrets.token_hex(4)}{STAGED_SUFFIX}"


def _stage(
    con: duckdb.DuckDBPyConnection, path: Path, format: str, options: Options, *, lines: bool
) -> Staging:
    return _reading(format, lambda: STAGERS[format](con, path, options, lines))


def _reading(format: str, read: Callable[[], T]) -> T:
    """Run ``read``, which reads the file; what makes the file unreadable is the file's error."""
    try:
        return read()
    except FormatError as error:
        raise ValidationFailed.single(error.field, str(error)) from None
    except (
        duckdb.InvalidInputException,
        duckdb.ConversionException,
        duckdb.PermissionException,
        UnicodeError,
    ) as error:
        first = str(error).splitlines()[0]
        raise ValidationFailed.single(
            "file",
            _("cannot be read as %(format)s: %(error)s") % {"format": format, "error": first},
        ) from None


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
        SELECT {store.sql_literal(dataset_id)} AS dataset, s.line,
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
        LEFT JOIN code_map r ON r.raw = s.reported_by"""  # noqa: S608 - constants, quoted literals and integers only
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


# Characters that never belong in text (RE2 syntax): C0 controls but tab and line breaks, DEL.
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"

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
    # A source's address becomes a link on the trade pages: http(s) only, never javascript:.
    (
        "source_url",
        "source_url <> '' AND NOT regexp_full_match(source_url, '(?i)https?://[^\\s/?#]+[^\\s]*')",
        "is not an http(s) URL",
    ),
    (
        "source_url",
        f"length(source_url) > {SOURCE_LENGTH} OR regexp_matches(source_url, '{CONTROL}')",
        f"must be at most {SOURCE_LENGTH} characters, without control characters",
    ),
    (
        "source",
        f"length(source) > {SOURCE_LENGTH} OR regexp_matches(source, '{CONTROL}')",
        f"must be at most {SOURCE_LENGTH} characters, without control characters",
    ),
)


@dataclass
class _Tally:
    """What one pass over the resolved rows finds: how many fail a check, and the summary
    the dataset's manifest entry needs if none does."""

    bad: int
    rows: int
    first: Any
    last: Any
    level: Any
    reporters: Any
    source: Any
    source_url: Any
    has_totals: Any
    world_only: Any


def _tally(con: duckdb.DuckDBPyConnection) -> _Tally:
    conditions = " OR ".join(f"({condition})" for _, condition, _ in _CHECKS)
    found = con.execute(
        f"""SELECT count(*) FILTER ({conditions}), count(*), min(year), max(year),
            max(CASE WHEN regexp_full_match(product, '[0-9]+') THEN length(product) ELSE 0 END),
            list(DISTINCT reported_by) FILTER (WHERE reported_by <> ''),
            CASE WHEN count(DISTINCT source) = 1 THEN any_value(source) END,
            CASE WHEN count(DISTINCT source_url) = 1 THEN any_value(source_url) END,
            bool_or(product = ''),
            bool_and(exporter IN ({AGGREGATES}) OR importer IN ({AGGREGATES}))
        FROM resolved"""  # noqa: S608 - constants, quoted literals and integers only
    ).fetchone()
    assert found is not None
    return _Tally(int(found[0]), int(found[1]), *found[2:])


def _row_errors(con: duckdb.DuckDBPyConnection, staging: Staging) -> list[RowError]:
    raw = {"exporter": "exporter_raw", "importer": "importer_raw", "reported_by": "reported_by_raw",
           "value": "value_raw", "quantity": "quantity_raw", "year": "year_raw",
           "period_kind": "period", "flow": "flow", "product": "product",
           "source": "source", "source_url": "source_url"}  # fmt: skip
    parts = [
        f"SELECT line, {index} AS check_no, {raw.get(column, 'NULL')}::VARCHAR AS raw FROM resolved WHERE {condition}"  # noqa: S608 - constants, quoted literals and integers only
        for index, (column, condition, _) in enumerate(_CHECKS)
    ]
    found = con.execute(
        f"SELECT line, check_no, raw FROM ({' UNION ALL '.join(parts)}) ORDER BY line, check_no LIMIT {MAX_ERRORS}"  # noqa: S608 - constants, quoted literals and integers only
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
    tally: _Tally,
    dataset_id: str,
    format: str,
    sha: str,
    options: Options,
    imported_by: str,
    staging_notes: list[str],
) -> store.Dataset:
    notes = list(staging_notes)
    level = tally.level
    unknown = _codes_outside_hs(con) if level else 0
    if unknown:
        notes.append(f"{unknown} product code(s) are not HS 2022 codes (an older HS revision?)")
    return store.Dataset(
        id=dataset_id,
        format=format,
        file_name=options.file_name,
        sha256=sha,
        rows=tally.rows,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        imported_by=imported_by,
        source=options.source or tally.source or MANY_SOURCES,
        source_url=options.source_url or tally.source_url or "",
        first_year=tally.first,
        last_year=tally.last,
        product_level=int(level or 0),
        has_totals=bool(tally.has_totals),
        world_only=bool(tally.world_only),
        reporters=sorted(tally.reporters or []),
        notes=notes,
    )


def _codes_outside_hs(con: duckdb.DuckDBPyConnection) -> int:
    known = {code.replace(".", "") for code in hs.all_codes()}
    found = con.execute(
        "SELECT DISTINCT product FROM resolved WHERE regexp_full_match(product, '[0-9]+')"
    ).fetchall()
    return sum(1 for (product,) in found if product not in known)


def _store(
    con: duckdb.DuckDBPyConnection, dataset: store.Dataset, staged: Path | None = None
) -> str:
    """Write the dataset's file (or rename the ``staged`` one) and list it in the manifest;
    returns the id it replaced."""
    columns = ", ".join(name for name, _ in store.COLUMNS)
    with store.writing():
        _sweep_staged()
        target = store.dataset_file(dataset.id)
        if staged is None:
            _copy(con, f"SELECT {columns} FROM resolved", target, row_group_size=122_880)  # noqa: S608 - constants, quoted literals and integers only
        else:
            os.replace(staged, target)
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


def _sweep_staged() -> None:
    """Remove what killed imports left: typed passes of processes that no longer run, and
    files of the general path (it writes them only while holding the lock we hold)."""
    for leftover in (store.trade_dir() / "datasets").glob("*.partial"):
        parts = leftover.name.removesuffix(STAGED_SUFFIX).split(".")  # id, pid, token
        pid = parts[1] if len(parts) == 3 and leftover.name.endswith(STAGED_SUFFIX) else ""
        if pid.isdigit() and _running(int(pid)):
            continue
        leftover.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _store_totals(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, data: Path) -> None:
    """Sums the potential ranking needs for every product, written beside the dataset: world
    exports by year and product, and each importer's imports. Summing them at each request
    would scan a whole year of the world (the importer column is in no useful order).

    One pass over the dataset sums each importer's imports by product, from the world and
    from countries; the world's exports are the sums of the latter over importers."""
    outside = ", ".join(store.sql_literal(code) for code in codes.AGGREGATES)
    dataset_id = store.sql_literal(dataset.id)
    rows = f"FROM read_parquet($data) WHERE length(product) = {int(dataset.product_level)}"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE import_sums AS
        SELECT year, importer, product,
            sum(value_usd) FILTER (exporter = 'WLD') AS from_world,
            sum(value_usd) FILTER (exporter NOT IN ({outside})) AS from_countries
        {rows} AND importer NOT IN ({outside}) GROUP BY year, importer, product""",
        {"data": str(data)},
    )
    _copy(
        con,
        f"""SELECT {dataset_id} AS dataset, year, product, sum(from_countries) AS world_usd,
                any_value(e.exporters) AS exporters
            FROM import_sums
            JOIN (SELECT year, count(DISTINCT exporter) AS exporters {rows}
                  AND exporter NOT IN ({outside}) AND importer NOT IN ({outside}) GROUP BY year) e
                 USING (year)
            WHERE from_countries IS NOT NULL
            GROUP BY year, product ORDER BY year, product""",  # noqa: S608 - constants, quoted literals and integers only
        store.world_file(dataset.id),
        data,
    )
    _copy(
        con,
        f"""SELECT {dataset_id} AS dataset, year, importer, product,
                coalesce(from_world, from_countries) AS imports_usd
            FROM import_sums ORDER BY year, importer, product""",  # noqa: S608 - constants, quoted literals and integers only
        store.imports_file(dataset.id),
    )
    con.execute("DROP TABLE import_sums")


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
            raise NotFound(_("no trade dataset %(id)s") % {"id": dataset_id})
        store.save_manifest([d for d in current if d.id != dataset_id])
        _unlink(dataset_id)
    return found
