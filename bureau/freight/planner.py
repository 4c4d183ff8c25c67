"""The route planner: every Pareto-optimal route by time, cost and CO2. Pure Python, no Django.

A multi-criteria label-setting search (Martins' algorithm, goal-directed as in NAMOA*): each
label is a partial route with its vector (hours, US$, kg CO2e per tonne) and a bit for each
criterion that a leg on it lacks. A label dominates another at the same node and state when
it is no worse on every sum and knows at least the criteria the other knows, so a route
with an unknown cost is never taken for a free one. Labels are taken from the heap in
lexicographic order of sum plus an admissible lower bound (great-circle distance to the
destination times the network's least value per kilometre), so a label once taken is never
dominated later. The state of a label is its node, the mode it arrived by and the rail gauge
at its end, because the penalties for transshipment and gauge changes depend on them.
Routes are simple paths; the penalties obey the triangle inequality, so cutting a cycle out
of a route never makes it worse, and pruning by dominance loses no simple route.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bureau.freight.network import CARGO_TYPES, MODES, Leg, Network

CRITERIA = ("time", "cost", "co2")
TIME, COST, CO2 = 1, 2, 4  # bits of the "unknown" mask
_UNKNOWN_COUNT = (0, 1, 1, 2, 1, 2, 2, 3)  # criteria unknown, by mask
_BITS = {"time": TIME, "cost": COST, "co2": CO2}


class PlanError(ValueError):
    """A query the planner cannot answer as asked; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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


class _Arc:
    __slots__ = ("co2", "cost", "countries", "crossings", "forward", "gauge_head",
                 "gauge_inside", "gauge_tail", "head", "leg", "mask", "mode", "time")  # fmt: skip

    def __init__(self, leg: Leg, forward: bool, head: int, values: tuple[float, float, float],
                 mask: int, countries: int) -> None:  # fmt: skip
        self.leg, self.forward, self.head = leg, forward, head
        self.time, self.cost, self.co2 = values
        self.mask, self.countries = mask, countries
        self.mode = leg.mode
        self.crossings = leg.border_crossings
        self.gauge_inside = leg.gauge_changes
        ends = (leg.gauge_from, leg.gauge_to) if forward else (leg.gauge_to, leg.gauge_from)
        self.gauge_tail, self.gauge_head = ends


@dataclass
class _Graph:
    ids: list[str]
    index: dict[str, int]
    arcs: list[list[_Arc]]
    country_bit: dict[str, int]
    coords: list[tuple[float, float]]
    into: list[list[tuple[int, _Arc]]] = field(default_factory=list)  # (tail, arc) per head


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


def _compile(network: Network, cargo: str) -> _Graph:
    ids = list(network.nodes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    country_bit: dict[str, int] = {}
    for node in network.nodes.values():
        country_bit.setdefault(node.country, 1 << len(country_bit))
    arcs: list[list[_Arc]] = [[] for _ in ids]
    coords = [(network.nodes[i].lat, network.nodes[i].lon) for i in ids]
    for leg in network.legs:
        if cargo not in leg.cargo:
            continue
        raw = leg_values(network, leg, cargo)
        mask = sum(bit for bit, value in zip((TIME, COST, CO2), raw, strict=True) if value is None)
        values = (raw[0] or 0.0, raw[1] or 0.0, raw[2] or 0.0)
        countries = 0
        for country in leg.countries:
            countries |= country_bit[country]
        tail, head = index[leg.origin], index[leg.destination]
        arcs[tail].append(_Arc(leg, True, head, values, mask, countries))
        if leg.bidirectional:
            arcs[head].append(_Arc(leg, False, tail, values, mask, countries))
    graph = _Graph(ids, index, arcs, country_bit, coords)
    graph.into = [[] for _ in ids]
    for tail, out in enumerate(arcs):
        for arc in out:
            graph.into[arc.head].append((tail, arc))
    return graph


def _graph(network: Network, cargo: str) -> _Graph:
    cache: dict[str, Any] = network.__dict__.setdefault("_planner_cache", {})
    if cargo not in cache:
        cache[cargo] = _compile(network, cargo)
    return cache[cargo]


class _Label:
    __slots__ = ("alive", "arc", "crossings", "g", "mask", "node", "parent", "visited")

    def __init__(self, node: int, g: tuple[float, float, float], mask: int, crossings: int,
                 visited: int, parent: _Label | None, arc: _Arc | None) -> None:  # fmt: skip
        self.node, self.g, self.mask, self.crossings = node, g, mask, crossings
        self.visited, self.parent, self.arc, self.alive = visited, parent, arc, True


def _dominates(a_g: tuple[float, float, float], a_mask: int, a_cross: int,
               b_g: tuple[float, float, float], b_mask: int, b_cross: int) -> bool:  # fmt: skip
    return (a_g[0] <= b_g[0] and a_g[1] <= b_g[1] and a_g[2] <= b_g[2]
            and a_mask & ~b_mask == 0 and a_cross <= b_cross)  # fmt: skip


@dataclass
class _Search:
    graph: _Graph
    query: Query
    target: int
    avoid: int
    limit: int  # border crossings; a large number when unlimited
    slack: float = 1.0  # 1 + the query's tolerance
    limited: bool = False
    # The most a label's arrival state can add to its next leg (a change of mode and of
    # gauge): a label no worse even with that added dominates labels in every other state.
    delta: tuple[float, float] = (0.0, 0.0)
    bags: dict[int, list[tuple[_Label, tuple[str, int]]]] = field(default_factory=dict)
    bounds: list[tuple[float, float, float] | None] = field(default_factory=list)
    found: list[_Label] = field(default_factory=list)
    heap: list[Any] = field(default_factory=list)
    created: int = 0

    def allowed(self, arc: _Arc) -> bool:
        return arc.mode in self.query.modes and not arc.countries & self.avoid

    def compute_bounds(self) -> None:
        """Per place, the least time, cost and CO2 still needed to reach the destination.

        One reverse Dijkstra per criterion over the legs the query allows, penalties left out
        and unknown figures counted as zero, so each bound is a true lower bound; a place
        that cannot reach the destination at all gets None and is never extended into.
        """
        size = len(self.graph.ids)
        found = [self._reverse(k, size) for k in range(3)]
        self.bounds = [
            None if math.isinf(found[0][i]) else (found[0][i], found[1][i], found[2][i])
            for i in range(size)
        ]

    def _reverse(self, k: int, size: int) -> list[float]:
        best = [math.inf] * size
        best[self.target] = 0.0
        heap = [(0.0, self.target)]
        into = self.graph.into
        while heap:
            d, node = heapq.heappop(heap)
            if d > best[node]:
                continue
            for tail, arc in into[node]:
                if not self.allowed(arc):
                    continue
                nd = d + (arc.time, arc.cost, arc.co2)[k]
                if nd < best[tail]:
                    best[tail] = nd
                    heapq.heappush(heap, (nd, tail))
        return best

    def push(self, label: _Label, state: tuple[str, int]) -> None:
        # The innermost loop of the search: comparisons written out, as a call per comparison
        # doubled the time of a query.
        h = self.bounds[label.node]
        if h is None:
            return
        g0, g1, g2 = label.g
        mask, cross, s = label.mask, label.crossings, self.slack
        f = (g0 + h[0], g1 + h[1], g2 + h[2])
        l0, l1, l2 = f[0] * s, f[1] * s, f[2] * s
        for done in self.found:  # no better than a route already found: prune
            d = done.g
            if (
                d[0] <= l0
                and d[1] <= l1
                and d[2] <= l2
                and not done.mask & ~mask
                and done.crossings <= cross
            ):
                return
        bag = self.bags.setdefault(label.node, [])
        l0, l1, l2 = g0 * s, g1 * s, g2 * s
        dt, du = self.delta
        for other, other_state in bag:
            o = other.g
            t, u = (o[0], o[1]) if other_state == state else (o[0] + dt, o[1] + du)
            if (
                t <= l0
                and u <= l1
                and o[2] <= l2
                and not other.mask & ~mask
                and other.crossings <= cross
            ):
                return
        kept = []
        for entry in bag:
            other, other_state = entry
            o = other.g
            t, u = (g0, g1) if other_state == state else (g0 + dt, g1 + du)
            if (
                t <= o[0]
                and u <= o[1]
                and g2 <= o[2]
                and not mask & ~other.mask
                and cross <= other.crossings
            ):
                other.alive = False
            else:
                kept.append(entry)
        kept.append((label, state))
        self.bags[label.node] = kept
        self.created += 1
        order = (f[0], f[1], f[2], _UNKNOWN_COUNT[mask], cross, self.created)
        heapq.heappush(self.heap, (order, label))

    def extend(self, label: _Label) -> None:
        penalties = self.query.penalties
        came = label.arc
        for arc in self.graph.arcs[label.node]:
            if (label.visited >> arc.head) & 1 or not self.allowed(arc):
                continue
            # Crossings count only under a limit; otherwise they would be a fourth criterion.
            crossings = label.crossings + arc.crossings if self.limited else 0
            if crossings > self.limit:
                continue
            hours = arc.crossings * penalties.border_hours
            usd = arc.crossings * penalties.border_usd
            gauges = arc.gauge_inside
            if came is not None:
                if came.mode != arc.mode:
                    hours += penalties.transshipment_hours
                    usd += penalties.transshipment_usd
                if _gauge_break(came, arc):
                    gauges += 1
            hours += gauges * penalties.gauge_hours
            usd += gauges * penalties.gauge_usd
            g = label.g
            new = (g[0] + arc.time + hours, g[1] + arc.cost + usd, g[2] + arc.co2)
            child = _Label(arc.head, new, label.mask | arc.mask, crossings,
                           label.visited | (1 << arc.head), label, arc)  # fmt: skip
            self.push(child, (arc.mode, arc.gauge_head or 0))

    def run(self, origin: int) -> None:
        p = self.query.penalties
        self.delta = (p.transshipment_hours + p.gauge_hours, p.transshipment_usd + p.gauge_usd)
        self.compute_bounds()
        self.push(_Label(origin, (0.0, 0.0, 0.0), 0, 0, 1 << origin, None, None), ("", 0))
        while self.heap and self.created < self.query.max_labels:
            _order, label = heapq.heappop(self.heap)
            if not label.alive:
                continue
            if label.node == self.target:
                if not any(_dominates(d.g, d.mask, d.crossings, label.g, label.mask,
                                      label.crossings) for d in self.found):  # fmt: skip
                    self.found.append(label)
                continue
            self.extend(label)


def _gauge_break(came: _Arc, arc: _Arc) -> bool:
    if came.mode != "rail" or arc.mode != "rail":
        return False
    return bool(came.gauge_head and arc.gauge_tail and came.gauge_head != arc.gauge_tail)


def _check(network: Network, query: Query) -> None:
    for name, place in (("from", query.origin), ("to", query.destination)):
        if place not in network.nodes:
            raise PlanError(name, f"'{place}' is not a place in the network")
    if query.origin == query.destination:
        raise PlanError("to", "the destination is the same place as the origin")
    if query.cargo not in CARGO_TYPES:
        raise PlanError("cargo", f"must be one of {', '.join(CARGO_TYPES)}")
    unknown_modes = sorted(set(query.modes) - set(MODES))
    if unknown_modes or not query.modes:
        raise PlanError("mode", f"must be among {', '.join(MODES)}")
    if query.by not in CRITERIA:
        raise PlanError("by", f"must be one of {', '.join(CRITERIA)}")
    for name, weight in (query.weights or {}).items():
        if name not in CRITERIA or not (math.isfinite(weight) and weight >= 0):
            raise PlanError("weights", f"'{name}' must be one of time, cost, co2 with a weight ≥ 0")
    if query.max_border_crossings is not None and query.max_border_crossings < 0:
        raise PlanError("max_borders", "must not be negative")


def plan(network: Network, query: Query) -> Plan:
    """Every Pareto-optimal route from ``query.origin`` to ``query.destination``, ranked."""
    _check(network, query)
    graph = _graph(network, query.cargo)
    avoid = 0
    for country in query.avoid_countries:
        avoid |= graph.country_bit.get(country, 0)
    search = _Search(
        graph,
        query,
        graph.index[query.destination],
        avoid,
        10**9 if query.max_border_crossings is None else query.max_border_crossings,
        1.0 + query.tolerance,
        query.max_border_crossings is not None,
    )
    for name, place in (("from", query.origin), ("to", query.destination)):
        country = network.nodes[place].country
        if country in query.avoid_countries:
            reason = f"the {'origin' if name == 'from' else 'destination'} is in {country}, a country to avoid"
            return Plan(query, [], reason)
    search.run(graph.index[query.origin])
    routes = rank([_route(network, query, label) for label in search.found], query)
    complete = not search.heap or search.created < query.max_labels
    reason = "" if routes or not complete else why_no_route(network, query)
    if not complete and not routes:
        reason = f"the search stopped after {search.created} partial routes without reaching the destination"
    return Plan(query, routes, reason, search.created, complete)


def _route(network: Network, query: Query, label: _Label) -> Route:
    arcs: list[_Arc] = []
    cursor: _Label | None = label
    while cursor is not None and cursor.arc is not None:
        arcs.append(cursor.arc)
        cursor = cursor.parent
    arcs.reverse()
    return evaluate(network, query, [(arc.leg, arc.forward) for arc in arcs])


def evaluate(network: Network, query: Query, legs: list[tuple[Leg, bool]]) -> Route:
    """Figures of a given sequence of (leg, forward) with the query's penalties."""
    p = query.penalties
    steps: list[Step] = []
    totals = dict.fromkeys(CRITERIA, 0.0)
    unknown: set[str] = set()
    counts = {"transshipment": 0, "border crossing": 0, "gauge change": 0}
    previous: Leg | None = None
    previous_forward = True
    for leg, forward in legs:
        events = _events(previous, previous_forward, leg, forward)
        for event in events:
            counts[event] += 1
        penalty_hours = sum(_penalty(p, event)[0] for event in events)
        penalty_usd = sum(_penalty(p, event)[1] for event in events)
        values = leg_values(network, leg, query.cargo)
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
