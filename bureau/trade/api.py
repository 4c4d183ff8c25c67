"""Trade statistics in the REST API: progress against the target, mirror figures, potential."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bureau.trade import reports, selectors, store
from bureau.trade.schemas import ProgressOut, SourceOut, progress_out, source_out

router = Router(tags=["trade"])


class ProgressQuery(Schema):
    target_year: int | None = Field(None, ge=2000, le=2100)


@router.get("/trade/progress", response=ProgressOut, auth=None, summary="Progress to the target")
def trade_progress(request: HttpRequest, params: Query[ProgressQuery]) -> ProgressOut:
    """Bilateral trade against the target: the latest value, the growth it needs, the trend.
    ``bureau trade progress --json`` prints the same document."""
    return progress_out(selectors.tracker(params.target_year), reports.target_source())


class FigureOut(Schema):
    year: int
    series: str = Field(description="Direction and reporter, e.g. ab_by_a; see 'series_labels'.")
    period: str
    period_kind: str
    value_usd: float
    reported_by: str = Field(description="ISO alpha-3 of the reporting side; '' if reconciled.")
    derived: bool = Field(
        description="A turnover summed from one report's exports and imports (none published)."
    )
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
                "derived": f.derived,
                "source": source_out(f),
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
