"""What the trade API answers, and the one progress document the API and ``bureau trade
progress --json`` both give (so a script reads the same fields from either)."""

from __future__ import annotations

from ninja import Field, Schema

from bureau.trade.reports import TargetSource
from bureau.trade.selectors import Figure, Tracker


class SourceOut(Schema):
    source: str
    source_url: str
    dataset: str


class TargetSourceOut(Schema):
    title: str = Field(description="The published agreement item that records the target.")
    item_url: str = Field(description="Path of that item on this node.")
    source: str = Field(description="Where the target was announced, as the item cites it.")
    source_url: str


class YearOut(Schema):
    year: int
    value_usd: float
    gap_usd: float = Field(description="Target minus the recorded value.")
    share_of_target: float
    trend_usd: float | None = Field(description="The log-linear trend's value for the year.")
    derived: bool = Field(description="True when the turnover is exports plus imports.")
    source: SourceOut


class TrendOut(Schema):
    annual_growth: float = Field(description="Growth a year of the fitted trend, 0.12 = 12 %.")
    reaches_target_in: int | None = Field(
        description="First whole year whose trend value reaches the target; null if never."
    )
    years_fitted: int


class ProgressOut(Schema):
    country_pair: list[str] = Field(description="ISO alpha-3 codes of the two countries.")
    target_usd: float
    target_year: int
    target_source: TargetSourceOut | None = Field(
        description="The agreement item that records the target, when one is published here."
    )
    latest_year: int | None
    latest_usd: float | None
    latest_source: SourceOut | None
    required_annual_growth: float | None = Field(
        description="Compound growth a year from the latest value to the target, 0.85 = 85 %."
    )
    trend: TrendOut | None = Field(description="Null with fewer than two recorded years.")
    on_track: bool = Field(description="True when the trend reaches the target by its year.")
    years: list[YearOut]


def source_out(figure: Figure) -> SourceOut:
    return SourceOut(source=figure.source, source_url=figure.source_url, dataset=figure.dataset)


def progress_out(tracker: Tracker, target: TargetSource | None) -> ProgressOut:
    """The tracker as the API and the command give it."""
    result = tracker.progress
    trend = result.trend
    figures = {year: figure for year, _, figure in tracker.headline}
    latest = figures.get(result.latest_year) if result.latest_year is not None else None
    return ProgressOut(
        country_pair=[tracker.pair.a, tracker.pair.b],
        target_usd=result.target,
        target_year=result.target_year,
        target_source=TargetSourceOut(**vars(target)) if target else None,
        latest_year=result.latest_year,
        latest_usd=result.latest,
        latest_source=source_out(latest) if latest else None,
        required_annual_growth=result.required_growth,
        trend=None
        if trend is None
        else TrendOut(
            annual_growth=trend.annual_growth,
            reaches_target_in=result.trend_reach_year,
            years_fitted=trend.points,
        ),
        on_track=result.trend_reaches_in_time,
        years=[
            YearOut(
                year=gap.year,
                value_usd=gap.actual,
                gap_usd=gap.gap,
                share_of_target=gap.share_of_target,
                trend_usd=gap.trend,
                derived=figures[gap.year].derived,
                source=source_out(figures[gap.year]),
            )
            for gap in result.years
        ],
    )
