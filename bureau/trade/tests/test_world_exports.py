"""Exports to the world by product (``world-exports``): the real extract of CEPII BACI, the
layouts such files come in, and the row report for a bad one."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bureau.core.errors import ValidationFailed
from bureau.trade import selectors, store
from bureau.trade.importing import import_file

EXPORTS = "aze-pak-product-exports/baci_hs92_hs2_exports_aze_pak_2011_2020.csv"


def test_the_real_extract_imports_as_exports_to_the_world_by_chapter(shared_data: Path):
    path = shared_data / EXPORTS
    with open(path, newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    result = import_file(path, format="world-exports")
    assert result.errors == [] and result.rows == len(records)
    (dataset,) = store.datasets()
    assert (dataset.years, dataset.product_level, dataset.world_only) == ("2011-2020", 2, True)
    assert dataset.reporters == []  # BACI reconciles both sides' reports: nobody's own figures
    first = records[0]  # 2011, Azerbaijan, chapter 01, in million US$
    found = store.query(
        "SELECT importer, value_usd, quantity FROM flows WHERE year = 2011 AND exporter = 'AZE' "
        "AND product = '01'"
    )
    assert found == [("WLD", pytest.approx(float(first["value_musd"]) * 1e6),
                      pytest.approx(float(first["quantity_tonnes"])))]  # fmt: skip
    pak = selectors.world_exports("PAK")
    assert pak is not None and pak.values["52"][2019] > 0  # cotton


def test_other_spellings_of_the_columns_and_codes_that_lost_their_zero(tmp_path: Path):
    path = tmp_path / "exports.csv"
    path.write_text("t,exporter_iso3n,hs4,value_kusd\n2020,586,1006,2100000.5\n2020,31,101,12\n")
    assert import_file(path, format="world-exports").errors == []
    found = dict(store.query("SELECT product, value_usd FROM flows ORDER BY product"))
    assert found == {"0101": pytest.approx(12_000.0), "1006": pytest.approx(2_100_000_500.0)}
    exports = selectors.world_exports("PAK")
    assert exports is not None and exports.values == {"10": {2020: pytest.approx(2_100_000_500)}}


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_stored(tmp_path: Path):
    path = tmp_path / "exports.csv"
    path.write_text(
        "year,exporter_iso3,hs2,value_musd\n2019,AZE,27,17859\n2019,XXX,27,1\n20x9,PAK,10,2\n"
        "2019,PAK,1O,2\n2019,PAK,52,-3\n"
    )
    result = import_file(path, format="world-exports")
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "exporter_iso3"), (4, "year"), (5, "hs2"), (6, "value_musd"),
    ]  # fmt: skip
    assert store.datasets() == []


def test_a_file_without_the_columns_names_what_is_missing(tmp_path: Path):
    path = tmp_path / "exports.csv"
    path.write_text("year,country,value\n2019,AZE,1\n")
    with pytest.raises(ValidationFailed) as refused:
        import_file(path, format="world-exports")
    assert refused.value.errors[0].field == "file"
    assert "no exporter column (exporter_iso3, exporter, exporter_iso3n)" in refused.value.message
