"""Trade statistics in the REST API: progress against the target, mirror figures, potential."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bureau.trade import selectors, store
from bureau.trade.selectors import Figure

router = Router(tags=["trade"])


class SourceOut(Schema):
    source: str
    source_url: str
    dataset: str


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
    reaches_target_in: float | None = Field(description="Year the trend reaches the target.")
    years_fitted: int


class ProgressOut(Schema):
    country_pair: list[str]
    target_usd: float
    target_year: int
    latest_year: int | None
    latest_usd: float | None
    required_annual_growth: float | None = Field(
        description="Compound growth a year from the latest value to the target, 0.85 = 85 %."
    )
    trend: TrendOut | None
    on_track: bool
    years: list[YearOut]


class ProgressQuery(Schema):
    target_year: int | None = Field(None, ge=2000, le=2100)


def _source(figure: Figure) -> dict[str, str]:
    return {"source": figure.source, "source_url": figure.source_url, "dataset": figure.dataset}


@router.get("/trade/progress", response=ProgressOut, auth=None, summary="Progress to the target")
def trade_progress(request: HttpRequest, params: Query[ProgressQuery]) -> dict[str, Any]:
    """Bilateral trade against the target: the latest value, the growth it needs, the trend."""
    tracker = selectors.tracker(params.target_year)
    result = tracker.progress
    trend = result.trend
    return {
        "country_pair": [tracker.pair.a, tracker.pair.b],
        "target_usd": result.target,
        "target_year": result.target_year,
        "latest_year": result.latest_year,
        "latest_usd": result.latest,
        "required_annual_growth": result.required_growth,
        "trend": trend
        and {
            "annual_growth": trend.annual_growth,
            "reaches_target_in": result.trend_year,
            "years_fitted": trend.points,
        },
        "on_track": result.trend_reaches_in_time,
        "years": [
            {
                "year": gap.year,
                "value_usd": gap.actual,
                "gap_usd": gap.gap,
                "share_of_target": gap.share_of_target,
                "trend_usd": gap.trend,
                "derived": figure.derived,
                "source": _source(figure),
            }
            for gap, (_, _, figure) in zip(result.years, tracker.headline, strict=True)
        ],
    }


class FigureOut(Schema):
    year: int
    series: str = Field(description="Direction and reporter, e.g. ab_by_a; see 'series_labels'.")
    period: str
    period_kind: str
    value_usd: float
    reported_by: str = Field(description="ISO alpha-3 of the reporting side; '' if reconciled.")
    source: SourceOut


class BilateralOut(Schema):
    country_pair: list[str]
    series_labels: dict[str, str]
    figures: list[FigureOut]


@router.get("/trade/bilateral", response=BilateralOut, auth=None, summary="Mirror statistics")
def trade_bilateral(request: HttpRequest) -> dict[str, Any]:
    """Every figure of trade between the pair, by year, direction and reporting side."""
    table = selectors.bilateral()
    return {
        "country_pair": [table.pair.a, table.pair.b],
        "series_labels": dict(selectors.mirror_columns(table.pair)),
        "figures": [
            {
                "year": f.year,
                "series": key,
                "period": f.period,
                "period_kind": f.period_kind,
                "value_usd": f.value,
                "reported_by": f.reported_by,
                "source": _source(f),
            }
            for key, f in sorted(table.figures(), key=lambda t: (t[1].year, t[0]))
        ],
    }


class PotentialQuery(Schema):
    direction: Literal["ab", "ba"] = Field(
        "ab", description="ab: first country of the pair exports."
    )
    year: int | None = Field(None, ge=1900, le=2100)
    limit: int = Field(50, ge=1, le=1000)


class PotentialRowOut(Schema):
    hs_code: str
    description: str
    exports_to_world_usd: float
    partner_imports_from_world_usd: float
    world_market_share: float | None
    potential_usd: float
    actual_usd: float
    untapped_usd: float


class PotentialOut(Schema):
    exporter: str
    importer: str
    year: int | None
    method: str = Field(description="'market share' or 'indicative' (docs/trade-potential.md).")
    total_untapped_usd: float
    products: list[PotentialRowOut]


@router.get("/trade/potential", response=PotentialOut, auth=None, summary="Untapped potential")
def trade_potential(request: HttpRequest, params: Query[PotentialQuery]) -> dict[str, Any]:
    """HS products ranked by export potential not yet realised between the pair."""
    exporter, importer = selectors.country_pair().directed(params.direction)
    ranking = selectors.potential(exporter, importer, year=params.year, limit=params.limit)
    return {
        "exporter": exporter,
        "importer": importer,
        "year": ranking.year,
        "method": ranking.method,
        "total_untapped_usd": ranking.total_untapped,
        "products": [
            {
                "hs_code": r.product,
                "description": r.description,
                "exports_to_world_usd": r.supply,
                "partner_imports_from_world_usd": r.demand,
                "world_market_share": r.market_share,
                "potential_usd": r.potential,
                "actual_usd": r.actual,
                "untapped_usd": r.untapped,
            }
            for r in ranking.rows
        ],
    }


class DatasetOut(Schema):
    id: str
    format: str
    file_name: str
    rows: int
    first_year: int | None
    last_year: int | None
    product_level: int
    reporters: list[str]
    source: str
    source_url: str
    imported_at: str


@router.get("/trade/datasets", response=list[DatasetOut], auth=None, summary="Trade datasets")
def trade_datasets(request: HttpRequest) -> list[store.Dataset]:
    """The statistics imported on this node, with their sources."""
    return store.datasets()
