"""The demo's trade statistics: published figures, each with its source, loaded idempotently."""

from __future__ import annotations

from pathlib import Path

import pytest

from bureau.trade import demo as trade
from bureau.trade import selectors, store
from bureau.trade.importing.formats import WITS_URL


def test_demo_figures_give_the_tracker_cited_real_numbers(settings):
    settings.BUREAU_DEMO_DATA = ""
    (figures,) = trade.load_trade()
    assert not figures.errors and figures.rows == len(trade.FIGURES)
    tracker = selectors.tracker(target_year=2030)
    assert [(year, round(value)) for year, value, _ in tracker.headline] == [
        (2009, 5_121_772),  # Azerbaijan's report to UN Comtrade: 94.096 + 5,027.676 thousand
        (2020, 13_200_000),
        (2021, 11_700_000),
        (2022, 28_100_000),
        (2023, 27_000_000),
    ]
    assert all(
        figure.source and figure.source_url.startswith("https://")
        for *_, figure in tracker.headline
    )
    # The WITS figures link to the page that shows them, not to the site's home page.
    assert tracker.headline[0][2].source_url == (
        "https://wits.worldbank.org/CountryProfile/en/Country/AZE/Year/2009/TradeFlow/EXPIMP"
        "/Partner/PAK/Product/all-groups"
    )
    assert all(row[7] != WITS_URL for row in trade.FIGURES)
    mirror = selectors.bilateral().years[0].cells
    assert mirror["ba_by_b"][0].value == pytest.approx(5_475_697)  # Pakistan's side of 2009


def test_loading_again_changes_nothing(settings):
    settings.BUREAU_DEMO_DATA = ""
    first = trade.load_trade()
    again = trade.load_trade()
    assert first[0].dataset is not None and again[0].unchanged
    assert [d.id for d in store.datasets()] == [first[0].dataset.id]


def test_with_the_public_data_the_demo_adds_the_summaries_and_the_exports_by_chapter(
    shared_data: Path,
):
    loaded = trade.load_trade(shared_data)
    assert [d.file_name for d in store.datasets()][1:] == [
        "en_AZE_AllYears_WITS_Trade_Summary.CSV",
        "en_PAK_AllYears_WITS_Trade_Summary.CSV",
        "baci_hs92_hs2_exports_aze_pak_2011_2020.csv",
    ]
    assert all(not result.errors for result in loaded)
    groups, year, _source = selectors.product_groups("PAK")
    assert year == 2019 and groups[0].label == "Textiles and Clothing"
    assert groups[0].value == pytest.approx(13_656.05e6)

    # The checks of the data set's SOURCE.md, read back through the monitor's selector.
    aze, pak = selectors.world_exports("AZE"), selectors.world_exports("PAK")
    assert aze is not None and pak is not None
    assert aze.years == pak.years == list(range(2011, 2021))
    assert aze.ranked()[0] == "27"
    assert aze.values["27"][2019] == pytest.approx(17_859e6, rel=1e-3)
    assert aze.total(2019) == pytest.approx(19_819e6, rel=1e-3)
    assert pak.values["10"][2019] == pytest.approx(2_513e6, rel=1e-3)
    assert pak.total(2019) == pytest.approx(28_980e6, rel=1e-3)
    assert aze.dataset.source == trade.EXPORTS_SOURCE and aze.dataset.world_only
    # Exports to the world alone do not make a potential ranking or a bilateral composition.
    assert selectors.product_dataset() is None
