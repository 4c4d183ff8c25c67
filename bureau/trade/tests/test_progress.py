"""Progress against the trade target: required growth and the log-linear trend."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bureau.trade.progress import fit_trend, progress, required_growth


def test_required_growth_is_the_compound_annual_rate_to_the_target():
    # 10 to 80 in three years: doubling each year.
    assert required_growth(10.0, 2022, 80.0, 2025) == pytest.approx(1.0)
    # 16 to 81 in four years: (81 / 16) ** (1/4) = 3/2, so 50 % a year.
    assert required_growth(16e6, 2026, 81e6, 2030) == pytest.approx(0.5)
    assert required_growth(100.0, 2020, 100.0, 2030) == pytest.approx(0.0)
    assert required_growth(100.0, 2020, 50.0, 2021) == pytest.approx(-0.5)


@pytest.mark.parametrize(
    ("latest", "latest_year", "target", "target_year"),
    [
        (10.0, 2030, 80.0, 2030),  # no year left
        (10.0, 2031, 80.0, 2030),
        (0.0, 2022, 80.0, 2030),  # nothing to grow from
        (-5.0, 2022, 80.0, 2030),
        (10.0, 2022, -80.0, 2030),  # no rate reaches a negative target
        (10.0, 2022, 0.0, 2029),
    ],
)
def test_required_growth_is_none_where_no_rate_exists(latest, latest_year, target, target_year):
    assert required_growth(latest, latest_year, target, target_year) is None


def test_a_series_doubling_every_year_has_growth_one_and_reaches_the_target_exactly():
    trend = fit_trend([(2020, 10.0), (2021, 20.0), (2022, 40.0), (2023, 80.0)])
    assert trend is not None and trend.points == 4
    assert trend.slope == pytest.approx(math.log(2))
    assert trend.annual_growth == pytest.approx(1.0)
    assert trend.value_in(2024) == pytest.approx(160.0)
    assert trend.year_reaching(640.0) == pytest.approx(2026.0)
    # 10 * 2 ** (y - 2020) = 100 at y = 2020 + log2(10).
    assert trend.year_reaching(100.0) == pytest.approx(2020 + math.log2(10))
    # A growing line never falls to nothing or below.
    assert (trend.year_reaching(0.0), trend.year_reaching(-1.0)) == (None, None)


def test_the_fit_is_least_squares_on_the_log_of_the_values():
    # ln values 0, 2, 1 at years 0, 1, 2: slope 0.5, intercept 0.5 (by hand).
    trend = fit_trend([(0, 1.0), (1, math.e**2), (2, math.e)])
    assert trend is not None
    assert (trend.slope, trend.intercept) == (pytest.approx(0.5), pytest.approx(0.5))


@pytest.mark.parametrize(
    "series",
    [
        [],
        [(2022, 28.1)],
        [(2022, 28.1), (2022, 30.0)],  # two figures, one year
        [(2021, 0.0), (2022, 28.1)],  # a zero has no logarithm: left out
        [(2021, -3.0), (2022, 28.1), (2023, 0.0)],
    ],
)
def test_no_trend_from_fewer_than_two_years_with_a_value(series):
    assert fit_trend(series) is None


def test_a_falling_series_never_reaches_the_target():
    series = [(2020, 40.0), (2021, 20.0), (2022, 10.0)]
    trend = fit_trend(series)
    assert trend is not None and trend.annual_growth == pytest.approx(-0.5)
    assert trend.year_reaching(100.0) is None
    result = progress(series, target=100.0, target_year=2030)
    assert result.trend_year is None and not result.trend_reaches_in_time
    assert result.required_growth == pytest.approx((100.0 / 10.0) ** (1 / 8) - 1)


def test_progress_puts_the_pieces_together():
    series = [(2023, 80.0), (2020, 10.0), (2022, 40.0), (2021, 20.0)]  # any order
    result = progress(series, target=640.0, target_year=2027)
    assert (result.latest_year, result.latest) == (2023, 80.0)
    assert result.required_growth == pytest.approx(8 ** (1 / 4) - 1)
    assert result.trend_year == pytest.approx(2026.0) and result.trend_reaches_in_time
    assert [(y.year, y.actual, y.gap) for y in result.years] == [
        (2020, 10.0, 630.0), (2021, 20.0, 620.0), (2022, 40.0, 600.0), (2023, 80.0, 560.0)
    ]  # fmt: skip
    assert result.years[-1].share_of_target == pytest.approx(0.125)
    assert [y.trend for y in result.years] == pytest.approx([10.0, 20.0, 40.0, 80.0])
    path = result.required_path()
    assert [year for year, _ in path] == [2023, 2024, 2025, 2026, 2027]
    assert path[0][1] == pytest.approx(80.0) and path[-1][1] == pytest.approx(640.0)


def test_too_late_a_trend_is_not_in_time():
    result = progress([(2020, 10.0), (2021, 20.0)], target=640.0, target_year=2025)
    assert result.trend_year == pytest.approx(2026.0) and not result.trend_reaches_in_time


def test_progress_without_figures():
    result = progress([], target=2e9, target_year=2030)
    assert (result.latest, result.required_growth, result.trend, result.years) == (
        None, None, None, []
    )  # fmt: skip
    assert result.required_path() == [] and not result.trend_reaches_in_time


@given(
    start=st.floats(min_value=1e3, max_value=1e10),
    growth=st.floats(min_value=-0.9, max_value=3.0),
    first_year=st.integers(min_value=1990, max_value=2020),
    years=st.integers(min_value=2, max_value=15),
)
def test_exact_growth_is_recovered(start, growth, first_year, years):
    series = [(first_year + k, start * (1 + growth) ** k) for k in range(years)]
    trend = fit_trend(series)
    assert trend is not None
    assert trend.annual_growth == pytest.approx(growth, abs=1e-9)
    assert trend.value_in(first_year) == pytest.approx(start, rel=1e-6)
    if growth > 1e-6:
        # The target the series holds three years after its first: reached then.
        target = start * (1 + growth) ** 3
        assert trend.year_reaching(target) == pytest.approx(first_year + 3, abs=1e-6)
    last_year, last = series[-1]
    grown = required_growth(last, last_year, last * (1 + growth) ** 5, last_year + 5)
    assert grown == pytest.approx(growth, abs=1e-9)
