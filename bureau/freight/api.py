"""Freight in the REST API: routes between two places, the network, carriers' legs."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bureau.accounts.api import _find as find_organisation
from bureau.accounts.auth import authenticated_user
from bureau.core.errors import NotFound
from bureau.freight import planner, present, selectors, services
from bureau.freight.models import CarrierService

router = Router(tags=["freight"])


class RouteQuery(Schema):
    origin: str = Field(
        ..., alias="from", max_length=120, description="A place: UN/LOCODE (PKKHI) or name."
    )
    to: str = Field(..., max_length=120, description="A place: UN/LOCODE (AZBAK) or name.")
    by: Literal["time", "cost", "co2"] = Field("time", description="Rank by this criterion.")
    avoid: list[str] = Field(
        [], description="Countries to avoid (ISO alpha-2), repeated or comma-separated."
    )
    mode: list[str] = Field([], description="Only these modes: sea, rail, road, ferry.")
    max_borders: int | None = Field(
        None, ge=0, le=20, description="At most this many border crossings."
    )
    cargo: Literal["container", "bulk", "break-bulk"] = "container"
    weight_time: float | None = Field(
        None, ge=0, le=100, description="Rank by a weighted sum instead of 'by'."
    )
    weight_cost: float | None = Field(None, ge=0, le=100)
    weight_co2: float | None = Field(None, ge=0, le=100)
    transshipment_hours: float = Field(planner.Penalties.transshipment_hours, ge=0, le=2000)
    border_hours: float = Field(planner.Penalties.border_hours, ge=0, le=2000)
    gauge_hours: float = Field(planner.Penalties.gauge_hours, ge=0, le=2000)

    def request(self) -> selectors.RouteRequest:
        weights = {
            name: value
            for name, value in (
                ("time", self.weight_time),
                ("cost", self.weight_cost),
                ("co2", self.weight_co2),
            )
            if value is not None
        }
        return selectors.RouteRequest(
            origin=self.origin, destination=self.to, by=self.by,
            avoid=[c for v in self.avoid for c in v.split(",")],
            modes=[m for v in self.mode for m in v.split(",")],
            max_borders=self.max_borders, cargo=self.cargo, weights=weights,
            penalties=planner.Penalties(self.transshipment_hours, self.border_hours, self.gauge_hours),
        )  # fmt: skip


class RoutesOut(Schema):
    from_: str = Field(..., alias="from")
    to: str
    from_name: str
    to_name: str
    query: dict[str, Any]
    routes: list[dict[str, Any]] = Field(
        description="Pareto-optimal routes, ranked; each with its legs, figures, sources and carriers."
    )
    reason: str = Field(description="Why there is no route, when there is none.")
    complete: bool = Field(
        description="False if the search stopped at its work limit: the routes are Pareto-optimal, but there may be more."
    )
    emission_factors: list[dict[str, Any]]


@router.get(
    "/routes",
    response=RoutesOut,
    auth=None,
    summary="Freight routes between two places",
    by_alias=True,
)
def routes(request: HttpRequest, params: Query[RouteQuery]) -> dict[str, Any]:
    """Every Pareto-optimal route by time, cost and CO2; a criterion a leg lacks is reported unknown."""
    return present.plan_out(selectors.routes_plan(params.request()))


class PlaceOut(Schema):
    id: str
    name: str
    country: str
    kind: str
    locode: str
    lat: float
    lon: float


@router.get("/freight/places", response=list[PlaceOut], auth=None, summary="Places of the network")
def places(request: HttpRequest, q: str = Query("", max_length=120)) -> list[Any]:
    """Places routes can start or end at, found by name, alias or UN/LOCODE."""
    return selectors.places(selectors.current_network(), q)


@router.get("/freight/network", response=dict[str, Any], auth=None, summary="The network document")
def network_document(request: HttpRequest) -> dict[str, Any]:
    """The current network as a document `bureau freight import` reads back (to correct it)."""
    return selectors.network_document()


class ServiceIn(Schema):
    leg: str = Field("", max_length=60, description="A leg id, as in the routes' legs.")
    corridor: str = Field("", max_length=60, description="Or a corridor: every leg of it.")
    note: str = Field("", max_length=300)


class ServiceOut(Schema):
    id: int
    leg: str
    corridor: str
    note: str


def _service_out(service: CarrierService) -> dict[str, Any]:
    return {
        "id": service.pk,
        "leg": service.leg_id,
        "corridor": service.corridor,
        "note": service.note,
    }


@router.get("/organisations/{slug}/freight-services", response=list[ServiceOut], auth=None,
            summary="Legs a carrier serves")  # fmt: skip
def list_services(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [_service_out(s) for s in selectors.carrier_services(find_organisation(slug))]


@router.post("/organisations/{slug}/freight-services", response={201: ServiceOut},
             summary="Declare a leg or corridor served")  # fmt: skip
def add_service(request: HttpRequest, slug: str, payload: ServiceIn) -> Status[dict[str, Any]]:
    """A carrier's own people (or its chamber's staff) declare a leg or a whole corridor."""
    service = services.carrier_service_add(
        actor=authenticated_user(request), organisation=find_organisation(slug),
        leg_id=payload.leg, corridor=payload.corridor, note=payload.note,
    )  # fmt: skip
    return Status(201, _service_out(service))


@router.delete("/organisations/{slug}/freight-services/{service_id}", response={204: None},
               summary="Withdraw a declaration")  # fmt: skip
def remove_service(request: HttpRequest, slug: str, service_id: int) -> Status[None]:
    organisation = find_organisation(slug)
    service = CarrierService.objects.filter(pk=service_id, organisation=organisation).first()
    if service is None:
        raise NotFound(_("%(slug)s has no declaration %(id)s") % {"slug": slug, "id": service_id})
    services.carrier_service_remove(actor=authenticated_user(request), service=service)
    return Status(204, None)
