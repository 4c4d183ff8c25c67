"""Reads of the freight app: the current network, places, routes with their carriers."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from bureau.accounts.models import Organisation
from bureau.core.errors import FieldError, ValidationFailed
from bureau.freight import network as net
from bureau.freight import planner
from bureau.freight.models import CarrierService, NetworkVersion

SHIPPED = Path(__file__).resolve().parent / "data" / "network.json"
_lock = threading.Lock()
_cache: dict[str, Any] = {}
_CODE_IN_PARENS = re.compile(r"\(([A-Z0-9-]{3,40})\)\s*$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def shipped_document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return data


def current_version() -> NetworkVersion | None:
    return NetworkVersion.objects.defer("document").first()


def network_document() -> dict[str, Any]:
    """The document of the current network: the newest import, else the shipped file."""
    version = NetworkVersion.objects.first()
    return version.document if version else shipped_document()


def current_network() -> net.Network:
    """The parsed current network, kept per process until another version is imported."""
    key = NetworkVersion.objects.values_list("id", flat=True).first() or 0
    with _lock:
        if _cache.get("key") != key:
            _cache["network"] = net.parse(network_document())
            _cache["key"] = key
        found: net.Network = _cache["network"]
    return found


def resolve_place(network: net.Network, text: str, field_name: str) -> str:
    """A node id from what a person typed: an id or UN/LOCODE, a name, "Name (CODE)", a country."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationFailed.single(
            field_name, _("is required: a place name or UN/LOCODE such as PKKHI")
        )
    if len(raw) > 120:
        raise ValidationFailed.single(field_name, _("is longer than 120 characters"))
    coded = _CODE_IN_PARENS.search(raw)
    code = coded.group(1) if coded else raw.upper()
    if code in network.nodes:
        return code
    if _COUNTRY.match(raw):  # a country stands for its first place in the network
        first = next((n.id for n in network.nodes.values() if n.country == raw.upper()), None)
        if first:
            return first
    wanted = raw.casefold()
    exact = [n.id for n in network.nodes.values() if wanted in net.search_names(n)]
    if len(exact) == 1:
        return exact[0]
    partial = [
        n for n in network.nodes.values() if any(wanted in name for name in net.search_names(n))
    ]
    if len(partial) == 1:
        return partial[0].id
    if partial:
        names = ", ".join(f"{n.name} ({n.id})" for n in partial[:6])
        raise ValidationFailed.single(
            field_name,
            _("'%(place)s' matches several places: %(names)s") % {"place": raw, "names": names},
        )
    raise ValidationFailed.single(
        field_name,
        _("'%(place)s' is not a place in the network; try a name or a UN/LOCODE such as PKKHI")
        % {"place": raw},
    )


def places(network: net.Network, text: str = "") -> list[net.Node]:
    wanted = text.strip().casefold()
    found = [
        n
        for n in network.nodes.values()
        if not wanted or any(wanted in s for s in net.search_names(n))
    ]
    return sorted(found, key=lambda n: (n.country, n.name))


@dataclass
class RouteRequest:
    """A route query as typed (page, API, command line), before it is checked."""

    origin: str = ""
    destination: str = ""
    by: str = "time"
    avoid: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    max_borders: int | None = None
    cargo: str = "container"
    weights: dict[str, float] = field(default_factory=dict)
    penalties: planner.Penalties = field(default_factory=planner.Penalties)


def build_query(network: net.Network, request: RouteRequest) -> planner.Query:
    """Check a route request; every bad field is named in one ``ValidationFailed``."""
    errors: list[FieldError] = []
    ends = []
    for name, text in (("from", request.origin), ("to", request.destination)):
        try:
            ends.append(resolve_place(network, text, name))
        except ValidationFailed as failed:
            errors.extend(failed.errors)
    avoid = {c.strip().upper() for c in request.avoid if c.strip()}
    if any(not _COUNTRY.match(c) for c in avoid):
        errors.append(FieldError("avoid", _("must be ISO 3166 alpha-2 country codes such as IR")))
    modes = {m.strip().lower() for m in request.modes if m.strip()} or set(net.MODES)
    if modes - set(net.MODES):
        errors.append(
            FieldError("mode", _("must be among %(modes)s") % {"modes": ", ".join(net.MODES)})
        )
    if len(ends) == 2 and ends[0] == ends[1]:
        errors.append(FieldError("to", _("is the same place as the origin")))
    if errors:
        raise ValidationFailed(errors)
    query = planner.Query(ends[0], ends[1], frozenset(avoid), frozenset(modes), request.max_borders,
                          request.cargo, request.penalties, request.by, request.weights or None)  # fmt: skip
    try:
        planner._check(network, query)
    except planner.PlanError as bad:
        raise ValidationFailed.single(bad.field, _(bad.template) % bad.params) from None
    return query


@dataclass
class RoutePlan:
    network: net.Network
    plan: planner.Plan
    carriers: dict[str, list[Organisation]]

    @property
    def routes(self) -> list[planner.Route]:
        return self.plan.routes


def routes_plan(request: RouteRequest) -> RoutePlan:
    """The Pareto-optimal routes of a request, with the carriers that serve each leg."""
    network = current_network()
    query = build_query(network, request)
    result = planner.plan(network, query)
    legs = {step.leg.id: step.leg for route in result.routes for step in route.steps}.values()
    return RoutePlan(network, result, carriers_by_leg(legs))


def carriers_by_leg(legs: Iterable[net.Leg]) -> dict[str, list[Organisation]]:
    """Carriers that declared a leg, or a corridor the leg belongs to."""
    legs = list(legs)
    corridors = {c for leg in legs for c in leg.corridors}
    found: dict[str, list[Organisation]] = {leg.id: [] for leg in legs}
    services = CarrierService.objects.select_related("organisation").filter(
        organisation__kind=Organisation.Kind.CARRIER
    )
    for service in services.filter(leg_id__in=list(found)) | services.filter(
        corridor__in=list(corridors)
    ):
        for leg in legs:
            serves = service.leg_id == leg.id or service.corridor in leg.corridors
            if serves and service.organisation not in found[leg.id]:
                found[leg.id].append(service.organisation)
    return found


def carrier_services(organisation: Organisation) -> list[CarrierService]:
    return list(CarrierService.objects.filter(organisation=organisation))


def carriers_for_user(user: Any) -> list[Organisation]:
    """The carriers whose legs ``user`` may change (their own, or those their chamber moderates)."""
    from bureau.accounts import permissions

    carriers = Organisation.objects.filter(kind=Organisation.Kind.CARRIER, origin_node="")
    return [c for c in carriers if permissions.acts_for(user, c)]
