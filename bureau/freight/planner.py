"""The route planner: every Pareto-optimal route by time, cost and CO2. Pure Python, no Django.

A multi-criteria label-setting search (Martins' algorithm, goal-directed as in NAMOA*): each
label is a partial route with its vector (hours, US$, kg CO2e per tonne) and a bit for each
criterion that a leg on it lacks. A label dominates another at the same node and state when
it is no worse on every sum and knows at least the criteria the other knows, so a route
with an unknown cost is never taken for a free one. Labels are taken from the heap in
lexicographic order of sum plus an admissible lower bound (a reverse Dijkstra from the
destination per criterion), so a label once taken is never dominated later. The state of a
label is its node, the mode it arrived by and the rail gauge at its end, because the
penalties for transshipment and gauge changes depend on them. Routes are simple paths; when
the penalties obey the triangle inequality the search runs over walks and cuts cycles out,
otherwise it tracks the places visited (see ``search``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bureau.freight import search
from bureau.freight.network import CARGO_TYPES, MODES, Leg, Network

CRITERIA = ("time", "cost", "co2")
TIME, COST, CO2 = 1, 2, 4  # bits of the "unknown" mask
_UNKNOWN_COUNT = (0, 1, 1, 2, 1, 2, 2, 3)  # criteria unknown, by mask
_BITS = {"time": TIME, "cost": COST, "co2": CO2}


def _(message: str) -> str:
    """Marks a message for the translation catalogues (as Django's ``gettext_noop``): the
    planner imports no Django, so whoever shows a PlanError translates its ``template``."""
    return message


class PlanError(ValueError):
    """A query the planner cannot answer as asked; ``field`` names the input at fault, and
    ``template`` % ``params`` says why (``message``, in English)."""

    def __init__(self, field: str, template: str, **params: str) -> None:
        self.field = field
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(f"{field}: {self.message}")


@dataclass(frozen=True)
class Penalties:
    """Time and money added where goods change mode, cross a border or change rail gauge.

    The defaults are assumptions, not published figures: the research behind the shipped
    network found no dwell times at borders or transfer points. Change them per query.
    """

    transshipment_hours: float = 12.0
    border_hours: float = 24.0
    gauge_hours: float = 24.0
    transshipment_usd: float = 0.0
    border_usd: float = 0.0
    gauge_usd: float = 0.0


@dataclass(frozen=True)
class Query:
    origin: str
    destination: str
    avoid_countries: frozenset[str] = frozenset()
    modes: frozenset[str] = frozenset(MODES)
    max_border_crossings: int | None = None
    cargo: str = "container"
    penalties: Penalties = Penalties()
    by: str = "time"
    weights: Mapping[str, float] | None = None  # rank by a weighted sum instead of ``by``
    # 0 finds the exact Pareto set. A relative tolerance (0.01 = 1 %) drops a partial route
    # within that margin of one already kept: an approximate set, far fewer labels on big networks.
    tolerance: float = 0.0
    # A bound on the work of one search, so that no request runs for minutes: past it the
    # search stops and returns the routes found so far, each Pareto-optimal, marked incomplete.
    max_labels: int = 200_000


@dataclass(frozen=True)
class Step:
    """One leg as travelled, with its figures in that direction and the penalties before it."""

    leg: Leg
    origin: str
    destination: str
    hours: float | None
    cost: float | None
    co2: float | None
    penalty_hours: float
    penalty_usd: float
    events: tuple[str, ...]  # "transshipment", "gauge change", "border crossing"


@dataclass
class Route:
    steps: tuple[Step, ...]
    totals: dict[str, float]  # the sum of what is known, per criterion
    unknown: tuple[str, ...]  # criteria that some leg lacks
    transshipments: int
    border_crossings: int
    gauge_changes: int
    score: float | None = None

    @property
    def places(self) -> list[str]:
        return [self.steps[0].origin] + [step.destination for step in self.steps]

    @property
    def countries(self) -> list[str]:
        seen: list[str] = []
        for step in self.steps:
            for country in step.leg.countries:
                if country not in seen:
                    seen.append(country)
        return seen

    @property
    def modes(self) -> list[str]:
        return list(dict.fromkeys(step.leg.mode for step in self.steps))

    def known(self, criterion: str) -> bool:
        return criterion not in self.unknown


@dataclass
class Plan:
    query: Query
    routes: list[Route]
    reason: str = ""  # why there is no route, when there is none
    labels: int = 0  # labels created by the search (a measure of its work)
    complete: bool = True  # False when the search stopped at ``Query.max_labels``


def leg_values(
    network: Network, leg: Leg, cargo: str
) -> tuple[float | None, float | None, float | None]:
    """A leg's hours (transit plus dwell), cost for the cargo type and kg CO2e per tonne."""
    hours = leg.figure("hours")
    dwell = leg.figure("dwell_hours")
    time = None if hours is None else hours.value + (dwell.value if dwell else 0.0)
    price = leg.figure("usd_per_teu" if cargo == "container" else "usd_per_tonne")
    distance = leg.figure("distance_km")
    factor = network.emission_factors.get(leg.mode)
    co2 = None
    if distance is not None and factor is not None:
        co2 = factor.grams_per_tonne_km * distance.value / 1000.0
    return time, None if price is None else price.value, co2


def _graph(network: Network, cargo: str) -> search.Graph:
    cache: dict[str, Any] = network.__dict__.setdefault("_planner_cache", {})
    if cargo not in cache:
        cache[cargo] = search.compile_graph(network, cargo, leg_values)
    return cache[cargo]


def _check(network: Network, query: Query) -> None:
    for name, place in (("from", query.origin), ("to", query.destination)):
        if place not in network.nodes:
            raise PlanError(name, _("'%(place)s' is not a place in the network"), place=place)
    if query.origin == query.destination:
        raise PlanError("to", _("the destination is the same place as the origin"))
    if query.cargo not in CARGO_TYPES:
        raise PlanError("cargo", _("must be one of %(options)s"), options=", ".join(CARGO_TYPES))
    unknown_modes = sorted(set(query.modes) - set(MODES))
    if unknown_modes or not query.modes:
        raise PlanError("mode", _("must be among %(modes)s"), modes=", ".join(MODES))
    if query.by not in CRITERIA:
        raise PlanError("by", _("must be one of %(options)s"), options=", ".join(CRITERIA))
    for name, weight in (query.weights or {}).items():
        if name not in CRITERIA or not (math.isfinite(weight) and weight >= 0):
            raise PlanError(
                "weights",
                _("'%(name)s' must be one of time, cost, co2 with a weight ≥ 0"),
                name=str(name)[:40],
            )
    if query.max_border_crossings is not None and query.max_border_crossings < 0:
        raise PlanError("max_borders", _("must not be negative"))
    for name, value in vars(query.penalties).items():
        if not (math.isfinite(value) and value >= 0):
            raise PlanError(name, _("must not be negative"))


def plan(network: Network, query: Query, *, compiled: bool = True) -> Plan:
    """Every Pareto-optimal route from ``query.origin`` to ``query.destination``, ranked.

    ``compiled=False`` runs the search in Python even where the compiled one could (tests
    compare the two)."""
    _check(network, query)
    graph = _graph(network, query.cargo)
    avoid = 0
    for country in query.avoid_countries:
        avoid |= graph.country_bit.get(country, 0)
    for name, place in (("from", query.origin), ("to", query.destination)):
        country = network.nodes[place].country
        if country in query.avoid_countries:
            reason = f"the {'origin' if name == 'from' else 'destination'} is in {country}, a country to avoid"
            return Plan(query, [], reason)
    p = query.penalties
    costs = search.Costs(
        (p.transshipment_hours, p.transshipment_usd),
        (p.border_hours, p.border_usd),
        (p.gauge_hours, p.gauge_usd),
    )
    searching = search.Search(
        graph, graph.index[query.destination], search.allowed_arcs(graph, query.modes, avoid),
        costs, query.max_border_crossings, query.tolerance, query.max_labels, compiled,
    )  # fmt: skip
    outcome = searching.run(graph.index[query.origin])
    routes = rank([_route(network, query, graph, arcs) for arcs in outcome.routes], query)
    complete = outcome.exhausted or outcome.created < query.max_labels
    reason = "" if routes or not complete else why_no_route(network, query)
    if not complete and not routes:
        reason = f"the search stopped after {outcome.created} partial routes without reaching the destination"
    return Plan(query, routes, reason, outcome.created, complete)


def _route(network: Network, query: Query, graph: search.Graph, arcs: list[int]) -> Route:
    return evaluate(network, query, [(graph.legs[e], graph.forward[e]) for e in arcs])


def evaluate(network: Network, query: Query, legs: list[tuple[Leg, bool]]) -> Route:
    """Figures of a given sequence of (leg, forward) with the query's penalties."""
    p = query.penalties
    charge = {
        event: _penalty(p, event) for event in ("transshipment", "border crossing", "gauge change")
    }
    # A leg's figures are read once per network and cargo type: a long query returns a hundred
    # routes of dozens of legs, and reading them again was a fifth of its time.
    values_of: dict[tuple[str, str], tuple[float | None, float | None, float | None]] = (
        network.__dict__.setdefault("_planner_values", {})
    )
    steps: list[Step] = []
    totals = dict.fromkeys(CRITERIA, 0.0)
    unknown: set[str] = set()
    counts = dict.fromkeys(charge, 0)
    previous: Leg | None = None
    previous_forward = True
    for leg, forward in legs:
        events = _events(previous, previous_forward, leg, forward)
        penalty_hours = penalty_usd = 0.0
        for event in events:
            counts[event] += 1
            penalty_hours += charge[event][0]
            penalty_usd += charge[event][1]
        values = values_of.get((leg.id, query.cargo))
        if values is None:
            values = values_of[leg.id, query.cargo] = leg_values(network, leg, query.cargo)
        for name, value in zip(CRITERIA, values, strict=True):
            if value is None:
                unknown.add(name)
            else:
                totals[name] += value
        totals["time"] += penalty_hours
        totals["cost"] += penalty_usd
        ends = (leg.origin, leg.destination) if forward else (leg.destination, leg.origin)
        steps.append(Step(leg, *ends, *values, penalty_hours, penalty_usd, tuple(events)))
        previous, previous_forward = leg, forward
    return Route(tuple(steps), totals, tuple(c for c in CRITERIA if c in unknown),
                 counts["transshipment"], counts["border crossing"], counts["gauge change"])  # fmt: skip


def _events(previous: Leg | None, previous_forward: bool, leg: Leg, forward: bool) -> list[str]:
    events = ["border crossing"] * leg.border_crossings + ["gauge change"] * leg.gauge_changes
    if previous is None:
        return events
    if previous.mode != leg.mode:
        events.insert(0, "transshipment")
    came = previous.gauge_to if previous_forward else previous.gauge_from
    going = leg.gauge_from if forward else leg.gauge_to
    if previous.mode == leg.mode == "rail" and came and going and came != going:
        events.append("gauge change")
    return events


def _penalty(p: Penalties, event: str) -> tuple[float, float]:
    if event == "transshipment":
        return p.transshipment_hours, p.transshipment_usd
    if event == "border crossing":
        return p.border_hours, p.border_usd
    return p.gauge_hours, p.gauge_usd


def rank(routes: list[Route], query: Query) -> list[Route]:
    """Order by ``query.by`` (ties by the others), or by a weighted sum when weights are given.

    A route whose ranking criterion is unknown comes after every route where it is known.
    Weighted: each criterion is divided by its best known value among the routes, so weights
    compare like with like; the score is None when a weighted criterion is unknown.
    """
    if query.weights:
        weights = {k: w for k, w in query.weights.items() if w > 0}
        best = {
            k: min((r.totals[k] for r in routes if r.known(k)), default=1.0) or 1.0 for k in weights
        }
        for route in routes:
            known = all(route.known(k) for k in weights)
            route.score = (
                sum(w * route.totals[k] / best[k] for k, w in weights.items()) if known else None
            )
        return sorted(routes, key=lambda r: (r.score is None, r.score or 0.0, r.totals["time"]))
    order = [query.by] + [c for c in CRITERIA if c != query.by]
    return sorted(routes, key=lambda r: [(not r.known(c), r.totals[c]) for c in order])


def why_no_route(network: Network, query: Query) -> str:
    """Which of the query's constraints leaves no route, in a sentence."""
    if not _reachable(network, query, avoid=frozenset(), modes=frozenset(MODES), cargo=None):
        return "no chain of legs in the network connects the two places"
    blockers = []
    if not _reachable(
        network, query, avoid=query.avoid_countries, modes=frozenset(MODES), cargo=None
    ):
        blockers.append("every route runs through " + ", ".join(sorted(query.avoid_countries)))
    if not _reachable(network, query, avoid=frozenset(), modes=query.modes, cargo=None):
        blockers.append("every route needs a mode other than " + ", ".join(sorted(query.modes)))
    if not _reachable(network, query, avoid=frozenset(), modes=frozenset(MODES), cargo=query.cargo):
        blockers.append(f"no route takes {query.cargo} cargo")
    if not blockers and query.max_border_crossings is not None:
        blockers.append(f"every route crosses more than {query.max_border_crossings} border(s)")
    if not blockers:
        blockers.append("no route fits the constraints together: " + ", ".join(_described(query)))
    return "; ".join(blockers)


def _described(query: Query) -> list[str]:
    parts = []
    if query.avoid_countries:
        parts.append("avoiding " + ", ".join(sorted(query.avoid_countries)))
    if set(query.modes) != set(MODES):
        parts.append("by " + ", ".join(sorted(query.modes)) + " only")
    if query.max_border_crossings is not None:
        parts.append(f"with at most {query.max_border_crossings} border crossing(s)")
    parts.append(f"for {query.cargo} cargo")
    return parts


def _reachable(network: Network, query: Query, *, avoid: frozenset[str],
               modes: frozenset[str], cargo: str | None) -> bool:  # fmt: skip
    neighbours: dict[str, list[str]] = {}
    for leg in network.legs:
        if leg.mode not in modes or set(leg.countries) & avoid:
            continue
        if cargo is not None and cargo not in leg.cargo:
            continue
        neighbours.setdefault(leg.origin, []).append(leg.destination)
        if leg.bidirectional:
            neighbours.setdefault(leg.destination, []).append(leg.origin)
    seen, todo = {query.origin}, [query.origin]
    while todo:
        for nxt in neighbours.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return query.destination in seen
