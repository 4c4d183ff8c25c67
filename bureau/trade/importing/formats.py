"""How each public format maps onto the staging table that every import checks and stores.

A format either lets DuckDB read the file (``sql``: large files, read in parallel) or parses
it in Python (``rows``: small or oddly shaped files). Both fill ``staged`` with text columns
named as in ``STAGED``; ``fields`` names the source column behind each, for error reports.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from django.utils.translation import gettext as _

from bureau.trade import codes, store

# The staging table: every value as text until checked (line is the file's row number).
STAGED = (
    "line",
    "year",
    "period",
    "period_kind",
    "flow",
    "exporter",
    "importer",
    "reported_by",
    "product",
    "value",
    "scale",
    "quantity",
    "source",
    "source_url",
)

StagedRow = tuple[int | None, str, str, str, str, str, str, str, str, str, float, str, str, str]

BACI_URL = "https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37"
COMTRADE_URL = "https://comtradeplus.un.org/"
WITS_URL = "https://wits.worldbank.org/"
WITS_PROFILE = "https://wits.worldbank.org/CountryProfile/en/Country/"


def wits_url(reporter: str, year: str, partner: str = "") -> str:
    """The WITS page that shows a reporter's figure for a year: its trade with ``partner``
    (all product groups), or its trade summary; the site's home page for anything else."""
    if not (re.fullmatch(r"[A-Z]{3}", reporter) and re.fullmatch(r"\d{4}", year)):
        return WITS_URL
    if not partner:
        return f"{WITS_PROFILE}{reporter}/Year/{year}/Summary"
    if not re.fullmatch(r"[A-Z]{3}", partner):
        return WITS_URL
    return f"{WITS_PROFILE}{reporter}/Year/{year}/TradeFlow/EXPIMP/Partner/{partner}/Product/all-groups"


class FormatError(Exception):
    """The file is not in the format asked for (names what is missing).

    ``field`` is what to fix: the file, or an option such as the year.
    """

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Options:
    source: str = ""
    source_url: str = ""
    year: int | None = None  # for files that do not state it (WITS harmonized flows)
    file_name: str = ""


@dataclass
class Staging:
    fields: dict[str, str]  # staged column -> the file's column, for error reports
    notes: list[str] = field(default_factory=list)


_quote = store.sql_literal
_name = store.sql_identifier


def _csv_header(path: Path, delimiter: str | None = None) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        first = handle.readline()
    if delimiter is None:
        delimiter = max((",", ";", "\t", "|"), key=first.count)
    return [name.strip().strip('"') for name in first.rstrip("\r\n").split(delimiter)]


def _require(header: list[str], needed: list[str], fmt: str) -> None:
    missing = [name for name in needed if name not in header]
    if missing:
        raise FormatError(
            _("not a %(format)s file: column(s) %(missing)s missing (found: %(found)s)")
            % {"format": fmt, "missing": ", ".join(missing), "found": ", ".join(header[:12]) or "—"}
        )


def _read(path: Path, line_numbers: bool, delimiter: str | None = None) -> str:
    """A FROM clause reading ``path`` as text, with the file's row numbers if asked."""
    sep = f", delim={_quote(delimiter)}" if delimiter else ""
    reader = (
        f"read_csv({_quote(str(path))}, all_varchar=true, header=true, "
        f"null_padding=true, strict_mode=false, compression='none'{sep})"
    )
    if line_numbers:
        return f"(SELECT *, row_number() OVER () + 1 AS __line FROM {reader})"  # noqa: S608 - names are constants or quoted, values quoted literals
    return f"(SELECT *, NULL::BIGINT AS __line FROM {reader})"  # noqa: S608 - names are constants or quoted, values quoted literals


def _stage(con: duckdb.DuckDBPyConnection, select: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE staged AS {select}")


# --- CEPII BACI: t,i,j,k,v,q (value in thousand USD, quantity in tonnes) -------------------


def stage_baci(
    con: duckdb.DuckDBPyConnection, path: Path, options: Options, lines: bool
) -> Staging:
    header = _csv_header(path)
    _require(header, ["t", "i", "j", "k", "v"], "BACI")
    quantity = 'trim("q")' if "q" in header else "''"
    source = options.source or f"CEPII BACI ({options.file_name})"
    _stage(
        con,
        f"""SELECT __line AS line, trim("t") AS year, trim("t") AS period, 'year' AS period_kind,
            'trade' AS flow, trim("i") AS exporter, trim("j") AS importer, '' AS reported_by,
            CASE WHEN length(trim("k")) = 5 THEN '0' || trim("k") ELSE trim("k") END AS product,
            trim("v") AS value, 1000.0 AS scale, {quantity} AS quantity,
            {_quote(source)} AS source, {_quote(options.source_url or BACI_URL)} AS source_url
        FROM {_read(path, lines, ",")}""",  # noqa: S608 - names are constants or quoted, values quoted literals
    )
    return Staging(
        {
            "year": "t",
            "exporter": "i",
            "importer": "j",
            "product": "k",
            "value": "v",
            "quantity": "q",
        }
    )


# --- UN Comtrade bulk CSV: the Comtrade+ layout and the legacy one ---------------------------

_COMTRADE_PLUS = {
    "year": "refYear",
    "period": "period",
    "freq": "freqCode",
    "reporter": "reporterCode",
    "partner": "partnerCode",
    "flow": "flowCode",
    "product": "cmdCode",
    "value": "primaryValue",
    "quantity": "qty",
}
_COMTRADE_LEGACY = {
    "year": "Year",
    "period": "Period",
    "freq": "",
    "reporter": "Reporter Code",
    "partner": "Partner Code",
    "flow": "Trade Flow Code",
    "product": "Commodity Code",
    "value": "Trade Value (US$)",
    "quantity": "Qty",
}
# Breakdowns that Comtrade+ adds; only their totals are kept, or flows would count twice.
_COMTRADE_TOTALS = {
    "partner2Code": "'0'",
    "motCode": "'0'",
    "mosCode": "'0'",
    "customsCode": "'C00'",
}


def stage_comtrade(
    con: duckdb.DuckDBPyConnection, path: Path, options: Options, lines: bool
) -> Staging:
    header = _csv_header(path)
    plus = "refYear" in header or "primaryValue" in header
    names = _COMTRADE_PLUS if plus else _COMTRADE_LEGACY
    _require(header, [v for v in names.values() if v and v != names["quantity"]], "UN Comtrade")

    def col(key: str) -> str:
        name = names[key]
        return f"trim({_name(name)})" if name and name in header else "''"

    flow = f"upper({col('flow')})"
    exports = f"{flow} IN ('X', '2', 'EXPORT')"
    imports = f"{flow} IN ('M', '1', 'IMPORT')"
    kind = (
        f"CASE WHEN {col('freq')} = 'M' OR length({col('period')}) = 6 THEN 'month' ELSE 'year' END"
    )
    totals = " AND ".join(
        f"coalesce(nullif(trim({_name(name)}), ''), {value}) = {value}"
        for name, value in _COMTRADE_TOTALS.items()
        if name in header
    )
    product = f"CASE WHEN upper({col('product')}) IN ('TOTAL', 'TOT', '') THEN '' ELSE {col('product')} END"
    source = options.source or f"UN Comtrade ({options.file_name})"
    _stage(
        con,
        f"""SELECT __line AS line, {col("year")} AS year,
            coalesce(nullif({col("period")}, ''), {col("year")}) AS period, {kind} AS period_kind,
            'trade' AS flow,
            CASE WHEN {imports} THEN {col("partner")} ELSE {col("reporter")} END AS exporter,
            CASE WHEN {imports} THEN {col("reporter")} ELSE {col("partner")} END AS importer,
            {col("reporter")} AS reported_by, {product} AS product, {col("value")} AS value,
            1.0 AS scale, {col("quantity")} AS quantity,
            {_quote(source)} AS source, {_quote(options.source_url or COMTRADE_URL)} AS source_url
        FROM {_read(path, lines)}
        WHERE ({exports} OR {imports}) {"AND " + totals if totals else ""}""",  # noqa: S608 - names are constants or quoted, values quoted literals
    )
    skipped = con.execute(
        f"SELECT count(*) FROM {_read(path, False)} WHERE NOT ({exports} OR {imports})"  # noqa: S608 - names are constants or quoted, values quoted literals
    ).fetchone()
    notes = []
    if skipped and skipped[0]:
        notes.append(f"{skipped[0]} row(s) of re-exports or re-imports left out")
    return Staging(
        {
            "year": names["year"],
            "exporter": f"{names['reporter']} / {names['partner']}",
            "importer": f"{names['reporter']} / {names['partner']}",
            "reported_by": names["reporter"],
            "product": names["product"],
            "value": names["value"],
            "quantity": names["quantity"],
        },
        notes,
    )


# --- WITS trade matrix: reporter x partner totals, or the harmonized i;j;Fij flows ----------

# The value columns WITS writes, and the multiple of US dollars each is in.
WITS_VALUE_COLUMNS = {"TradeValue in 1000 USD": 1000.0, "TradeValue in USD": 1.0, "TradeValue": 1.0}


def stage_wits_matrix(
    con: duckdb.DuckDBPyConnection, path: Path, options: Options, lines: bool
) -> Staging:
    header = _csv_header(path)
    source = options.source or f"World Bank WITS / UN Comtrade ({options.file_name})"
    url = _quote(options.source_url or WITS_URL)
    if header[:3] == ["i", "j", "Fij"]:
        year = options.year or _year_in_name(options.file_name)
        if year is None:
            raise FormatError(_("is required: neither the file nor its name states one"), "year")
        _stage(
            con,
            f"""SELECT __line AS line, {_quote(str(int(year)))} AS year, {_quote(str(int(year)))} AS period,
                'year' AS period_kind,
                'trade' AS flow, trim("i") AS exporter, trim("j") AS importer, '' AS reported_by,
                '' AS product, trim("Fij") AS value, 1000.0 AS scale, '' AS quantity,
                {_quote(source)} AS source, {url} AS source_url
            FROM {_read(path, lines, ";")}""",  # noqa: S608 - names are constants or quoted, values quoted literals
        )
        return Staging({"exporter": "i", "importer": "j", "value": "Fij"})
    # The value column is one of the names WITS writes, never a name taken from the file.
    value_column = next((name for name in WITS_VALUE_COLUMNS if name in header), "")
    _require(
        header,
        ["ReporterISO3", "PartnerISO3", "Year", "TradeFlowCode", value_column or "TradeValue"],
        "WITS trade matrix",
    )
    scale = WITS_VALUE_COLUMNS[value_column]
    if not options.source_url:  # each figure links to its own page on WITS
        page = (
            """CASE WHEN regexp_full_match(trim("ReporterISO3"), '[A-Z]{3}')
                 AND regexp_full_match(trim("PartnerISO3"), '[A-Z]{3}')
                 AND regexp_full_match(trim("Year"), '[0-9]{4}')
               THEN """
            + _quote(WITS_PROFILE)
            + """ || trim("ReporterISO3") || '/Year/' || trim("Year")
                 || '/TradeFlow/EXPIMP/Partner/' || trim("PartnerISO3") || '/Product/all-groups'
               ELSE """
            + url
            + " END"
        )
        url = page
    _stage(
        con,
        f"""SELECT __line AS line, trim("Year") AS year, trim("Year") AS period,
            'year' AS period_kind, 'trade' AS flow,
            CASE WHEN trim("TradeFlowCode") = '5' THEN trim("PartnerISO3") ELSE trim("ReporterISO3") END AS exporter,
            CASE WHEN trim("TradeFlowCode") = '5' THEN trim("ReporterISO3") ELSE trim("PartnerISO3") END AS importer,
            trim("ReporterISO3") AS reported_by,
            CASE WHEN upper(trim("ProductCode")) = 'TOTAL' THEN '' ELSE trim("ProductCode") END AS product,
            trim({_name(value_column)}) AS value, {scale} AS scale, '' AS quantity,
            {_quote(source)} AS source, {url} AS source_url
        FROM {_read(path, lines, ";")}
        WHERE trim("TradeFlowCode") IN ('5', '6')""",  # noqa: S608 - names are constants or quoted, values quoted literals
    )
    return Staging(
        {
            "year": "Year",
            "exporter": "ReporterISO3 / PartnerISO3",
            "importer": "ReporterISO3 / PartnerISO3",
            "reported_by": "ReporterISO3",
            "product": "ProductCode",
            "value": value_column,
        }
    )


def _year_in_name(name: str) -> int | None:
    found = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", name)
    return int(found[0]) if len(found) == 1 else None


# --- Files parsed in Python: WITS country trade summaries and published figures -------------


def insert_rows(con: duckdb.DuckDBPyConnection, rows: list[StagedRow]) -> None:
    """Fill ``staged`` from rows parsed in Python: one statement, one list per column.

    As fast as reading them back from a CSV file, and the connection needs no file beyond the
    one being imported (see store.connect).
    """
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in STAGED]
    types = {"line": "BIGINT", "scale": "DOUBLE"}
    parts = [
        f"unnest(${name}::{types[name]}[]) AS {name}"
        if name in types
        else f"coalesce(unnest(${name}::VARCHAR[]), '') AS {name}"  # staged text is never NULL
        for name in STAGED
    ]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {', '.join(parts)}",
        {name: list(values) for name, values in zip(STAGED, columns, strict=True)},
    )


def _text_rows(path: Path, encoding: str = "utf-8-sig") -> Iterator[tuple[int, dict[str, str]]]:
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # WITS writes Latin-1
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for number, record in enumerate(reader, start=2):
        # Cells beyond the header (a trailing comma) come under the key None: not data.
        yield number, {k.strip(): (v or "").strip() for k, v in record.items() if k is not None}


_SUMMARY_TOTALS = {"Exports (in US$ Mil)": "export", "Imports (in US$ Mil)": "import"}
_SUMMARY_GROUPS = {"Export(US$ Mil)": "export", "Import(US$ Mil)": "import"}
_SUMMARY_PARTNERS = {
    "Trade (US$ Mil)-Top 5 Export Partner": "export",
    "Trade (US$ Mil)-Top 5 Import Partner": "import",
}


def stage_wits_summary(
    con: duckdb.DuckDBPyConnection, path: Path, options: Options, lines: bool
) -> Staging:
    header = _csv_header(path, ",")
    _require(
        header, ["Reporter", "Partner", "Product categories", "Indicator"], "WITS trade summary"
    )
    years = [name for name in header if re.fullmatch(r"\d{4}", name)]
    if not years:
        raise FormatError(_("not a WITS trade summary file: no year columns (2019, 2018, ...)"))
    source = options.source or f"World Bank WITS trade summary ({options.file_name})"
    rows: list[StagedRow] = []
    for number, record in _text_rows(path):
        indicator = record.get("Indicator", "")
        category = record.get("Product categories", "")
        if indicator in _SUMMARY_TOTALS:
            direction, product = _SUMMARY_TOTALS[indicator], ""
            partner = codes.WORLD
        elif indicator in _SUMMARY_GROUPS:
            direction, product = _SUMMARY_GROUPS[indicator], f"WITS:{category}"
            partner = codes.WORLD
        elif indicator in _SUMMARY_PARTNERS:
            direction, product = _SUMMARY_PARTNERS[indicator], ""
            partner = codes.resolve_name(record["Partner"]) or record["Partner"]
        else:
            continue  # tariffs, shares, counts, GDP: not trade flows
        reporter = codes.resolve_name(record["Reporter"]) or record["Reporter"]
        exporter, importer = (reporter, partner) if direction == "export" else (partner, reporter)
        for year in years:
            value = record.get(year, "")
            url = options.source_url or wits_url(reporter, year)  # the summary of that year
            if value:
                rows.append(
                    (number, year, year, "year", "trade", exporter, importer, reporter, product,
                     value, 1e6, "", source, url)
                )  # fmt: skip
    insert_rows(con, rows)
    return Staging(
        {
            "exporter": "Reporter / Partner",
            "importer": "Reporter / Partner",
            "reported_by": "Reporter",
            "value": "year column",
        }
    )


# Published figures: the bureau's own simple layout ...
_FIGURE_COLUMNS = ["period", "reporter", "partner", "flow", "value", "unit", "source", "source_url"]
_UNITS = {
    "usd": 1.0,
    "us$": 1.0,
    "usd thousand": 1e3,
    "thousand usd": 1e3,
    "usd million": 1e6,
    "million usd": 1e6,
    "usd_m": 1e6,
    "usd billion": 1e9,
    "billion usd": 1e9,
}
# ... and the press-figures layout: one row per period, "<a>_exports_to_<b>_usd_m" columns.
_PRESS_KINDS = {
    "calendar_year": "year",
    "month": "month",
    "partial_year": "partial",
    "multi_year_range": "range",
    "statement": "statement",
}


def period_parts(period: str) -> tuple[str, str]:
    """(year, kind) of a period as reports write it, or ("", reason) if it cannot be read."""
    text = period.strip()
    approximate = text.lower().startswith("c.")
    text = text[2:].strip() if approximate else text
    patterns = [
        (r"(\d{4})", "year"),
        (r"(\d{4})-(0[1-9]|1[0-2])", "month"),
        (r"\d{4}-\d{2}/(\d{4})-\d{2}", "partial"),
        (r"\d{4}/(\d{4})", "range"),
        (r"FY(\d{4})-(\d{2})", "fiscal"),
    ]
    for pattern, kind in patterns:
        match = re.fullmatch(pattern, text, flags=re.IGNORECASE)
        if match:
            year = match.group(1)
            if kind == "fiscal":
                year = str(int(year) + 1)  # a July-June fiscal year ends in the next year
            return year, "statement" if approximate else kind
    return "", "is not a period (use 2022, 2022-03, 2022-01/2022-06, 2020/2024 or FY2023-24)"


def stage_figures(
    con: duckdb.DuckDBPyConnection, path: Path, options: Options, lines: bool
) -> Staging:
    header = _csv_header(path, ",")
    if "turnover_usd_m" in header:
        rows, notes = _press_rows(path, header, options)
    else:
        _require(header, _FIGURE_COLUMNS, "figures")
        rows, notes = _figure_rows(path, options)
    insert_rows(con, rows)
    return Staging(
        {"year": "period", "exporter": "reporter / partner", "importer": "reporter / partner",
         "reported_by": "reporter", "value": "value", "period_kind": "period"},
        notes,
    )  # fmt: skip


def _figure_rows(path: Path, options: Options) -> tuple[list[StagedRow], list[str]]:
    rows: list[StagedRow] = []
    for number, record in _text_rows(path):
        year, kind = period_parts(record["period"])
        reporter = _country(record["reporter"])
        partner = _country(record["partner"])
        flow = record["flow"].lower()
        exporter, importer = (partner, reporter) if flow == "import" else (reporter, partner)
        unit = record["unit"].lower()
        scale = _UNITS.get(unit, -1.0)  # -1 marks an unknown unit; the checks report it
        source = record["source"] or options.source
        rows.append(
            (number, year or record["period"], record["period"], kind if year else "?",
             "turnover" if flow == "turnover" else flow if flow not in ("export", "import") else "trade",
             exporter, importer, reporter, "", record["value"], scale, "",
             source, record["source_url"] or options.source_url)
        )  # fmt: skip
    return rows, []


def _press_rows(
    path: Path, header: list[str], options: Options
) -> tuple[list[StagedRow], list[str]]:
    pair = next(
        (
            m.groups()
            for name in header
            if (m := re.fullmatch(r"([a-z]{2})_exports_to_([a-z]{2})_usd_m", name))
        ),
        None,
    )
    if pair is None:
        raise FormatError(_("not a figures file: no column named <a>_exports_to_<b>_usd_m"))
    _require(header, ["period"], "figures")
    try:
        a, b = (codes.alpha3_of(code) for code in pair)
    except ValueError as error:
        raise FormatError(_("not a figures file: %(error)s") % {"error": error}) from None
    columns = {
        "turnover_usd_m": ("turnover", a, b),
        f"{pair[0]}_exports_to_{pair[1]}_usd_m": ("trade", a, b),
        f"{pair[0]}_imports_from_{pair[1]}_usd_m": ("trade", b, a),
    }
    rows: list[StagedRow] = []
    empty = 0
    for number, record in _text_rows(path):
        year, kind = period_parts(record.get("period", ""))
        kind = _PRESS_KINDS.get(record.get("period_type", ""), kind) if year else "?"
        if record.get("period_type") == "fiscal_year_pk":
            kind = "fiscal"
        side = record.get("statistics_side", "")
        reporter = next(
            (c for c in (a, b) if side.lower().startswith(codes.display_name(c).lower()[:6])), ""
        )
        source = ", ".join(
            p for p in (record.get("source_publisher"), record.get("source_date"), side) if p
        )
        values = [(column, record.get(column, "")) for column in columns]
        if not any(value for _, value in values):
            empty += 1
            continue
        for column, value in values:
            if value:
                flow, exporter, importer = columns[column]
                rows.append(
                    (number, year or record.get("period", ""), record.get("period", ""), kind, flow,
                     exporter, importer, reporter, "", value, 1e6, "",
                     source or options.source, record.get("source_url", "") or options.source_url)
                )  # fmt: skip
    notes = [f"{empty} row(s) without a figure (statements of a range) left out"] if empty else []
    return rows, notes


def _country(text: str) -> str:
    if not text:
        return ""
    return codes.resolve(text) or codes.resolve_name(text) or text


STAGERS = {
    "baci": stage_baci,
    "comtrade": stage_comtrade,
    "wits-matrix": stage_wits_matrix,
    "wits-summary": stage_wits_summary,
    "figures": stage_figures,
}
FORMATS = tuple(STAGERS)
