"""The trade monitor's reads: mirror table, headline series, composition and potential."""

from __future__ import annotations

from pathlib import Path

import pytest

from bureau.trade import selectors
from bureau.trade.importing import import_file
from bureau.trade.tests.builders import SMALL_WORLD, other_countries, write_baci, write_figures

pytestmark = pytest.mark.usefixtures("trade_dir")


def _baci(tmp_path: Path, flows=SMALL_WORLD, name: str = "baci.csv") -> None:
    result = import_file(write_baci(tmp_path / name, flows), format="baci")
    assert not result.errors, result.errors


def test_bilateral_sums_product_rows_of_a_dataset_without_totals(tmp_path: Path):
    _baci(tmp_path)
    table = selectors.bilateral()
    by_year = {row.year: row for row in table.years}
    assert [f.value for f in by_year[2022].cells["ba_reconciled"]] == [10_000.0]
    assert [f.value for f in by_year[2022].cells["ab_reconciled"]] == [2_000.0]
    assert [f.value for f in by_year[2021].cells["ba_reconciled"]] == [8_000.0]
    assert "ab_by_a" not in by_year[2022].cells  # BACI is nobody's own report


def test_mirror_figures_keep_each_reporter_and_source(tmp_path: Path, shared_data: Path):
    import_file(shared_data / "wits-trade-matrix-2009" / "WITS_trade2009.csv", format="wits-matrix")
    row = selectors.bilateral().years[0]
    assert row.year == 2009
    values = {key: figures[0].value for key, figures in row.cells.items()}
    assert values == {
        "ab_by_a": pytest.approx(94_096.0),
        "ba_by_a": pytest.approx(5_027_676.0),
        "ba_by_b": pytest.approx(5_475_697.0),
        "ab_by_b": pytest.approx(27_522.0),
        # Neither side publishes a turnover: each report's exports plus imports stand for it.
        "turnover_by_a": pytest.approx(94_096.0 + 5_027_676.0),
        "turnover_by_b": pytest.approx(5_475_697.0 + 27_522.0),
    }
    assert row.cells["turnover_by_a"][0].derived and not row.cells["ab_by_a"][0].derived
    # Each figure links to its own page on WITS, not to the site's home page.
    profile = "https://wits.worldbank.org/CountryProfile/en/Country/"
    assert row.cells["ab_by_a"][0].source_url == (
        f"{profile}AZE/Year/2009/TradeFlow/EXPIMP/Partner/PAK/Product/all-groups"
    )
    assert row.cells["ab_by_b"][0].source_url == (
        f"{profile}PAK/Year/2009/TradeFlow/EXPIMP/Partner/AZE/Product/all-groups"
    )


def test_the_headline_of_every_year_is_a_figure_of_the_side_by_side_table(
    tmp_path: Path, shared_data: Path
):
    """The tracker's figure for a year is shown in the mirror table's turnover columns."""
    import_file(shared_data / "wits-trade-matrix-2009" / "WITS_trade2009.csv", format="wits-matrix")
    _baci(tmp_path)
    write_figures(tmp_path / "figures.csv", [("2022", "AZE", "PAK", "turnover", "28.1")])
    import_file(tmp_path / "figures.csv", format="figures")
    table = selectors.bilateral()
    rows = {row.year: row for row in table.years}
    series = selectors.headline_series(table)
    assert [year for year, _, _ in series] == [2009, 2021, 2022]
    for year, value, figure in series:
        shown = [f for key in selectors.TURNOVER_COLUMNS for f in rows[year].cells.get(key, [])]
        assert figure in shown and figure.value == value, year
    assert series[0][2] is rows[2009].cells["turnover_by_a"][0]  # Azerbaijan's own report


def test_headline_prefers_a_published_turnover_of_the_first_country(tmp_path: Path):
    _baci(tmp_path)
    write_figures(tmp_path / "figures.csv", [("2022", "AZE", "PAK", "turnover", "28.1"),
                                             ("2022-01/2022-11", "AZE", "PAK", "turnover", "20")])  # fmt: skip
    import_file(tmp_path / "figures.csv", format="figures")
    series = {
        year: (value, figure)
        for year, value, figure in selectors.headline_series(selectors.bilateral())
    }
    assert series[2022][0] == pytest.approx(28_100_000)
    assert series[2022][1].source_url == "https://example.org/2022"
    # 2021 has only BACI: exports plus imports of the same dataset
    assert series[2021][0] == pytest.approx(8_000) and series[2021][1].derived


def test_part_years_and_statements_are_listed_but_not_in_the_series(tmp_path: Path):
    write_figures(tmp_path / "f.csv", [("2022-01/2022-11", "AZE", "PAK", "turnover", "20"),
                                       ("c.2024", "PAK", "AZE", "turnover", "100")])  # fmt: skip
    import_file(tmp_path / "f.csv", format="figures")
    table = selectors.bilateral()
    assert table.years == []
    assert sorted(f.period_kind for _, f in table.other) == ["partial", "statement"]
    assert selectors.tracker().progress.latest is None


def test_tracker_uses_the_configured_target(tmp_path: Path, settings):
    settings.BUREAU_TRADE_TARGET_USD = 1e9
    write_figures(tmp_path / "f.csv", [("2020", "AZE", "PAK", "turnover", "10"),
                                       ("2022", "AZE", "PAK", "turnover", "40")])  # fmt: skip
    import_file(tmp_path / "f.csv", format="figures")
    result = selectors.tracker(target_year=2025).progress
    assert (result.latest_year, result.latest) == (2022, pytest.approx(40e6))
    assert result.required_growth == pytest.approx((1e9 / 40e6) ** (1 / 3) - 1)
    assert result.trend is not None
    assert result.trend.annual_growth == pytest.approx(1.0)  # doubled each year
    assert result.trend_year == pytest.approx(2022 + 4.643856, abs=1e-4)  # log2(25)
    assert not result.trend_reaches_in_time
    assert [gap.gap for gap in result.years] == [pytest.approx(990e6), pytest.approx(960e6)]


def test_composition_by_section_and_chapter(tmp_path: Path):
    _baci(tmp_path)
    shares, dataset, year = selectors.composition("PAK", "AZE")
    assert year == 2022 and dataset is not None
    assert [(s.code, s.value) for s in shares] == [("II", 10_000.0)]
    chapters, _, _ = selectors.composition("AZE", "WLD", level="chapter")
    assert [(s.code, s.value) for s in chapters] == [("27", 500_000.0), ("01", 2_000.0)]
    assert chapters[0].label.lower().startswith("mineral fuels")


def test_potential_indicative_without_world_coverage(tmp_path: Path):
    _baci(tmp_path)
    ranking = selectors.potential("PAK", "AZE")
    assert ranking.method == "indicative" and ranking.year == 2022
    rows = {r.product: r for r in ranking.rows}
    rice = rows["100630"]
    assert (rice.supply, rice.demand, rice.actual) == (310_000.0, 50_000.0, 10_000.0)
    assert rice.potential == 50_000.0 and rice.untapped == 40_000.0
    assert rows["520100"].untapped == 20_000.0
    assert [r.product for r in ranking.rows] == ["100630", "520100"]  # largest first
    gas = selectors.potential("AZE", "PAK").rows
    assert [(r.product, r.untapped) for r in gas] == [("271111", 200_000.0)]


def test_potential_by_market_share_with_world_coverage(tmp_path: Path):
    others = other_countries(60)  # sixty more rice exporters make the dataset a world
    flows = SMALL_WORLD + [(2022, name, "USA", "100630", 10.0) for name in others]
    result = import_file(write_baci(tmp_path / "world.csv", flows, others), format="baci")
    assert not result.errors
    ranking = selectors.potential("PAK", "AZE")
    assert ranking.method == "market share"
    rice = next(r for r in ranking.rows if r.product == "100630")
    share = 310 / (300 + 10 + 40 + 600)  # Pakistan's share of world rice exports
    assert rice.market_share == pytest.approx(share)
    assert rice.potential == pytest.approx(min(share * 50, 310) * 1000)
    assert rice.untapped == pytest.approx(max(share * 50 - 10, 0) * 1000)


def test_potential_and_composition_are_empty_without_product_data(tmp_path: Path):
    write_figures(tmp_path / "f.csv", [("2022", "AZE", "PAK", "turnover", "28.1")])
    import_file(tmp_path / "f.csv", format="figures")
    assert selectors.potential("PAK", "AZE").rows == []
    assert selectors.composition("PAK", "AZE")[0] == []
