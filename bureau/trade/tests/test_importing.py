"""The trade importers: real WITS and press files, small BACI and Comtrade files, bad files,
editions, removal and what a crashed import leaves behind."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from bureau.core.errors import NotFound, ValidationFailed
from bureau.trade import store
from bureau.trade.importing import Options, TradeImport, import_file, remove_dataset
from bureau.trade.importing.formats import WITS_URL
from bureau.trade.importing.run import MANY_SOURCES

MATRIX = "wits-trade-matrix-2009"
SUMMARY = "wits-trade-summary"
PRESS = "aze-pak-trade-press-figures/aze_pak_trade_press_figures.csv"
FIGURES_HEADER = "period,reporter,partner,flow,value,unit,source,source_url\n"
ONE_FIGURE = FIGURES_HEADER + "2022,AZE,PAK,export,7.6,USD million,,\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return store.query(sql, list(params))


def one(sql: str, *params: Any) -> Any:
    found = rows(sql, *params)
    assert len(found) == 1, found
    return found[0][0] if len(found[0]) == 1 else found[0]


def stored(trade_dir: Path) -> list[str]:
    """The files an import left in the store (the lock file aside)."""
    if not trade_dir.exists():
        return []
    return sorted(
        str(p.relative_to(trade_dir)) for p in trade_dir.rglob("*") if p.is_file()
        if p.name != ".lock"
    )  # fmt: skip


def problems(result: TradeImport) -> list[tuple[int, str]]:
    return [(error.row, error.field) for error in result.errors]


def read_semicolons(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="latin-1")), delimiter=";"))


# --- the real files --------------------------------------------------------------------------


def test_wits_matrix_keeps_each_reporters_figures_in_thousand_usd(shared_data):
    path = shared_data / MATRIX / "WITS_trade2009.csv"
    lines = read_semicolons(path)
    options = Options(source="WITS 2009 extraction", source_url="https://example.org/wits")
    result = import_file(path, format="wits-matrix", options=options)
    assert result.errors == [] and result.rows == len(lines)
    assert one("SELECT count(*) FROM flows") == len(lines)
    assert one("SELECT count(*) FROM flows WHERE source = ? AND source_url = ?",
               options.source, options.source_url) == len(lines)  # fmt: skip
    pair = rows(
        "SELECT reported_by, exporter, importer, value_usd FROM flows WHERE year = 2009 AND "
        "exporter IN ('AZE', 'PAK') AND importer IN ('AZE', 'PAK') ORDER BY reported_by, exporter"
    )
    assert pair == [
        ("AZE", "AZE", "PAK", pytest.approx(94_096)),
        ("AZE", "PAK", "AZE", pytest.approx(5_027_676)),
        ("PAK", "AZE", "PAK", pytest.approx(27_522)),
        ("PAK", "PAK", "AZE", pytest.approx(5_475_697)),
    ]
    world = "SELECT value_usd FROM flows WHERE exporter = ? AND importer = 'WLD' AND product = ''"
    assert one(world, "AZE") == pytest.approx(13_188_699_150)
    assert one(world, "PAK") == pytest.approx(16_545_287_072)
    assert result.dataset is not None and "AZE" in result.dataset.reporters


@pytest.mark.parametrize(("legacy", "iso"), [("ROM", "ROU"), ("MNT", "MNE"), ("OAS", "TWN")])
def test_wits_matrix_legacy_codes_become_current_ones(shared_data, legacy, iso):
    path = shared_data / MATRIX / "WITS_trade2009.csv"
    reported = sum(1 for line in read_semicolons(path) if line["ReporterISO3"] == legacy)
    assert reported > 0
    import_file(path, format="wits-matrix")
    assert one("SELECT count(*) FROM flows WHERE reported_by = ?", iso) == reported
    codes = "SELECT count(*) FROM flows WHERE ? IN (exporter, importer, reported_by)"
    assert one(codes, legacy) == 0


def test_wits_harmonized_flows_take_their_year_from_the_file_name(shared_data):
    path = shared_data / MATRIX / "WITS_Trade2009_harmonized_flows.csv"
    lines = read_semicolons(path)
    result = import_file(path, format="wits-matrix")
    assert result.errors == [] and result.rows == len(lines)
    flows = "SELECT value_usd FROM flows WHERE exporter = ? AND importer = ? AND year = 2009"
    assert one(flows, "PAK", "AZE") == pytest.approx(5_027_676)
    assert one(flows, "AZE", "PAK") == pytest.approx(27_522)
    # Reconciled flows are nobody's own statistics.
    assert one("SELECT list(DISTINCT reported_by) FROM flows") == [""]
    assert one("SELECT count(*) FROM flows WHERE source_url = ?", WITS_URL) == len(lines)


def summary_cells(path: Path, indicators: set[str]) -> int:
    text = path.read_bytes().decode("latin-1")
    years = [name for name in text.splitlines()[0].split(",") if name.isdigit()]
    records = csv.DictReader(io.StringIO(text))
    return sum(
        1 for record in records if record["Indicator"] in indicators
        for year in years if (record[year] or "").strip()
    )  # fmt: skip


FLOW_INDICATORS = {
    "Exports (in US$ Mil)",
    "Imports (in US$ Mil)",
    "Export(US$ Mil)",
    "Import(US$ Mil)",
    "Trade (US$ Mil)-Top 5 Export Partner",
    "Trade (US$ Mil)-Top 5 Import Partner",
}


def test_wits_summary_stores_flows_in_usd_with_groups_and_partners(shared_data):
    aze = shared_data / SUMMARY / "en_AZE_AllYears_WITS_Trade_Summary.CSV"
    pak = shared_data / SUMMARY / "en_PAK_AllYears_WITS_Trade_Summary.CSV"
    first, second = import_file(aze, format="wits-summary"), import_file(pak, format="wits-summary")
    assert first.rows == summary_cells(aze, FLOW_INDICATORS) and first.errors == []
    assert second.rows == summary_cells(pak, FLOW_INDICATORS) and second.errors == []
    flow = (
        "SELECT value_usd FROM flows WHERE year = ? AND exporter = ? AND importer = ? "
        "AND reported_by = ? AND product = ?"
    )
    assert one(flow, 2019, "AZE", "WLD", "AZE", "") == pytest.approx(19_635.20e6)
    assert one(flow, 2018, "AZE", "WLD", "AZE", "") == pytest.approx(19_489.07e6)
    assert one(flow, 2019, "WLD", "AZE", "AZE", "") == pytest.approx(13_649.51e6)
    assert one(flow, 2019, "AZE", "WLD", "AZE", "WITS:Fuels") == pytest.approx(17_800.17e6)
    assert one(flow, 2019, "PAK", "WLD", "PAK", "") == pytest.approx(23_748.68e6)
    assert one(flow, 2019, "PAK", "WLD", "PAK", "WITS:Textiles and Clothing") == pytest.approx(
        13_656.05e6
    )
    # Top partners are named as WITS names them: "China", "Hong Kong, China".
    assert one(flow, 2019, "CHN", "AZE", "AZE", "") == pytest.approx(1_432.15e6)
    assert one("SELECT count(*) FROM flows WHERE importer = 'HKG' AND reported_by = 'AZE'") == 1
    assert one("SELECT count(*) FROM flows WHERE source = ?",
               f"World Bank WITS trade summary ({aze.name})") == first.rows  # fmt: skip
    # Each figure links to the WITS summary of its economy and year, not the site's home page.
    assert (
        one("SELECT DISTINCT source_url FROM flows WHERE year = 2019 AND reported_by = 'AZE'")
        == "https://wits.worldbank.org/CountryProfile/en/Country/AZE/Year/2019/Summary"
    )


def test_every_wits_summary_file_imports_under_its_own_economy(shared_data):
    for path in sorted((shared_data / SUMMARY).glob("*.CSV")):
        result = import_file(path, format="wits-summary")
        assert result.errors == [], (path.name, result.errors[:3])
        assert result.dataset is not None
        assert result.dataset.reporters == [path.name.split("_")[1]]


def test_press_figures_keep_each_rows_period_side_and_source(shared_data):
    path = shared_data / PRESS
    records = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    value_columns = ("turnover_usd_m", "az_exports_to_pk_usd_m", "az_imports_from_pk_usd_m")
    figures = sum(1 for record in records for column in value_columns if record[column])
    result = import_file(path, format="figures")
    assert result.errors == [] and result.rows == figures
    assert result.notes == ["1 row(s) without a figure (statements of a range) left out"]
    # Each figure names its own source; the dataset does not pick one of them.
    assert result.dataset is not None and result.dataset.source == MANY_SOURCES
    year_2022 = rows(
        "SELECT flow, exporter, importer, reported_by, value_usd, period_kind FROM flows "
        "WHERE period = '2022' ORDER BY flow, exporter"
    )
    assert year_2022 == [
        ("trade", "AZE", "PAK", "AZE", pytest.approx(7.6e6), "year"),
        ("trade", "PAK", "AZE", "AZE", pytest.approx(20.5e6), "year"),
        ("turnover", "AZE", "PAK", "AZE", pytest.approx(28.1e6), "year"),
    ]
    # Pakistan's figures for January 2009, mapped to exporter and importer.
    assert rows(
        "SELECT exporter, importer, reported_by, value_usd, period_kind FROM flows "
        "WHERE period = '2009-01' ORDER BY exporter"
    ) == [("AZE", "PAK", "PAK", pytest.approx(9_300), "month"),
          ("PAK", "AZE", "PAK", pytest.approx(1.13e6), "month")]  # fmt: skip
    assert one("SELECT year, period_kind FROM flows WHERE period = 'FY2023-24'") == (
        2024,
        "fiscal",
    )
    assert one("SELECT period_kind FROM flows WHERE period = 'c.2018'") == "statement"
    assert one("SELECT year, period_kind FROM flows WHERE period = '2020-01/2020-10' "
               "AND flow = 'turnover'") == (2020, "partial")  # fmt: skip
    urls = {number: record["source_url"] for number, record in enumerate(records, start=2)}
    for line, url, source in rows("SELECT line, source_url, source FROM flows"):
        assert url == urls[line] and source


def test_figures_in_the_simple_layout_read_direction_units_names_and_periods(tmp_path):
    text = FIGURES_HEADER + (
        "2023,AZE,PAK,export,7.6,USD million,State Customs Committee,https://customs.gov.az/\n"
        "2023,Azerbaijan,Pakistan,import,20500,USD thousand,State Customs Committee,"
        "https://customs.gov.az/\n"
        "2024-03,586,031,turnover,2.5,usd million,Pakistan Bureau of Statistics,"
        "https://www.pbs.gov.pk/\n"
        "FY2023-24,PAK,AZE,export,0.006,USD billion,,\n"
    )
    options = Options(source="Press review", source_url="https://example.org/press")
    result = import_file(write(tmp_path, "figures.csv", text), format="figures", options=options)
    assert result.errors == [] and result.rows == 4
    assert rows(
        "SELECT line, year, period_kind, flow, exporter, importer, reported_by, value_usd, "
        "source, source_url FROM flows ORDER BY line"
    ) == [
        (2, 2023, "year", "trade", "AZE", "PAK", "AZE", pytest.approx(7.6e6),
         "State Customs Committee", "https://customs.gov.az/"),
        (3, 2023, "year", "trade", "PAK", "AZE", "AZE", pytest.approx(20.5e6),
         "State Customs Committee", "https://customs.gov.az/"),
        (4, 2024, "month", "turnover", "PAK", "AZE", "PAK", pytest.approx(2.5e6),
         "Pakistan Bureau of Statistics", "https://www.pbs.gov.pk/"),
        (5, 2024, "fiscal", "trade", "PAK", "AZE", "PAK", pytest.approx(6e6),
         "Press review", "https://example.org/press"),
    ]  # fmt: skip


# --- BACI and Comtrade, written in their real layouts ----------------------------------------

BACI = """t,i,j,k,v,q
2022,31,586,100630,1234.567,2345.5
2022,586,31,10121,12.5,NA
2022,842,31,847130,300.25,          NA
2022,699,31,300490,55.125,10.0
2022,251,586,220421,7.5,1.25
"""


def test_baci_values_are_thousand_usd_and_codes_are_baci_codes(tmp_path):
    result = import_file(write(tmp_path, "BACI_HS17_Y2022_V202401.csv", BACI), format="baci")
    assert result.errors == [] and result.rows == 5
    assert rows(
        "SELECT exporter, importer, reported_by, product, value_usd, quantity FROM flows "
        "ORDER BY value_usd"
    ) == [
        ("FRA", "PAK", "", "220421", pytest.approx(7_500), 1.25),
        ("PAK", "AZE", "", "010121", pytest.approx(12_500), None),
        ("IND", "AZE", "", "300490", pytest.approx(55_125), 10.0),
        ("USA", "AZE", "", "847130", pytest.approx(300_250), None),
        ("AZE", "PAK", "", "100630", pytest.approx(1_234_567), 2345.5),
    ]
    dataset = result.dataset
    assert dataset is not None
    assert (dataset.product_level, dataset.has_totals, dataset.reporters) == (6, False, [])
    assert dataset.source == "CEPII BACI (BACI_HS17_Y2022_V202401.csv)"


COMTRADE_PLUS = [
    "freqCode", "refYear", "period", "reporterCode", "reporterISO", "flowCode", "partnerCode",
    "partnerISO", "partner2Code", "cmdCode", "customsCode", "mosCode", "motCode", "qtyUnitCode",
    "qty", "netWgt", "cifvalue", "fobvalue", "primaryValue", "isAggregate",
]  # fmt: skip


def comtrade_plus(*changes: dict[str, str]) -> str:
    """A Comtrade+ bulk file: AZE's imports from PAK by default, each row with its changes."""
    base = {"freqCode": "A", "refYear": "2022", "period": "2022", "reporterCode": "31",
            "reporterISO": "AZE", "flowCode": "M", "partnerCode": "586", "partnerISO": "PAK",
            "partner2Code": "0", "cmdCode": "TOTAL", "customsCode": "C00", "mosCode": "0",
            "motCode": "0", "qtyUnitCode": "-1", "qty": "", "netWgt": "",
            "cifvalue": "", "fobvalue": "", "primaryValue": "", "isAggregate": "True"}  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, COMTRADE_PLUS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**base, **change} for change in changes)
    return out.getvalue()


def test_comtrade_plus_keeps_totals_and_leaves_out_breakdowns_and_re_exports(tmp_path):
    text = comtrade_plus(
        {"primaryValue": "20512345.6"},
        {"flowCode": "X", "primaryValue": "7601234.5"},
        {"partnerCode": "0", "partnerISO": "W00", "primaryValue": "14523456789.1"},
        {"motCode": "2100", "primaryValue": "5000000"},  # by sea: part of the first row
        {"customsCode": "C01", "primaryValue": "400000"},
        {"partner2Code": "364", "primaryValue": "300000"},
        {"mosCode": "3", "primaryValue": "200000"},
        {"flowCode": "RX", "primaryValue": "12345"},
        {"cmdCode": "100630", "qtyUnitCode": "8", "qty": "1500000", "primaryValue": "1800000"},
    )
    result = import_file(write(tmp_path, "comtrade_AZE_2022.csv", text), format="comtrade")
    assert result.errors == [] and result.rows == 4
    assert result.notes == ["1 row(s) of re-exports or re-imports left out"]
    assert rows(
        "SELECT exporter, importer, reported_by, product, value_usd, quantity, period_kind "
        "FROM flows ORDER BY value_usd"
    ) == [
        ("PAK", "AZE", "AZE", "100630", 1_800_000, 1_500_000, "year"),
        ("AZE", "PAK", "AZE", "", 7_601_234.5, None, "year"),
        ("PAK", "AZE", "AZE", "", 20_512_345.6, None, "year"),
        ("WLD", "AZE", "AZE", "", 14_523_456_789.1, None, "year"),
    ]


COMTRADE_LEGACY = (
    '"Classification","Year","Period","Period Desc.","Aggregate Level","Is Leaf Code",'
    '"Trade Flow Code","Trade Flow","Reporter Code","Reporter","Reporter ISO","Partner Code",'
    '"Partner","Partner ISO","Commodity Code","Commodity","Qty Unit Code","Qty Unit","Qty",'
    '"Netweight (kg)","Trade Value (US$)","Flag"\n'
    "H4,2016,201603,March 2016,0,0,1,Import,586,Pakistan,PAK,31,Azerbaijan,AZE,TOTAL,"
    'All Commodities,1,No Quantity,,,"123456",0\n'
    "H4,2016,201603,March 2016,0,0,2,Export,586,Pakistan,PAK,31,Azerbaijan,AZE,TOTAL,"
    'All Commodities,1,No Quantity,,,"987654",0\n'
    "H4,2016,201603,March 2016,6,1,2,Export,586,Pakistan,PAK,31,Azerbaijan,AZE,100630,"
    '"Rice; semi-milled or wholly milled",8,Weight in kilograms,250000,250000,"300000",0\n'
    "H4,2016,201603,March 2016,0,0,2,Export,586,Pakistan,PAK,0,World,WLD,TOTAL,"
    'All Commodities,1,No Quantity,,,"1700000000",0\n'
    "H4,2016,201603,March 2016,0,0,3,Re-Export,586,Pakistan,PAK,31,Azerbaijan,AZE,TOTAL,"
    'All Commodities,1,No Quantity,,,"5000",0\n'
    "H4,2016,201603,March 2016,0,0,4,Re-Import,586,Pakistan,PAK,31,Azerbaijan,AZE,TOTAL,"
    'All Commodities,1,No Quantity,,,"6000",0\n'
)


def test_comtrade_legacy_layout_by_month(tmp_path):
    path = write(tmp_path, "comtrade_legacy.csv", COMTRADE_LEGACY)
    result = import_file(path, format="comtrade")
    assert result.errors == [] and result.rows == 4
    assert result.notes == ["2 row(s) of re-exports or re-imports left out"]
    assert rows(
        "SELECT year, period, period_kind, exporter, importer, reported_by, product, value_usd, "
        "quantity FROM flows ORDER BY value_usd"
    ) == [
        (2016, "201603", "month", "AZE", "PAK", "PAK", "", 123_456, None),
        (2016, "201603", "month", "PAK", "AZE", "PAK", "100630", 300_000, 250_000),
        (2016, "201603", "month", "PAK", "AZE", "PAK", "", 987_654, None),
        (2016, "201603", "month", "PAK", "WLD", "PAK", "", 1_700_000_000, None),
    ]


def test_comtrade_areas_not_elsewhere_specified_are_unspecified_partners(tmp_path):
    text = comtrade_plus(
        {"partnerCode": "899", "primaryValue": "1000"},  # Areas, nes
        {"partnerCode": "837", "primaryValue": "2000"},  # Bunkers
        {"partnerCode": "490", "primaryValue": "3000"},  # Other Asia, nes
    )
    result = import_file(write(tmp_path, "nes.csv", text), format="comtrade")
    assert result.errors == []
    assert rows("SELECT exporter, value_usd FROM flows ORDER BY value_usd") == [
        ("UNS", 1000), ("UNS", 2000), ("TWN", 3000)
    ]  # fmt: skip


# --- bad files: every bad row reported with its row and column, nothing stored ----------------


def test_bad_baci_rows_are_reported_by_row_and_column(tmp_path, trade_dir):
    text = (
        "t,i,j,k,v,q\n"
        "2022,31,586,100630,10.5,1\n"  # row 2: fine
        "2022,999,586,100630,10.5,1\n"  # row 3: no country 999
        "2022,31,586,770100,10.5,1\n"  # row 4: chapter 77 is reserved
        "2022,31,586,1006301,10.5,1\n"  # row 5: seven digits
        "2022,31,586,100630,-10.5,1\n"  # row 6
        "2022,31,586,100630,ten,1\n"  # row 7
        "2022,31,586,100630,nan,1\n"  # row 8: not a figure
        "20x2,31,586,100630,10.5,1\n"  # row 9
        "2009.6,31,586,100630,10.5,1\n"  # row 10: not a year, even rounded
        "2022,31,586,100630,10.5,lots\n"  # row 11
    )
    result = import_file(write(tmp_path, "baci_bad.csv", text), format="baci")
    assert problems(result) == [
        (3, "i"), (4, "k"), (5, "k"), (6, "v"), (7, "v"), (8, "v"), (9, "t"), (10, "t"), (11, "q")
    ]  # fmt: skip
    messages = [error.message for error in result.errors]
    assert messages[0] == "is not a known country code (ISO alpha-3, M49 or BACI) ('999')"
    assert messages[1] == "is not an HS code (2, 4 or 6 digits of an HS chapter) ('770100')"
    assert (messages[3], messages[4]) == ("is negative ('-10.5')", "is not a number ('ten')")
    assert result.error_rows == 9 and result.dataset is None
    assert stored(trade_dir) == [] and store.datasets() == []


def test_bad_figures_name_the_column_the_reader_can_fix(tmp_path, trade_dir):
    text = FIGURES_HEADER + (
        "2022,AZE,PAK,export,7.6,USD million,Customs,https://customs.gov.az/\n"
        "2022-13,AZE,PAK,export,7.6,USD million,Customs,https://customs.gov.az/\n"
        "2022,AZE,PAK,export,7.6,rupees,Customs,https://customs.gov.az/\n"
        "2022,AZE,PAK,barter,7.6,USD million,Customs,https://customs.gov.az/\n"
        "2022,Atlantis,PAK,export,7.6,USD million,Customs,https://customs.gov.az/\n"
        "2022,AZE,PAK,import,-1,USD million,Customs,https://customs.gov.az/\n"
        "2022,AZE,PAK,import,inf,USD million,Customs,https://customs.gov.az/\n"
    )
    result = import_file(write(tmp_path, "figures_bad.csv", text), format="figures")
    assert problems(result) == [
        (3, "period"), (4, "unit"), (5, "flow"), (6, "reporter / partner"),
        (6, "reporter"), (7, "value"), (8, "value"),
    ]  # fmt: skip
    assert result.errors[0].message.endswith("('2022-13')")
    assert result.errors[2].message == "must be export, import or turnover ('barter')"
    assert stored(trade_dir) == []


def test_unknown_partner_names_are_errors_not_guesses(tmp_path):
    text = (
        "Reporter,Partner,Product categories,Indicator Type,Indicator,2019,2018\n"
        'Azerbaijan,"Korea, Rep.",All Products,Export,'
        "Trade (US$ Mil)-Top 5 Export Partner,   10.5,\n"
        "Azerbaijan,Mars,All Products,Export,Trade (US$ Mil)-Top 5 Export Partner,   3.25,\n"
    )
    result = import_file(write(tmp_path, "summary.csv", text), format="wits-summary")
    assert [(e.row, e.field, e.message[-8:]) for e in result.errors] == [
        (3, "Reporter / Partner", "('Mars')")
    ]


def test_wits_matrix_unknown_iso_code(tmp_path, trade_dir):
    header = (
        "Nomenclature;ReporterISO3;ProductCode;ReporterName;PartnerISO3;PartnerName;Year;"
        "TradeFlowName;TradeFlowCode;TradeValue in 1000 USD\n"
    )
    text = header + (
        "NC;AZE; Total;Azerbaijan;PAK;Pakistan;2009;Export;6;94.096\n"
        "NC;AZE; Total;Azerbaijan;XYZ;Nowhere;2009;Import;5;5027.676\n"
    )
    result = import_file(write(tmp_path, "matrix.csv", text), format="wits-matrix")
    assert [(e.row, e.field, e.message[-7:]) for e in result.errors] == [
        (3, "ReporterISO3 / PartnerISO3", "('XYZ')")
    ]
    assert stored(trade_dir) == []


@pytest.mark.parametrize(
    ("format", "text", "named"),
    [
        ("baci", "t,i,j,k,q\n2022,31,586,100630,1\n", "v"),
        ("comtrade", "refYear,reporterCode,flowCode,partnerCode,cmdCode\n", "primaryValue"),
        ("wits-summary", "Reporter,Partner,Indicator\n", "Product categories"),
        ("figures", "period,reporter,partner,flow,value\n", "unit"),
        ("figures", "period,turnover_usd_m,xx_exports_to_pk_usd_m\n", "'xx'"),
        ("wits-matrix", "", "ReporterISO3"),
    ],
)
def test_a_file_in_another_layout_is_refused_as_a_whole(tmp_path, trade_dir, format, text, named):
    path = write(tmp_path, "other.csv", text)
    with pytest.raises(ValidationFailed) as refused:
        import_file(path, format=format)
    [error] = refused.value.errors
    assert error.field == "file" and named in error.message
    assert stored(trade_dir) == []


def test_harmonized_flows_without_a_year_ask_for_the_year(tmp_path, trade_dir):
    path = write(tmp_path, "harmonized_flows.csv", "i;j;Fij\nPAK;AZE;5027.676\nAZE;PAK;27.522\n")
    with pytest.raises(ValidationFailed) as refused:
        import_file(path, format="wits-matrix")
    assert [error.field for error in refused.value.errors] == ["year"]
    assert stored(trade_dir) == []
    result = import_file(path, format="wits-matrix", options=Options(year=2015))
    assert result.errors == []
    assert one("SELECT list(DISTINCT year) FROM flows") == [2015]


def test_unknown_format_and_a_file_without_flows(tmp_path, trade_dir):
    path = write(tmp_path, "empty.csv", FIGURES_HEADER)
    with pytest.raises(ValidationFailed) as refused:
        import_file(path, format="xlsx")
    assert refused.value.errors[0].field == "format"
    result = import_file(path, format="figures")
    assert [str(error) for error in result.errors] == ["file: the file holds no trade flows"]
    assert stored(trade_dir) == []


def test_a_bad_new_edition_leaves_the_earlier_one_in_place(tmp_path):
    path = write(tmp_path, "figures.csv", ONE_FIGURE)
    first = import_file(path, format="figures")
    write(tmp_path, "figures.csv", FIGURES_HEADER + "2023,AZE,PAK,export,7.6,pounds,,\n")
    assert problems(import_file(path, format="figures")) == [(2, "unit")]
    assert [d.id for d in store.datasets()] == [first.dataset and first.dataset.id]
    assert one("SELECT year FROM flows") == 2022


def test_a_trailing_comma_and_quoted_text_are_read_as_written(tmp_path):
    text = FIGURES_HEADER + (
        '2022,Azerbaijan,Pakistan,turnover,28.1,USD million,"Trend; ""customs"" | press",'
        "https://en.trend.az/business/3737039.html,\n"
    )
    result = import_file(write(tmp_path, "figures.csv", text), format="figures")
    assert result.errors == []
    assert one("SELECT flow, exporter, importer, value_usd, source FROM flows") == (
        "turnover", "AZE", "PAK", pytest.approx(28.1e6), 'Trend; "customs" | press'
    )  # fmt: skip


# --- editions, removal, crashes -------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(shared_data, trade_dir):
    path = shared_data / PRESS
    first = import_file(path, format="figures")
    before = rows("SELECT * FROM flows ORDER BY ALL")
    files = stored(trade_dir)
    again = import_file(path, format="figures")
    assert again.unchanged and again.dataset == first.dataset and again.rows == first.rows
    assert [d.id for d in store.datasets()] == [first.dataset and first.dataset.id]
    assert rows("SELECT * FROM flows ORDER BY ALL") == before and stored(trade_dir) == files


def test_a_new_edition_of_a_file_replaces_the_earlier_one(tmp_path, trade_dir):
    path = write(tmp_path, "figures.csv", ONE_FIGURE)
    first = import_file(path, format="figures").dataset
    write(tmp_path, "figures.csv", FIGURES_HEADER + "2023,AZE,PAK,export,9.5,USD million,,\n")
    second = import_file(path, format="figures")
    assert first is not None and second.dataset is not None
    assert second.replaced == first.id and second.dataset.id != first.id
    assert [d.id for d in store.datasets()] == [second.dataset.id]
    assert rows("SELECT year, value_usd FROM flows") == [(2023, pytest.approx(9.5e6))]
    assert stored(trade_dir) == ["datasets/" + second.dataset.id + ".parquet", "manifest.json"]


def test_remove_dataset_drops_its_rows_and_file(shared_data, tmp_path, trade_dir):
    kept = import_file(write(tmp_path, "baci.csv", BACI), format="baci").dataset
    press = import_file(shared_data / PRESS, format="figures").dataset
    assert kept is not None and press is not None
    assert remove_dataset(press.id) == press
    assert [d.id for d in store.datasets()] == [kept.id]
    assert one("SELECT list(DISTINCT dataset) FROM flows") == [kept.id]
    assert not store.dataset_file(press.id).exists()
    with pytest.raises(NotFound):
        remove_dataset(press.id)


def test_files_not_in_the_manifest_are_never_read(tmp_path, trade_dir):
    baci = import_file(write(tmp_path, "baci.csv", BACI), format="baci").dataset
    assert baci is not None
    listed = store.dataset_file(baci.id)
    # What killed imports leave: a half-written file, and a whole one never listed.
    (listed.parent / "0123456789abcdef.parquet.partial").write_bytes(b"PAR1 half written")
    (listed.parent / "fedcba9876543210.parquet").write_bytes(listed.read_bytes())
    press = write(tmp_path, "figures.csv", ONE_FIGURE)
    assert import_file(press, format="figures").errors == []  # the view is built anew
    assert one("SELECT count(*) FROM flows") == 5 + 1
    assert one("SELECT count(*) FROM flows WHERE dataset = ?", baci.id) == 5


def test_a_leftover_of_a_killed_import_of_the_same_file_is_overwritten(tmp_path):
    path = write(tmp_path, "baci.csv", BACI)
    dataset = import_file(path, format="baci").dataset
    assert dataset is not None
    remove_dataset(dataset.id)
    target = store.dataset_file(dataset.id)
    target.with_suffix(".parquet.partial").write_bytes(b"PAR1 half written")
    target.write_bytes(b"not parquet at all")
    again = import_file(path, format="baci")
    assert again.errors == [] and not again.unchanged and again.dataset is not None
    assert again.dataset.id == dataset.id
    assert one("SELECT count(*) FROM flows") == 5


def test_the_same_file_stored_meanwhile_by_another_import_is_kept(tmp_path):
    path = write(tmp_path, "baci.csv", BACI)

    def meanwhile(stage: str) -> None:
        # Another import of the same file finishes between this one's check and its write.
        if stage == "storing":
            import_file(path, format="baci")

    result = import_file(path, format="baci", progress=meanwhile)
    assert result.errors == [] and result.dataset is not None
    assert [d.id for d in store.datasets()] == [result.dataset.id]
    assert store.dataset_file(result.dataset.id).exists()
    assert one("SELECT count(*) FROM flows") == 5
