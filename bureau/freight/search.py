"""The multi-criteria label-setting search behind the planner. Pure Python, no Django.

NAMOA*-style: a label is a partial route with its sums (hours, US$, kg CO2e per tonne), a bit
for each criterion that one of its legs lacks, its border crossings (only under a limit) and
the state it arrived in (mode and rail gauge, on which the next leg's penalties depend).

* The network is compiled once per cargo type into flat arrays (one entry per direction of a
  leg), so the inner loop reads lists by index instead of attributes of objects.
* Lower bounds: for each criterion, a reverse Dijkstra from the destination over the legs the
  query allows (penalties left out, unknown figures counted as zero) gives the least that is
  still to come from every place. A place that cannot reach the destination is never entered.
* Labels leave the heap in lexicographic order of sum plus bound, so a label once taken is
  never dominated later; a label whose sum plus bound is dominated by a route already found is
  dropped when it is made and again when it is taken (routes found meanwhile).
* Per place, a bag of labels that do not dominate each other. Labels in different states are
  compared with the most that a state can add to the next leg (a change of mode and of gauge)
  added to the dominating one, so the comparison stays exact.
* ``tolerance`` > 0 is epsilon-dominance: a label is also dropped when one in its bag, or a
  route found, is within (1 + tolerance) of it on every criterion. That bounds the bags and
  gives an approximate set; see docs/decisions.md for what it guarantees.

Routes are simple paths: a label never returns to a place it has visited.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bureau.freight.network import MODES, Leg, Network

TIME, COST, CO2 = 1, 2, 4  # bits of the "unknown" mask
_UNKNOWN_COUNT = (0, 1, 1, 2, 1, 2, 2, 3)  # criteria unknown, by mask
MODE_ID = {mode: i for i, mode in enumerate(MODES)}
RAIL = MODE_ID["rail"]
GAUGES = 10_000  # a state is mode * GAUGES + gauge (mm); gauges are under 10 m
START = -1  # the state of the origin's label: no leg yet

# Fields of a label (a list, for speed): sums, unknown mask, crossings, place, state, arc
# taken, parent label, visited places (a bit per place), and whether it is still in its bag.
G0, G1, G2, MASK, CROSS, NODE, STATE, ARC, PARENT, VISITED, ALIVE = range(11)
Label = list[Any]


@dataclass
class Graph:
    """A network for one cargo type as arrays; arc ``e`` is one direction of a leg."""

    ids: list[str]
    index: dict[str, int]
    country_bit: dict[str, int]
    legs: list[Leg] = field(default_factory=list)
    forward: list[bool] = field(default_factory=list)
    tail: list[int] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    weights: tuple[list[float], list[float], list[float]] = ([], [], [])
    mask: list[int] = field(default_factory=list)
    countries: list[int] = field(default_factory=list)
    mode: list[int] = field(default_factory=list)
    crossings: list[int] = field(default_factory=list)
    gauge_inside: list[int] = field(default_factory=list)
    gauge_tail: list[int] = field(default_factory=list)
    gauge_head: list[int] = field(default_factory=list)
    out: list[list[int]] = field(default_factory=list)
    into: list[list[int]] = field(default_factory=list)

    def add(self, leg: Leg, forward: bool, tail: int, head: int,
            values: tuple[float, float, float], mask: int, countries: int) -> None:  # fmt: skip
        e = len(self.head)
        ends = (leg.gauge_from, leg.gauge_to) if forward else (leg.gauge_to, leg.gauge_from)
        self.legs.append(leg)
        self.forward.append(forward)
        self.tail.append(tail)
        self.head.append(head)
        for k in range(3):
            self.weights[k].append(values[k])
        self.mask.append(mask)
        self.countries.append(countries)
        self.mode.append(MODE_ID[leg.mode])
        self.crossings.append(leg.border_crossings)
        self.gauge_inside.append(leg.gauge_changes)
        self.gauge_tail.append(ends[0] or 0)
        self.gauge_head.append(ends[1] or 0)
        self.out[tail].append(e)
        self.into[head].append(e)


def compile_graph(network: Network, cargo: str, values: Any) -> Graph:
    """``values(network, leg, cargo)`` gives a leg's (hours, cost, CO2), None where unknown."""
    ids = list(network.nodes)
    country_bit: dict[str, int] = {}
    for node in network.nodes.values():
        country_bit.setdefault(node.country, 1 << len(country_bit))
    graph = Graph(ids, {node_id: i for i, node_id in enumerate(ids)}, country_bit,
                  weights=([], [], []), out=[[] for _ in ids], into=[[] for _ in ids])  # fmt: skip
    for leg in network.legs:
        if cargo not in leg.cargo:
            continue
        raw = values(network, leg, cargo)
        mask = sum(bit for bit, value in zip((TIME, COST, CO2), raw, strict=True) if value is None)
        known = (raw[0] or 0.0, raw[1] or 0.0, raw[2] or 0.0)
        countries = 0
        for country in leg.countries:
            countries |= country_bit[country]
        tail, head = graph.index[leg.origin], graph.index[leg.destination]
        graph.add(leg, True, tail, head, known, mask, countries)
        if leg.bidirectional:
            graph.add(leg, False, head, tail, known, mask, countries)
    return graph


@dataclass(frozen=True)
class Costs:
    """The query's penalties, in the units of the sums."""

    transshipment: tuple[float, float]
    border: tuple[float, float]
    gauge: tuple[float, float]


@dataclass
class Outcome:
    found: list[Label]
    created: int
    exhausted: bool  # True when the heap ran empty (the set is complete)


def allowed_arcs(graph: Graph, modes: Iterable[str], avoid: int) -> list[bool]:
    ok_mode = [mode in set(modes) for mode in MODES]
    return [ok_mode[m] and not c & avoid for m, c in zip(graph.mode, graph.countries, strict=True)]


def bounds(
    graph: Graph, target: int, allowed: list[bool]
) -> list[tuple[float, float, float] | None]:
    """Per place, the least time, cost and CO2 from it to ``target`` (None: unreachable)."""
    found = [_reverse(graph, target, allowed, graph.weights[k]) for k in range(3)]
    return [
        None if math.isinf(t) else (t, c, g)
        for t, c, g in zip(found[0], found[1], found[2], strict=True)
    ]


def _reverse(graph: Graph, target: int, allowed: list[bool], weight: list[float]) -> list[float]:
    best = [math.inf] * len(graph.ids)
    best[target] = 0.0
    heap = [(0.0, target)]
    into, tail = graph.into, graph.tail
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        d, node = pop(heap)
        if d > best[node]:
            continue
        for e in into[node]:
            if allowed[e]:
                nd = d + weight[e]
                t = tail[e]
                if nd < best[t]:
                    best[t] = nd
                    push(heap, (nd, t))
    return best


@dataclass
class Search:
    graph: Graph
    target: int
    allowed: list[bool]
    costs: Costs
    limit: int | None  # border crossings
    tolerance: float
    max_labels: int
    h: list[tuple[float, float, float] | None] = field(default_factory=list)
    adjacency: dict[int, list[int]] = field(default_factory=dict)

    def arcs_from(self, node: int) -> list[int]:
        found = self.adjacency.get(node)
        if found is None:
            allowed = self.allowed
            found = self.adjacency[node] = [e for e in self.graph.out[node] if allowed[e]]
        return found

    def run(self, origin: int) -> Outcome:
        self.h = bounds(self.graph, self.target, self.allowed)
        if self.h[origin] is None:
            return Outcome([], 0, True)
        return _label_setting(self, origin)


def _dominated_by_found(found: list[Label], f0: float, f1: float, f2: float,
                        mask: int, cross: int) -> bool:  # fmt: skip
    for d in found:
        if (
            d[G0] <= f0
            and d[G1] <= f1
            and d[G2] <= f2
            and not d[MASK] & ~mask
            and d[CROSS] <= cross
        ):
            return True
    return False


def _label_setting(s: Search, origin: int) -> Outcome:
    """The search itself, written out in one function: a call per comparison or per label
    would cost more than the comparison (this loop is where a query spends its time)."""
    g = s.graph
    head_of, w0, w1, w2 = g.head, g.weights[0], g.weights[1], g.weights[2]
    arc_mask, arc_cross, arc_mode = g.mask, g.crossings, g.mode
    gauge_inside, gauge_tail, gauge_head = g.gauge_inside, g.gauge_tail, g.gauge_head
    h, target = s.h, s.target
    (tr_h, tr_u), (bo_h, bo_u), (ga_h, ga_u) = s.costs.transshipment, s.costs.border, s.costs.gauge
    # The most a state can add to the next leg: a change of mode and of gauge.
    dt, du = tr_h + ga_h, tr_u + ga_u
    slack = 1.0 + s.tolerance
    limited = s.limit is not None
    limit = s.limit if s.limit is not None else 0
    found: list[Label] = []
    bags: dict[int, list[Label]] = {}
    start: Label = [0.0, 0.0, 0.0, 0, 0, origin, START, -1, None, 1 << origin, True]
    bags[origin] = [start]
    heap: list[Any] = [(0.0, 0.0, 0.0, 0, 0, 0, start)]
    created = 1
    pop, push = heapq.heappop, heapq.heappush
    while heap and created < s.max_labels:
        entry = pop(heap)
        label = entry[-1]
        if not label[ALIVE]:
            continue
        node = label[NODE]
        if node == target:
            if not _dominated_by_found(
                found, label[G0], label[G1], label[G2], label[MASK], label[CROSS]
            ):
                found.append(label)
            continue
        if found and _dominated_by_found(
            found, entry[0] * slack, entry[1] * slack, entry[2] * slack, label[MASK], label[CROSS]
        ):
            continue  # a route found since it was made is better than its best completion
        g0, g1, g2 = label[G0], label[G1], label[G2]
        lmask, lcross, visited, state = label[MASK], label[CROSS], label[VISITED], label[STATE]
        came_mode = state // GAUGES if state >= 0 else -1
        came_gauge = state % GAUGES if state >= 0 else 0
        for e in s.arcs_from(node):
            head = head_of[e]
            if (visited >> head) & 1:
                continue
            hb = h[head]
            if hb is None:
                continue
            crossings = arc_cross[e]
            cross = lcross + crossings if limited else 0
            if cross > limit and limited:
                continue
            mode = arc_mode[e]
            hours = crossings * bo_h
            usd = crossings * bo_u
            gauges = gauge_inside[e]
            if came_mode >= 0:
                if came_mode != mode:
                    hours += tr_h
                    usd += tr_u
                elif mode == RAIL and came_gauge and gauge_tail[e] and came_gauge != gauge_tail[e]:
                    gauges += 1
            if gauges:
                hours += gauges * ga_h
                usd += gauges * ga_u
            n0, n1, n2 = g0 + w0[e] + hours, g1 + w1[e] + usd, g2 + w2[e]
            mask = lmask | arc_mask[e]
            f0, f1, f2 = n0 + hb[0], n1 + hb[1], n2 + hb[2]
            if found and _dominated_by_found(
                found, f0 * slack, f1 * slack, f2 * slack, mask, cross
            ):
                continue
            new_state = mode * GAUGES + gauge_head[e]
            l0, l1, l2 = n0 * slack, n1 * slack, n2 * slack
            bag = bags.get(head)
            if bag is None:
                bag = bags[head] = []
            else:
                # One pass: is the new label dominated, and which labels does it dominate? A
                # label it dominated stays dominated by the one that then turns it away.
                dominated, beaten = False, 0
                for o in bag:
                    if o[STATE] == new_state:
                        t, u, a, b = o[G0], o[G1], n0, n1
                    else:
                        t, u, a, b = o[G0] + dt, o[G1] + du, n0 + dt, n1 + du
                    om, oc = o[MASK], o[CROSS]
                    if t <= l0 and u <= l1 and o[G2] <= l2 and not om & ~mask and oc <= cross:
                        dominated = True
                        break
                    if a <= o[G0] and b <= o[G1] and n2 <= o[G2] and not mask & ~om and cross <= oc:
                        o[ALIVE] = False
                        beaten += 1
                if beaten:
                    bag[:] = [o for o in bag if o[ALIVE]]
                if dominated:
                    continue
            child: Label = [n0, n1, n2, mask, cross, head, new_state, e, label,
                            visited | (1 << head), True]  # fmt: skip
            bag.append(child)
            created += 1
            push(heap, (f0, f1, f2, _UNKNOWN_COUNT[mask], cross, created, child))
    return Outcome(found, created, not heap)


def arcs_of(label: Label) -> list[int]:
    """The arcs of a label's route, from the origin."""
    arcs: list[int] = []
    cursor: Label | None = label
    while cursor is not None and cursor[ARC] >= 0:
        arcs.append(cursor[ARC])
        cursor = cursor[PARENT]
    arcs.reverse()
    return arcs
