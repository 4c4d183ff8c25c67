"""The multi-criteria label-setting search behind the planner. No Django.

NAMOA*-style: a label is a partial route with its sums (hours, US$, kg CO2e per tonne), a bit
for each criterion that one of its legs lacks, its border crossings (only under a limit) and
the state it arrived in (mode and rail gauge, on which the next leg's penalties depend).

* The network is compiled once per cargo type into flat arrays (one entry per direction of a
  leg), so the inner loop reads arrays by index instead of attributes of objects.
* Lower bounds: for each criterion, a reverse Dijkstra from the destination over the legs the
  query allows (a leg's own border crossings and breaks of gauge counted, unknown figures
  counted as zero) gives the least that is still to come from every place; over walks per
  mode arrived by, counting a change of mode before the next leg. A place that cannot reach
  the destination is never entered.
* Labels leave the heap in lexicographic order of sum plus bound, so a label once taken is
  never dominated later; a label whose sum plus bound is dominated by a route already found is
  dropped when it is made and again when it is taken (routes found meanwhile).
* Dominance per place. Labels in different states are compared with the most that the one
  state can add to the next leg over the other (``margin``) added to the dominating one, so the
  comparison stays exact. Over walks it is checked lazily, against the labels already taken
  at the place (in one state they come in order of time, so a staircase over cost and CO2
  answers) and the last label made there and not yet taken, when a label is made and again
  when it is taken; over simple paths, a bag per place of labels that do not dominate each
  other.
* Walks or simple paths. Routes must be simple paths. When the penalties between legs obey
  the triangle inequality (``penalties_obey_triangle``), cutting a cycle out of a walk never
  makes it worse on any criterion, so the Pareto set over walks has the same vectors as the
  one over simple paths: the search then runs over walks (no record of the places visited,
  which also makes dominance between labels exact) and cuts the cycles, of zero weight, out
  of the few walks found. Otherwise it keeps the places a label has visited, never enters
  one twice, and a label dominates another only if it visited no place the other did not
  (else the other could go on through a place the first may not enter again).
* The search over walks runs compiled (``_pareto.c``, built by ``pip install -e .``); this
  module keeps the same algorithm in Python, which also searches simple paths.
* ``tolerance`` > 0 is epsilon-dominance: a label is also dropped when one in its bag, or a
  route found, is within (1 + tolerance) of it on every criterion. That bounds the bags and
  gives an approximate set; see docs/decisions.md for what it guarantees.
"""

from __future__ import annotations

import bisect
import heapq
import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bureau.freight.network import MODES, Leg, Network

try:
    from bureau.freight import _pareto  # type: ignore[attr-defined]
except ImportError:  # not built: the Python search below answers every query
    _pareto = None

PARETO_ABI = 1  # what _pareto.c must report (its arguments and results)
if _pareto is not None and _pareto.ABI != PARETO_ABI:
    raise ImportError(
        "bureau/freight/_pareto is out of date with search.py: rebuild it with `make install`"
    )
COMPILED = _pareto is not None

TIME, COST, CO2 = 1, 2, 4  # bits of the "unknown" mask
_UNKNOWN_COUNT = (0, 1, 1, 2, 1, 2, 2, 3)  # criteria unknown, by mask
MODE_ID = {mode: i for i, mode in enumerate(MODES)}
RAIL = MODE_ID["rail"]
GAUGES = 10_000  # a state is mode * GAUGES + gauge (mm); gauges are under 10 m
START = -1  # the state of the origin's label: no leg yet
SLOTS = len(MODES) + 1  # bounds per place: one per mode arrived by, one for the origin

# Fields of a label (a list, for speed): sums, unknown mask, crossings, place, state, arc
# taken, parent label, visited places (a bit per place, 0 over walks), and whether it is
# still in its bag.
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
    # Per (modes, countries avoided): the arcs allowed, as a list and as bytes, and the
    # facts about rail gauges that decide whether the penalties obey the triangle inequality.
    allowed_cache: dict[tuple[frozenset[str], int], Allowed] = field(default_factory=dict)
    _flat: tuple[array[Any], ...] | None = None

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

    def flat(self) -> tuple[array[Any], ...]:
        """The arrays that _pareto.search reads, made once (see the order there)."""
        if self._flat is None:
            ints = [self.head, self.tail]
            per_arc = [array("i", a) for a in ints] + [array("d", w) for w in self.weights]
            per_arc += [
                array("i", a)
                for a in (self.mask, self.crossings, self.mode, self.gauge_inside,
                          self.gauge_tail, self.gauge_head)
            ]  # fmt: skip
            self._flat = (*per_arc, *_csr(self.out), *_csr(self.into))
        return self._flat


def _csr(lists: list[list[int]]) -> tuple[array[Any], array[Any]]:
    starts, items = array("i", [0]), array("i")
    for arcs in lists:
        items.extend(arcs)
        starts.append(len(items))
    return starts, items


@dataclass(frozen=True)
class Allowed:
    arcs: list[bool]
    packed: bytes
    gauges: int  # distinct known rail gauges at the ends of allowed rail arcs
    unknown_gauge: bool  # an allowed rail arc with an end of unknown gauge


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
    """The query's penalties, in the units of the sums: (hours, US$) each."""

    transshipment: tuple[float, float]
    border: tuple[float, float]
    gauge: tuple[float, float]


@dataclass
class Outcome:
    routes: list[list[int]]  # the arcs of each Pareto-optimal route, a simple path
    created: int
    exhausted: bool  # True when the heap ran empty (the set is complete)


def allowed_arcs(graph: Graph, modes: Iterable[str], avoid: int) -> Allowed:
    key = (frozenset(modes), avoid)
    found = graph.allowed_cache.get(key)
    if found is None:
        ok_mode = [mode in key[0] for mode in MODES]
        arcs = [ok_mode[m] and not c & avoid for m, c in zip(graph.mode, graph.countries, strict=True)]  # fmt: skip
        rail = [e for e, ok in enumerate(arcs) if ok and graph.mode[e] == RAIL]
        ends = [graph.gauge_tail[e] for e in rail] + [graph.gauge_head[e] for e in rail]
        found = Allowed(arcs, bytes(arcs), len(set(ends) - {0}), 0 in ends)
        if len(graph.allowed_cache) >= 64:  # queries vary little; keep the cache small
            graph.allowed_cache.clear()
        graph.allowed_cache[key] = found
    return found


def penalties_obey_triangle(costs: Costs, allowed: Allowed) -> bool:
    """Whether the penalty between two legs is never more than the penalties and legs of any
    detour between them: then a route that revisits a place is never better than the route
    with that cycle cut out.

    A change of mode on the direct junction means one on any detour. A break of gauge on it
    (rail to rail, known gauges that differ) means, on a detour, either a leg by another mode
    (two changes of mode) or rail all the way, where the gauge must change somewhere, unless
    a rail leg of unknown gauge lets the detour forget it. So: no penalty negative, and no
    break of gauge possible (at most one known gauge, or none charged), or every rail end of
    known gauge and a break of gauge charging no more than two changes of mode.
    """
    penalties = (*costs.transshipment, *costs.border, *costs.gauge)
    if any(p < 0 for p in penalties):
        return False
    (tr_h, tr_u), (ga_h, ga_u) = costs.transshipment, costs.gauge
    if allowed.gauges <= 1 or (ga_h == 0 and ga_u == 0):
        return True
    return not allowed.unknown_gauge and ga_h <= 2 * tr_h and ga_u <= 2 * tr_u


def margin(costs: Costs, a: int, b: int) -> tuple[float, float]:
    """The most that a label in state ``a`` can pay on its next leg beyond what a label in
    state ``b`` pays on the same leg (hours, US$): the first must be that much better to stand
    for the second. _pareto.c has the same rule."""
    if a < 0 or a == b:
        return 0.0, 0.0  # the origin's label pays nothing before its first leg
    a_mode, a_gauge = divmod(a, GAUGES)
    b_mode = b // GAUGES if b >= 0 else -1
    (tr_h, tr_u), (ga_h, ga_u) = costs.transshipment, costs.gauge
    if a_mode == b_mode:  # only the gauge differs: a break of gauge that b would not pay
        return (ga_h, ga_u) if a_mode == RAIL and a_gauge else (0.0, 0.0)
    if a_mode == RAIL and a_gauge:
        if b_mode < 0:
            return max(tr_h, ga_h), max(tr_u, ga_u)
        # onto rail, b pays a change of mode where a may pay a break of gauge
        return max(tr_h, ga_h - tr_h), max(tr_u, ga_u - tr_u)
    return tr_h, tr_u


def bounds(
    graph: Graph, target: int, allowed: list[bool], costs: Costs
) -> list[tuple[float, float, float] | None]:
    """Per place, the least time, cost and CO2 from it to ``target`` (None: unreachable)."""
    own = [(costs.border[0], costs.gauge[0]), (costs.border[1], costs.gauge[1]), (0.0, 0.0)]
    found = []
    for k, (per_border, per_gauge) in enumerate(own):
        weight = [
            w + c * per_border + g * per_gauge
            for w, c, g in zip(graph.weights[k], graph.crossings, graph.gauge_inside, strict=True)
        ]
        found.append(_reverse(graph, target, allowed, weight))
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


def mode_bounds(graph: Graph, target: int, allowed: list[bool], costs: Costs) -> list[list[float]]:
    """Per criterion, the least from each place to ``target`` per state the place is reached
    in: ``h[k][place * SLOTS + mode]``, and ``h[k][place * SLOTS + len(MODES)]`` at the origin
    (no leg yet). A leg's own border crossings and breaks of gauge count, and so does a change
    of mode between legs (breaks of gauge between legs do not: they would need the gauge in the
    state). The same sums in the same order as _pareto.c's reverse()."""
    own = [
        (costs.border[0], costs.gauge[0], costs.transshipment[0]),
        (costs.border[1], costs.gauge[1], costs.transshipment[1]),
        (0.0, 0.0, 0.0),
    ]
    return [_reverse_by_mode(graph, target, allowed, k, *own[k]) for k in range(3)]


def _reverse_by_mode(graph: Graph, target: int, allowed: list[bool], k: int,
                     per_border: float, per_gauge: float, change: float) -> list[float]:  # fmt: skip
    modes, by_mode = len(MODES), change != 0.0
    best = [math.inf] * (len(graph.ids) * SLOTS)
    for m in range(SLOTS):
        best[target * SLOTS + m] = 0.0
    heap = [(0.0, target * SLOTS + m) for m in (range(modes) if by_mode else [modes])]
    weights, into, tail, arc_mode = graph.weights[k], graph.into, graph.tail, graph.mode
    crossings, inside = graph.crossings, graph.gauge_inside
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        d, at = pop(heap)
        if d > best[at]:
            continue
        node, came = divmod(at, SLOTS)
        for e in into[node]:
            if not allowed[e] or (by_mode and arc_mode[e] != came):
                continue
            nd = d + (weights[e] + crossings[e] * per_border + inside[e] * per_gauge)
            t = tail[e] * SLOTS
            if not by_mode:
                if nd < best[t + modes]:
                    best[t + modes] = nd
                    push(heap, (nd, t + modes))
                continue
            for m in range(modes):
                dm = nd if m == came else nd + change
                if dm < best[t + m]:
                    best[t + m] = dm
                    push(heap, (dm, t + m))
            if nd < best[t + modes]:
                best[t + modes] = nd  # the origin pays no change of mode
    if not by_mode:
        for v in range(len(graph.ids)):
            best[v * SLOTS : v * SLOTS + modes] = [best[v * SLOTS + modes]] * modes
    return best


@dataclass
class Search:
    graph: Graph
    target: int
    allowed: Allowed
    costs: Costs
    limit: int | None  # border crossings
    tolerance: float
    max_labels: int
    compiled: bool = True  # use _pareto when it is built and the search may run over walks
    h: list[tuple[float, float, float] | None] = field(default_factory=list)
    adjacency: dict[int, list[int]] = field(default_factory=dict)

    def arcs_from(self, node: int) -> list[int]:
        found = self.adjacency.get(node)
        if found is None:
            allowed = self.allowed.arcs
            found = self.adjacency[node] = [e for e in self.graph.out[node] if allowed[e]]
        return found

    def run(self, origin: int) -> Outcome:
        if not penalties_obey_triangle(self.costs, self.allowed):
            self.h = bounds(self.graph, self.target, self.allowed.arcs, self.costs)
            if self.h[origin] is None:
                return Outcome([], 0, True)
            found, created, exhausted = _simple_paths(self, origin)
        elif self.compiled and _pareto is not None:
            return self._compiled(origin)
        else:
            h = mode_bounds(self.graph, self.target, self.allowed.arcs, self.costs)
            if math.isinf(h[0][origin * SLOTS + len(MODES)]):
                return Outcome([], 0, True)
            found, created, exhausted = _walks(self, origin, h)
        return Outcome([simple(self.graph, arcs_of(label)) for label in found], created, exhausted)

    def _compiled(self, origin: int) -> Outcome:
        c = self.costs
        assert _pareto is not None
        found, created, exhausted = _pareto.search(
            self.graph.flat(), self.allowed.packed, origin, self.target,
            (*c.transshipment, *c.border, *c.gauge), -1 if self.limit is None else self.limit,
            self.tolerance, self.max_labels, RAIL, len(MODES),
        )  # fmt: skip
        return Outcome([simple(self.graph, arcs) for arcs in found], created, exhausted)


def simple(graph: Graph, arcs: list[int]) -> list[int]:
    """The walk with its cycles cut out. Over walks the search returns only walks whose
    cycles weigh nothing (else the cut walk would dominate it), so the figures stay the same."""
    if not arcs:
        return arcs
    places, path = [graph.tail[arcs[0]]], list[int]()
    for e in arcs:
        place = graph.head[e]
        if place in places:
            k = places.index(place)
            del places[k + 1 :], path[k:]
        else:
            places.append(place)
            path.append(e)
    return path


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


def _simple_paths(s: Search, origin: int) -> tuple[list[Label], int, bool]:
    """The search over simple paths, where the penalties do not obey the triangle inequality:
    eager bags (a new label turns away the labels it dominates at once) and a label's visited
    places in its dominance."""
    g = s.graph
    head_of, w0, w1, w2 = g.head, g.weights[0], g.weights[1], g.weights[2]
    arc_mask, arc_cross, arc_mode = g.mask, g.crossings, g.mode
    gauge_inside, gauge_tail, gauge_head = g.gauge_inside, g.gauge_tail, g.gauge_head
    h, target = s.h, s.target
    (tr_h, tr_u), (bo_h, bo_u), (ga_h, ga_u) = s.costs.transshipment, s.costs.border, s.costs.gauge
    margins: dict[tuple[int, int], tuple[float, float]] = {}
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
            new_visited = visited | (1 << head)
            l0, l1, l2 = n0 * slack, n1 * slack, n2 * slack
            bag = bags.get(head)
            if bag is None:
                bag = bags[head] = []
            else:
                # One pass: is the new label dominated, and which labels does it dominate? A
                # label it dominated stays dominated by the one that then turns it away.
                dominated, beaten = False, 0
                for o in bag:
                    ostate = o[STATE]
                    m = margins.get((ostate, new_state))
                    if m is None:
                        m = margins[ostate, new_state] = margin(s.costs, ostate, new_state)
                        margins[new_state, ostate] = margin(s.costs, new_state, ostate)
                    k = margins[new_state, ostate]
                    om, oc, ov = o[MASK], o[CROSS], o[VISITED]
                    if (
                        o[G0] + m[0] <= l0
                        and o[G1] + m[1] <= l1
                        and o[G2] <= l2
                        and not om & ~mask
                        and oc <= cross
                        and not ov & ~new_visited
                    ):
                        dominated = True
                        break
                    if (
                        n0 + k[0] <= o[G0]
                        and n1 + k[1] <= o[G1]
                        and n2 <= o[G2]
                        and not mask & ~om
                        and cross <= oc
                        and not new_visited & ~ov
                    ):
                        o[ALIVE] = False
                        beaten += 1
                if beaten:
                    bag[:] = [o for o in bag if o[ALIVE]]
                if dominated:
                    continue
            child: Label = [n0, n1, n2, mask, cross, head, new_state, e, label, new_visited, True]
            bag.append(child)
            created += 1
            push(heap, (f0, f1, f2, _UNKNOWN_COUNT[mask], cross, created, child))
    return found, created, not heap


class _Stair:
    """_pareto.c's Stair: labels by cost ascending and CO2 descending, none covering another
    on those two; every question comes with a time no less than theirs (see there)."""

    __slots__ = ("d0", "d1", "d2")

    def __init__(self) -> None:
        self.d0: list[float] = []
        self.d1: list[float] = []
        self.d2: list[float] = []

    def rank(self, m1: float, f1: float, strict: bool = False) -> int:
        """The number of entries with d1 + m1 <= f1 (strict: < f1)."""
        find = bisect.bisect_left if strict else bisect.bisect_right
        return find(self.d1, f1, key=lambda d1: d1 + m1)

    def covers(self, f0: float, f1: float, f2: float) -> tuple[bool, bool]:
        """(covered, unsure): unsure when only the time said no."""
        i = self.rank(0.0, f1) - 1
        if i < 0 or self.d2[i] > f2:
            return False, False
        return (True, False) if self.d0[i] <= f0 else (False, True)

    def covers_by(self, m0: float, m1: float, f0: float, f1: float, f2: float) -> bool:
        i = self.rank(m1, f1) - 1
        while i >= 0 and self.d2[i] <= f2:
            if self.d0[i] + m0 <= f0:
                return True
            i -= 1
        return False

    def insert(self, d0: float, d1: float, d2: float) -> None:
        above = self.rank(0.0, d1)
        if above > 0 and self.d2[above - 1] <= d2:
            return
        start = end = self.rank(0.0, d1, strict=True)
        while end < len(self.d2) and self.d2[end] >= d2:
            end += 1
        for values, value in ((self.d0, d0), (self.d1, d1), (self.d2, d2)):
            values[start:end] = [value]


@dataclass
class _Place:
    fronts: dict[tuple[int, int], _Stair] = field(default_factory=dict)  # by (state, mask)
    taken: list[Label] = field(default_factory=list)
    # by (state, mask), the sums of the last label made and not yet taken (_pareto.c's Front)
    waiting: dict[tuple[int, int], tuple[float, float, float]] = field(default_factory=dict)


def _walks(s: Search, origin: int, h: list[list[float]]) -> tuple[list[Label], int, bool]:
    """The search over walks, as _pareto.c runs it (label for label): dominance checked
    lazily, against the labels taken at a place, when a label is made and when it is taken."""
    g = s.graph
    head_of, w0, w1, w2 = g.head, g.weights[0], g.weights[1], g.weights[2]
    arc_mask, arc_cross, arc_mode = g.mask, g.crossings, g.mode
    gauge_inside, gauge_tail, gauge_head = g.gauge_inside, g.gauge_tail, g.gauge_head
    target, costs, (h0, h1, h2), no_leg = s.target, s.costs, h, len(MODES)
    (tr_h, tr_u), (bo_h, bo_u), (ga_h, ga_u) = costs.transshipment, costs.border, costs.gauge
    slack = 1.0 + s.tolerance
    limited = s.limit is not None
    limit = s.limit if s.limit is not None else 0
    found: list[Label] = []
    places: dict[int, _Place] = {}

    def dominated_at(node: int, state: int, mask: int, cross: int,
                     l0: float, l1: float, l2: float) -> bool:  # fmt: skip
        place = places.get(node)
        if place is None:
            return False
        unsure = limited
        if not limited:
            for (ostate, omask), stair in place.fronts.items():
                if omask & ~mask:
                    continue
                if ostate == state:
                    covered, doubt = stair.covers(l0, l1, l2)
                    if covered:
                        return True
                    unsure = unsure or doubt
                elif stair.covers_by(*margin(costs, ostate, state), l0, l1, l2):
                    return True
        if not unsure:
            return False
        for o in place.taken:
            m0, m1 = margin(costs, o[STATE], state)
            if (
                o[G0] + m0 <= l0
                and o[G1] + m1 <= l1
                and o[G2] <= l2
                and not o[MASK] & ~mask
                and o[CROSS] <= cross
            ):
                return True
        return False

    start: Label = [0.0, 0.0, 0.0, 0, 0, origin, START, -1, None, 0, True]
    heap: list[Any] = [(0.0, 0.0, 0.0, 0, 0, 0, start)]
    created = 1
    pop, push = heapq.heappop, heapq.heappush
    while heap and created < s.max_labels:
        entry = pop(heap)
        label = entry[-1]
        node = label[NODE]
        g0, g1, g2 = label[G0], label[G1], label[G2]
        lmask, lcross, state = label[MASK], label[CROSS], label[STATE]
        if node == target:
            if not _dominated_by_found(found, g0, g1, g2, lmask, lcross):
                found.append(label)
            continue
        if found and _dominated_by_found(
            found, entry[0] * slack, entry[1] * slack, entry[2] * slack, lmask, lcross
        ):
            continue  # a route found since it was made is better than its best completion
        if dominated_at(node, state, lmask, lcross, g0 * slack, g1 * slack, g2 * slack):
            continue  # a label taken here since it was made stands for it
        place = places.setdefault(node, _Place())
        place.taken.append(label)
        place.fronts.setdefault((state, lmask), _Stair()).insert(g0, g1, g2)
        came_mode = state // GAUGES if state >= 0 else -1
        came_gauge = state % GAUGES if state >= 0 else 0
        for e in s.arcs_from(node):
            head = head_of[e]
            if math.isinf(h0[head * SLOTS + no_leg]):
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
            at = head * SLOTS + mode
            f0, f1, f2 = n0 + h0[at], n1 + h1[at], n2 + h2[at]
            if found and _dominated_by_found(
                found, f0 * slack, f1 * slack, f2 * slack, mask, cross
            ):
                continue
            new_state = mode * GAUGES + gauge_head[e]
            l0, l1, l2 = n0 * slack, n1 * slack, n2 * slack
            if dominated_at(head, new_state, mask, cross, l0, l1, l2):
                continue
            if not limited:
                waiting = places.setdefault(head, _Place()).waiting
                w = waiting.get((new_state, mask))
                if w is not None and w[0] <= l0 and w[1] <= l1 and w[2] <= l2:
                    continue  # no better than a label made here and not yet taken
                waiting[new_state, mask] = (n0, n1, n2)
            child: Label = [n0, n1, n2, mask, cross, head, new_state, e, label, 0, True]
            created += 1
            push(heap, (f0, f1, f2, _UNKNOWN_COUNT[mask], cross, created, child))
    return found, created, not heap


def arcs_of(label: Label) -> list[int]:
    """The arcs of a label's route, from the origin."""
    arcs: list[int] = []
    cursor: Label | None = label
    while cursor is not None and cursor[ARC] >= 0:
        arcs.append(cursor[ARC])
        cursor = cursor[PARENT]
    arcs.reverse()
    return arcs
