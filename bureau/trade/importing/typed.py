"""The fast way in for large files that DuckDB reads itself (CEPII BACI): one typed pass from
the CSV through the country codes to a Parquet file, then the checks as queries over that file.

The file holds only the columns that vary from row to row; the values that are the same for
the whole dataset (its source, flow, kind of period) are kept once, in the manifest
(``store.Dataset.constants``). When the checks pass, the staged file becomes the dataset's file
by a rename. When any row fails, or a value is written in a way only the general path reads
(a code with spaces or leading zeros), the staged file is dropped and the general path stages
the file again as text with row numbers: it reports each bad row, or imports what it reads.

A value that is not a number is staged as NaN, which no accepted row holds (the checks refuse
infinite and NaN values), so the checks can tell it from a missing quantity (NULL).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bureau.trade import codes, store
from bureau.trade.importing.formats import BACI_URL, Options, _csv_header, _require

# Formats with a typed pass, and the columns each one's file leaves out.
TYPED_FORMATS = ("baci",)

_quote = store.sql_literal


def baci_constants(options: Options) -> dict[str, str | None]:
    """The values every row of a BACI file shares (row numbers are not kept for it)."""
    return {
        "line": None,
        "period_kind": "year",
        "flow": "trade",
        "reported_by": "",
        "source": options.source or f"CEPII BACI ({options.file_name})",
        "source_url": options.source_url or BACI_URL,
    }


def _lookup_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Country codes as BACI writes them (numbers without leading zeros, alpha-3), and the
    years 1900-2100 as four digits: the rows join to both on the text as written."""
    table = codes.code_table()
    con.execute("CREATE OR REPLACE TEMP TABLE code_map (raw VARCHAR, value VARCHAR)")
    con.execute(
        "INSERT INTO code_map SELECT unnest($raw), unnest($value)",
        {"raw": list(table), "value": list(table.values())},
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE year_map AS "
        "SELECT CAST(y AS VARCHAR) AS raw, CAST(y AS SMALLINT) AS value FROM range(1900, 2101) r(y)"
    )


def _number(text: str) -> str:
    """SQL for the number in ``text``: NaN when it is not a finite number."""
    cast = f"TRY_CAST({text} AS DOUBLE)"
    return f"CASE WHEN isfinite({cast}) THEN {cast} ELSE 'NaN'::DOUBLE END"


def stage_baci(
    con: duckdb.DuckDBPyConnection, path: Path, options: Options, target: Path
) -> dict[str, str | None]:
    """Write the BACI file ``path`` to ``target`` as typed rows; returns the constants."""
    header = _csv_header(path)
    _require(header, ["t", "i", "j", "k", "v"], "BACI")
    quantity = (
        f"""CASE WHEN "q" IS NULL OR "q" IN ('', 'NA') THEN NULL ELSE {_number('"q"')} END"""
        if "q" in header
        else "NULL::DOUBLE"
    )
    _lookup_tables(con)
    reader = (
        f"read_csv({_quote(str(path))}, all_varchar=true, header=true, null_padding=true, "
        "strict_mode=false, delim=',', compression='none')"
    )
    con.execute(
        f"""COPY (
            SELECT y.value AS year, e.value AS exporter, m.value AS importer,
                CASE WHEN length("k") = 5 THEN '0' || "k" ELSE "k" END AS product,
                {_number('"v"')} * 1000.0 AS value_usd, {quantity} AS quantity
            FROM {reader} f
            LEFT JOIN year_map y ON y.raw = f."t"
            LEFT JOIN code_map e ON e.raw = f."i"
            LEFT JOIN code_map m ON m.raw = f."j")
        TO {_quote(str(target))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"""  # noqa: S608 - names are constants, values quoted literals
    )
    return baci_constants(options)


def resolved_view(
    con: duckdb.DuckDBPyConnection,
    staged: Path,
    dataset_id: str,
    constants: dict[str, str | None],
    scale: float,
) -> None:
    """``resolved`` over the staged file, in the shape the general path's checks and summary
    read: the constants added back, NaN shown as the null of a value that failed its check."""
    values = {
        name: "NULL" if value is None else _quote(str(value)) for name, value in constants.items()
    }
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW resolved AS
        SELECT {_quote(dataset_id)} AS dataset, CAST({values["line"]} AS BIGINT) AS line, year,
            CAST(year AS VARCHAR) AS period, {values["period_kind"]} AS period_kind,
            {values["flow"]} AS flow, exporter, importer, {values["reported_by"]} AS reported_by,
            product, CASE WHEN NOT isnan(value_usd) THEN value_usd END AS value_usd,
            CASE WHEN NOT isnan(quantity) THEN quantity END AS quantity,
            {values["source"]} AS source, {values["source_url"]} AS source_url,
            CASE WHEN isnan(quantity) THEN 'not a number' ELSE '' END AS quantity_raw,
            {float(scale)} AS scale
        FROM read_parquet({_quote(str(staged))})"""  # noqa: S608 - constants and quoted literals only
    )


STAGERS = {"baci": (stage_baci, 1000.0)}
