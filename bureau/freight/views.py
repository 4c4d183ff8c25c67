"""The planner's pages: thin views over the selectors, the services and the drawings."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bureau.accounts import permissions
from bureau.accounts.models import Organisation
from bureau.catalog.models import Item
from bureau.core.errors import DomainError, ValidationFailed
from bureau.freight import charts, maps, present, selectors, services
from bureau.freight.forms import MoveForm, ServiceForm
from bureau.freight.models import CarrierService


def _plan(request: HttpRequest) -> tuple[MoveForm, selectors.RoutePlan | None]:
    network = selectors.current_network()
    form = MoveForm(network, request.GET or None)
    if not form.is_bound or not form.is_valid():
        return form, None
    try:
        return form, selectors.routes_plan(form.route_request())
    except ValidationFailed as failed:
        for error in failed.errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        return form, None


def _title(plan: selectors.RoutePlan) -> str:
    query = plan.plan.query
    a, b = plan.network.nodes[query.origin].name, plan.network.nodes[query.destination].name
    return _("Routes from %(a)s to %(b)s") % {"a": a, "b": b}


@require_GET
def move(request: HttpRequest) -> HttpResponse:
    form, plan = _plan(request)
    network = plan.network if plan else selectors.current_network()
    routes = plan.routes if plan else []
    context: dict[str, Any] = {
        "form": form,
        "plan": plan,
        "data": present.plan_out(plan) if plan else None,
        "map_svg": maps.route_map(
            network,
            routes,
            title=_("Map: %(title)s") % {"title": _title(plan)}
            if plan
            else _("Map of the corridor network"),
        ),
        "chart_svg": _chart(plan) if plan and plan.routes else "",
        "places": sorted(network.nodes.values(), key=lambda n: n.name),
        "query": request.GET.urlencode(),
        "network": network,
        "version": selectors.current_version(),
    }
    return render(request, "freight/move.html", context, status=422 if form.errors else 200)


def _chart(plan: selectors.RoutePlan) -> str:
    unit = present.cost_unit(plan.plan.query.cargo)
    return charts.pareto_chart(plan.routes, cost_unit=unit, title=_title(plan))


def _planned(request: HttpRequest) -> selectors.RoutePlan:
    _form, plan = _plan(request)
    if plan is None:
        raise Http404(_("Give a valid origin and destination."))
    return plan


@require_GET
def routes_csv(request: HttpRequest) -> HttpResponse:
    plan = _planned(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bureau-routes.csv"'
    writer = csv.writer(response)
    writer.writerow(present.CSV_COLUMNS)
    writer.writerows(present.csv_rows(plan))
    return response


def _svg(request: HttpRequest, body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="bureau-{name}.svg"'
    return response


@require_GET
def map_svg(request: HttpRequest) -> HttpResponse:
    plan = _planned(request)
    return _svg(request, maps.route_map(plan.network, plan.routes, title=_title(plan)), "route-map")


@require_GET
def chart_svg(request: HttpRequest) -> HttpResponse:
    return _svg(request, _chart(_planned(request)), "route-chart")


@require_GET
def plan_lead(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the planner with a trade lead's origin and destination filled in."""
    item = get_object_or_404(Item.objects.select_related("lead", "organisation"), pk=pk)
    lead = getattr(item, "lead", None)
    if lead is None or not permissions.can_view_item(request.user, item):
        raise Http404
    network = selectors.current_network()
    ends = [
        _place(network, lead.origin_place, lead.origin_country),
        _place(network, lead.destination_place, lead.destination_country),
    ]
    return redirect(f"{_url('freight:move')}?{urlencode({'from': ends[0], 'to': ends[1]})}")


def _place(network: Any, place: str, country: str) -> str:
    for text in (place, country):
        if text:
            try:
                return selectors.resolve_place(network, text, "place")
            except ValidationFailed:
                continue
    return place or country


def _url(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


@login_required
@require_GET
def carriers(request: HttpRequest) -> HttpResponse:
    """The carriers whose legs the signed-in person may declare."""
    mine = selectors.carriers_for_user(request.user)
    if len(mine) == 1:
        return redirect(_url("freight:carrier", mine[0].slug))
    return render(request, "freight/carriers.html", {"carriers": mine})


@login_required
@require_http_methods(["GET", "POST"])
def carrier(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug, kind=Organisation.Kind.CARRIER)
    if not permissions.acts_for(request.user, organisation):
        raise Forbidden(
            _("Only the carrier's own people or its chamber's staff can change its legs.")
        )
    network = selectors.current_network()
    form = ServiceForm(network, request.POST or None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            services.carrier_service_add(actor=request.user, organisation=organisation,  # type: ignore[arg-type]
                                         leg_id=form.cleaned_data["leg"], corridor=form.cleaned_data["corridor"],
                                         note=form.cleaned_data["note"])  # fmt: skip
            messages.success(
                request, _("Saved: travellers planning a route see you on those legs.")
            )
            return redirect(_url("freight:carrier", slug))
        except DomainError as refused:
            for error in getattr(refused, "errors", []) or []:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            if not isinstance(refused, ValidationFailed):
                form.add_error(None, refused.message)
    if form.errors:
        status = 422
    declared = [
        (s, network.leg(s.leg_id) if s.leg_id else None)
        for s in selectors.carrier_services(organisation)
    ]
    context = {"organisation": organisation, "form": form, "declared": declared, "network": network}
    return render(request, "freight/carrier.html", context, status=status)


@login_required
@require_POST
def carrier_remove(request: HttpRequest, slug: str, service_id: int) -> HttpResponse:
    service = get_object_or_404(CarrierService, pk=service_id, organisation__slug=slug)
    try:
        services.carrier_service_remove(actor=request.user, service=service)  # type: ignore[arg-type]
    except DomainError as refused:
        raise Forbidden(refused.message) from refused
    messages.success(request, _("Removed."))
    return redirect(_url("freight:carrier", slug))
