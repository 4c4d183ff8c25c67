"""Routes as plain data: one shape for the API, ``bureau route --json`` and the CSV download."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bureau.accounts.models import Organisation
from bureau.freight import network as net
from bureau.freight import planner
from bureau.freight.selectors import RoutePlan

UNITS = {"time": "hours", "co2": "kg CO2e per tonne"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cost_unit(cargo: str) -> str:
    return "USD per TEU" if cargo == "container" else "USD per tonne"


def figure_out(network: net.Network, figure: net.Figure | None) -> dict[str, Any] | None:
    if figure is None:
        return None
    sources = [network.sources[s] for s in figure.sources if s in network.sources]
    return {
        "value": figure.value,
        "basis": figure.basis,
        "provenance": figure.provenance,
        "sources": [{"id": s.id, "title": s.title, "url": s.url} for s in sources],
        "method": network.methods.get(figure.method, "") if figure.method else "",
        "assumption": figure.assumption,
        "low": figure.low,
        "high": figure.high,
        "year": figure.year,
        "note": figure.note,
    }


def carrier_out(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "slug": organisation.slug,
        "country": organisation.country,
        "verified": organisation.is_verified,
        "directory_url": f"/directory/{organisation.slug}/",
    }


def step_out(plan: RoutePlan, step: planner.Step) -> dict[str, Any]:
    leg, network = step.leg, plan.network
    return {
        "leg": leg.id,
        "from": step.origin,
        "to": step.destination,
        "from_name": network.nodes[step.origin].name,
        "to_name": network.nodes[step.destination].name,
        "mode": leg.mode,
        "via": list(leg.via if step.origin == leg.origin else reversed(leg.via)),
        "countries": list(leg.countries),
        "service": leg.service,
        "corridors": list(leg.corridors),
        "gauge_mm": [leg.gauge_from, leg.gauge_to],
        "hours": step.hours,
        "cost": step.cost,
        "co2_kg_per_tonne": step.co2,
        "penalty_hours": step.penalty_hours,
        "penalty_usd": step.penalty_usd,
        "events": list(step.events),
        "figures": {name: figure_out(network, leg.figure(name)) for name in net.LEG_FIGURES},
        "note": leg.note,
        "carriers": [carrier_out(o) for o in plan.carriers.get(leg.id, [])],
    }


def route_out(plan: RoutePlan, route: planner.Route, rank: int) -> dict[str, Any]:
    units = dict(UNITS, cost=cost_unit(plan.plan.query.cargo))
    totals = {
        name: {
            "value": None if not route.known(name) else round(route.totals[name], 2),
            "known_part": round(route.totals[name], 2),
            "unit": units[name],
            "unknown": not route.known(name),
            "legs_missing_it": [
                s.leg.id for s in route.steps if getattr(s, _STEP_FIELD[name]) is None
            ],
        }
        for name in planner.CRITERIA
    }
    return {
        "rank": rank,
        "places": route.places,
        "countries": route.countries,
        "modes": route.modes,
        "totals": totals,
        "unknown": list(route.unknown),
        "transshipments": route.transshipments,
        "border_crossings": route.border_crossings,
        "gauge_changes": route.gauge_changes,
        "score": route.score,
        "legs": [step_out(plan, step) for step in route.steps],
    }


_STEP_FIELD = {"time": "hours", "cost": "cost", "co2": "co2"}


def plan_out(plan: RoutePlan) -> dict[str, Any]:
    query, network = plan.plan.query, plan.network
    return {
        "from": query.origin,
        "to": query.destination,
        "from_name": network.nodes[query.origin].name,
        "to_name": network.nodes[query.destination].name,
        "query": {
            "by": query.by,
            "avoid": sorted(query.avoid_countries),
            "modes": sorted(query.modes),
            "max_border_crossings": query.max_border_crossings,
            "cargo": query.cargo,
            "weights": dict(query.weights or {}),
            "penalties": asdict(query.penalties),
        },
        "routes": [route_out(plan, route, i) for i, route in enumerate(plan.routes, start=1)],
        "reason": plan.plan.reason,
        "complete": plan.plan.complete,
        "emission_factors": [
            {
                "mode": f.mode,
                "grams_per_tonne_km": f.grams_per_tonne_km,
                "scope": f.scope,
                "description": f.description,
                "sources": [asdict(network.sources[s]) for s in f.sources if s in network.sources],
                "note": f.note,
            }
            for f in network.emission_factors.values()
        ],
    }


def duration(hours: float | None) -> str:
    """'9 d 2 h', '14 h'; '' when unknown."""
    if hours is None:
        return ""
    whole = round(hours)
    days, rest = divmod(whole, 24)
    return f"{days} d {rest} h" if days else f"{rest} h"


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


CSV_COLUMNS = [
    "route", "step", "from", "to", "mode", "service", "countries", "distance_km", "distance_basis",
    "hours", "hours_basis", "cost", "cost_unit", "cost_basis", "co2_kg_per_tonne", "penalty_hours",
    "events", "carriers", "route_time_hours", "route_cost", "route_co2_kg_per_tonne", "unknown",
]  # fmt: skip


def csv_rows(plan: RoutePlan) -> list[list[Any]]:
    """One row per leg of every route, with the route's totals repeated (formulas neutralised)."""
    rows: list[list[Any]] = []
    unit = cost_unit(plan.plan.query.cargo)
    price = "usd_per_teu" if plan.plan.query.cargo == "container" else "usd_per_tonne"
    for number, route in enumerate(plan.routes, start=1):
        for index, step in enumerate(route.steps, start=1):
            leg = step.leg
            km, hours, cost = leg.figure("distance_km"), leg.figure("hours"), leg.figure(price)
            carriers = "; ".join(o.name for o in plan.carriers.get(leg.id, []))
            row = [
                number, index, plan.network.nodes[step.origin].name, plan.network.nodes[step.destination].name,
                leg.mode, leg.service, " ".join(leg.countries), km.value if km else "",
                km.provenance if km else "missing", step.hours if step.hours is not None else "",
                hours.provenance if hours else "missing", step.cost if step.cost is not None else "",
                unit, cost.provenance if cost else "missing",
                round(step.co2, 3) if step.co2 is not None else "", step.penalty_hours,
                "; ".join(step.events), carriers,
                round(route.totals["time"], 1) if route.known("time") else "",
                round(route.totals["cost"], 2) if route.known("cost") else "",
                round(route.totals["co2"], 3) if route.known("co2") else "",
                " ".join(route.unknown),
            ]  # fmt: skip
            rows.append([safe_cell(cell) for cell in row])
    return rows
