"""The planner against a brute-force enumeration of simple paths, on random small networks."""

from __future__ import annotations

import itertools
import json
import math
import random
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bureau.freight import network as net
from bureau.freight import search
from bureau.freight.planner import CRITERIA, Penalties, PlanError, Query, plan
from bureau.freight.selectors import SHIPPED

MODES = ("road", "rail", "sea")
COUNTRIES = ("AA", "BB", "CC")
FACTORS = {"road": 80.0, "rail": 30.0, "sea": 15.0}


def _document(nodes: list[str], countries: list[str], legs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": net.FORMAT,
        "sources": {"T": {"title": "test"}},
        "methods": {},
        "emission_factors": [
            {"mode": m, "grams_per_tonne_km": g, "sources": ["T"]} for m, g in FACTORS.items()
        ],
        "nodes": [
            {"id": n, "name": n, "country": c, "kind": "city", "lat": i * 0.5, "lon": i * 0.3}
            for i, (n, c) in enumerate(zip(nodes, countries, strict=True))
        ],
        "legs": legs,
    }


def _figure(value: int | None) -> dict[str, Any] | None:
    return None if value is None else {"value": value, "basis": "published", "sources": ["T"]}


@st.composite
def networks(draw: st.DrawFn) -> net.Network:
    size = draw(st.integers(3, 6))
    nodes = [f"N{i}" for i in range(size)]
    countries = [draw(st.sampled_from(COUNTRIES)) for _ in nodes]
    pairs = [(a, b) for a in range(size) for b in range(size) if a != b]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=2, max_size=10))
    legs = []
    for i, (a, b) in enumerate(chosen):
        maybe = st.one_of(st.none(), st.integers(0, 50))
        mode = draw(st.sampled_from(MODES))
        gauges = (
            draw(st.sampled_from([(None, None), (1435, 1435), (1520, 1520), (1435, 1520)]))
            if mode == "rail"
            else (None, None)
        )
        legs.append({
            "id": f"L{i}", "from": nodes[a], "to": nodes[b], "mode": mode,
            "bidirectional": draw(st.booleans()),
            "distance_km": _figure(draw(maybe)), "hours": _figure(draw(maybe)),
            "usd_per_teu": _figure(draw(maybe)),
            "gauge_from": gauges[0], "gauge_to": gauges[1],
        })  # fmt: skip
    return net.parse(_document(nodes, countries, legs))


def _vector(
    network: net.Network, query: Query, path: list[tuple[net.Leg, bool]]
) -> tuple[Any, ...]:
    """Figures of a path, computed here independently of the planner."""
    p = query.penalties
    totals, unknown, borders = [0.0, 0.0, 0.0], set(), 0
    previous: tuple[net.Leg, bool] | None = None
    for leg, forward in path:
        countries = leg.countries if forward else leg.countries[::-1]
        crossings = sum(a != b for a, b in itertools.pairwise(countries))
        borders += crossings
        totals[0] += crossings * p.border_hours
        gauge_from, gauge_to = (
            (leg.gauge_from, leg.gauge_to) if forward else (leg.gauge_to, leg.gauge_from)
        )
        gauge_changes = int(bool(gauge_from and gauge_to and gauge_from != gauge_to))
        if previous is not None:
            before, was_forward = previous
            if before.mode != leg.mode:
                totals[0] += p.transshipment_hours
            came = before.gauge_to if was_forward else before.gauge_from
            if before.mode == leg.mode == "rail" and came and gauge_from and came != gauge_from:
                gauge_changes += 1
        totals[0] += gauge_changes * p.gauge_hours
        for k, name in enumerate(("hours", "usd_per_teu")):
            figure = leg.figure(name)
            if figure is None:
                unknown.add(k)
            else:
                totals[k] += figure.value
        dwell = leg.figure("dwell_hours")
        if dwell is not None and leg.figure("hours") is not None:
            totals[0] += dwell.value
        km = leg.figure("distance_km")
        factor = network.emission_factors.get(leg.mode)
        if km is None or factor is None:
            unknown.add(2)
        else:
            totals[2] += factor.grams_per_tonne_km * km.value / 1000
        previous = (leg, forward)
    return (*(round(t, 6) for t in totals), frozenset(unknown), borders)


def _simple_paths(network: net.Network, query: Query) -> list[list[tuple[net.Leg, bool]]]:
    found: list[list[tuple[net.Leg, bool]]] = []

    def walk(at: str, seen: set[str], path: list[tuple[net.Leg, bool]]) -> None:
        if at == query.destination:
            found.append(list(path))
            return
        for leg in network.legs:
            for forward in (True, False):
                if not forward and not leg.bidirectional:
                    continue
                start, end = (
                    (leg.origin, leg.destination) if forward else (leg.destination, leg.origin)
                )
                if start != at or end in seen or leg.mode not in query.modes:
                    continue
                if query.cargo not in leg.cargo:
                    continue
                if set(leg.countries) & query.avoid_countries:
                    continue
                walk(end, seen | {end}, [*path, (leg, forward)])

    walk(query.origin, {query.origin}, [])
    return found


def _dominates(a: tuple[Any, ...], b: tuple[Any, ...], limit: bool) -> bool:
    better = all(x <= y for x, y in zip(a[:3], b[:3], strict=True)) and a[3] <= b[3]
    return better and (not limit or a[4] <= b[4])


def _pareto(vectors: list[tuple[Any, ...]], limit: bool) -> set[tuple[Any, ...]]:
    keys = {v[:4] if not limit else v for v in vectors}
    return {v for v in keys if not any(w != v and _dominates(w, v, limit) for w in keys)}


queries = st.fixed_dictionaries({
    "avoid": st.sets(st.sampled_from(COUNTRIES), max_size=1),
    "modes": st.sets(st.sampled_from(MODES), min_size=1),
    "max_borders": st.one_of(st.none(), st.integers(0, 2)),
    "penalties": st.sampled_from([Penalties(0, 0, 0), Penalties(), Penalties(5, 7, 11)]),
})  # fmt: skip


# Both searches: the compiled one (over walks, where the penalties allow it) and the Python one.
@pytest.mark.parametrize("compiled", [True, False])
@settings(max_examples=300, deadline=None)
@given(networks(), queries)
def test_the_pareto_set_equals_brute_force_over_simple_paths(
    compiled: bool, network: net.Network, q: dict[str, Any]
) -> None:
    origin, destination = "N0", f"N{len(network.nodes) - 1}"
    query = Query(origin, destination, frozenset(q["avoid"]), frozenset(q["modes"]), q["max_borders"],
                  penalties=q["penalties"])  # fmt: skip
    result = plan(network, query, compiled=compiled)
    limit = q["max_borders"] is not None
    paths = _simple_paths(network, query)
    vectors = [_vector(network, query, p) for p in paths]
    if limit:
        vectors = [v for v in vectors if v[4] <= q["max_borders"]]
    expected = _pareto(vectors, limit)
    got = [
        _vector(network, query, [(s.leg, s.origin == s.leg.origin) for s in r.steps])
        for r in result.routes
    ]
    if not (set(q["avoid"]) & {network.nodes[origin].country, network.nodes[destination].country}):
        assert {v if limit else v[:4] for v in got} == expected
    assert (result.routes == []) == (result.reason != "")


@pytest.mark.parametrize("compiled", [True, False])
@settings(max_examples=200, deadline=None)
@given(networks(), queries)
def test_no_returned_route_is_dominated_and_totals_are_honest(
    compiled: bool, network: net.Network, q: dict[str, Any]
) -> None:
    query = Query("N0", "N1", modes=frozenset(q["modes"]), penalties=q["penalties"])
    routes = plan(network, query, compiled=compiled).routes
    vectors = [
        _vector(network, query, [(s.leg, s.origin == s.leg.origin) for s in r.steps])
        for r in routes
    ]
    for a, b in itertools.permutations(vectors, 2):
        assert not _dominates(a, b, False)
    for route, vector in zip(routes, vectors, strict=True):
        assert route.totals["time"] == vector[0] or abs(route.totals["time"] - vector[0]) < 1e-6
        assert {CRITERIA.index(c) for c in route.unknown} == set(vector[3])
        assert len(set(route.places)) == len(route.places)  # simple


def test_an_unknown_cost_is_not_a_free_one() -> None:
    legs = [
        {"id": "cheap", "from": "AA", "to": "BB", "mode": "road", "hours": _figure(10), "usd_per_teu": _figure(100), "distance_km": _figure(10)},
        {"id": "unpriced", "from": "AA", "to": "BB", "mode": "rail", "hours": _figure(10), "distance_km": _figure(10)},
    ]  # fmt: skip
    network = net.parse(_document(["AA", "BB"], ["AA", "AA"], legs))
    routes = plan(network, Query("AA", "BB")).routes
    assert [r.steps[0].leg.id for r in routes] == ["cheap", "unpriced"]  # neither dominates
    assert routes[1].unknown == ("cost",) and routes[0].unknown == ()


def test_a_detour_that_avoids_a_break_of_gauge_does_not_hide_a_simple_route() -> None:
    """Rail on 1435 mm reaches X, rail on 1520 mm leaves it. Going X–V–X by road costs two
    transshipments (10 h), less than the break of gauge (11 h); a route may not do that, but
    the partial route O–X–V, better than O–V, must not stand for it: O–V–X–T is Pareto-optimal
    and O–X–V–X–T is not a route."""
    zero = {"distance_km": _figure(0), "usd_per_teu": _figure(0)}
    legs: list[dict[str, Any]] = [
        {"id": "OX", "from": "OO", "to": "XX", "mode": "rail", "hours": _figure(0), **zero,
         "gauge_from": 1435, "gauge_to": 1435},
        {"id": "XV", "from": "XX", "to": "VV", "mode": "road", "hours": _figure(0), **zero},
        {"id": "OV", "from": "OO", "to": "VV", "mode": "road", "bidirectional": False,
         "hours": _figure(5), "distance_km": _figure(0), "usd_per_teu": _figure(1)},
        {"id": "XT", "from": "XX", "to": "TT", "mode": "rail", "hours": _figure(0), **zero,
         "gauge_from": 1520, "gauge_to": 1520},
    ]  # fmt: skip
    network = net.parse(_document(["OO", "XX", "VV", "TT"], ["AA"] * 4, legs))
    for compiled in (True, False):
        result = plan(network, Query("OO", "TT", penalties=Penalties(5, 7, 11)), compiled=compiled)
        routes = {
            tuple(s.leg.id for s in r.steps): (r.totals["time"], r.totals["cost"])
            for r in result.routes
        }
        assert routes == {("OX", "XT"): (11.0, 0.0), ("OV", "XV", "XT"): (10.0, 1.0)}


@pytest.mark.parametrize("penalty", [-1.0, math.nan, math.inf])
def test_a_negative_or_missing_penalty_is_refused_by_name(penalty: float) -> None:
    """The bounds and the walk search rely on penalties of at least zero."""
    network = _shipped()
    with pytest.raises(PlanError) as refused:
        plan(network, Query("PKKHI", "AZBAK", penalties=Penalties(gauge_hours=penalty)))
    assert refused.value.field == "gauge_hours"


def _synthetic(seed: int, size: int = 40) -> net.Network:
    """A network bigger than brute force can check, with every gauge known (so that the
    penalties below obey the triangle inequality and the compiled search runs)."""
    rng = random.Random(seed)
    nodes = [f"N{i}" for i in range(size)]
    countries = [COUNTRIES[i * len(COUNTRIES) // size] for i in range(size)]
    legs = []
    for i in range(size * 3):
        a = rng.randrange(size)
        b = min(size - 1, max(0, a + rng.choice([-4, -3, -2, -1, 1, 2, 3, 4])))
        if a == b:
            continue
        mode = rng.choice(MODES)
        gauges = (
            rng.choice([(1435, 1435), (1520, 1520), (1435, 1520)])
            if mode == "rail"
            else (None, None)
        )
        legs.append({
            "id": f"L{i}", "from": nodes[a], "to": nodes[b], "mode": mode,
            "bidirectional": rng.random() < 0.8,
            "distance_km": _figure(rng.randint(10, 90)), "hours": _figure(rng.randint(0, 60)),
            "usd_per_teu": _figure(None if rng.random() < 0.05 else rng.randint(0, 400)),
            "gauge_from": gauges[0], "gauge_to": gauges[1],
        })  # fmt: skip
    return net.parse(_document(nodes, countries, legs))


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_search_matches_the_python_one_label_for_label(seed: int) -> None:
    assert search.COMPILED  # built by make install; without it every query runs in Python
    network = _synthetic(seed)
    rng = random.Random(seed)
    for penalties, borders, tolerance in [
        (Penalties(), None, 0.0),
        (Penalties(0, 0, 0), 1, 0.0),
        (Penalties(10, 3, 15, 100, 0, 150), None, 0.0),
        (Penalties(), None, 0.05),
    ]:
        origin, destination = rng.sample(sorted(network.nodes), 2)
        query = Query(origin, destination, max_border_crossings=borders, penalties=penalties,
                      tolerance=tolerance)  # fmt: skip
        compiled, python = plan(network, query), plan(network, query, compiled=False)
        assert compiled.labels == python.labels and compiled.complete == python.complete
        assert [r.places for r in compiled.routes] == [r.places for r in python.routes]
        assert [r.totals for r in compiled.routes] == [r.totals for r in python.routes]


def test_a_search_stopped_at_its_limit_returns_the_same_routes_from_both() -> None:
    network = _synthetic(11, size=60)
    query = Query("N0", "N59", max_labels=300)
    compiled, python = plan(network, query), plan(network, query, compiled=False)
    assert not compiled.complete and compiled.labels == python.labels >= 300
    assert [r.places for r in compiled.routes] == [r.places for r in python.routes]


# --- the shipped network: the planner against every simple path -------------------------------


def _shipped() -> net.Network:
    return net.parse(json.loads(SHIPPED.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("origin", "destination", "avoid", "penalties"),
    [
        ("PKKHI", "AZBAK", (), Penalties()),
        ("PKKHI", "AZBAK", (), Penalties(0, 0, 0)),
        ("PKKHI", "AZBAK", ("IR",), Penalties()),
        ("AZBAK", "PKKHI", (), Penalties(5, 7, 11)),
        ("PKUET", "TRIST", (), Penalties()),
    ],
)
def test_on_the_shipped_network_the_pareto_set_equals_every_simple_path_compared(
    origin: str, destination: str, avoid: tuple[str, ...], penalties: Penalties
) -> None:
    network = _shipped()
    query = Query(origin, destination, frozenset(avoid), penalties=penalties)
    result = plan(network, query)
    vectors = [_vector(network, query, p) for p in _simple_paths(network, query)]
    got = [
        _vector(network, query, [(s.leg, s.origin == s.leg.origin) for s in r.steps])
        for r in result.routes
    ]
    assert vectors  # the shipped network links both places
    assert {v[:4] for v in got} == _pareto(vectors, False)
    assert len(got) == len({v[:4] for v in got})  # each vector once
    assert result.complete


def test_the_planner_imports_no_django():
    """The planner is a plain module: a process without Django can plan, and its refusals
    carry a template that the pages translate."""
    script = (
        "import sys; sys.modules['django'] = None\n"
        "from bureau.freight import planner\n"
        "try:\n"
        "    planner.PlanError('to', planner._('%(place)s is odd'), place='X')\n"
        "except Exception as error: raise SystemExit(repr(error))\n"
        "print(planner.PlanError('to', planner._('%(place)s is odd'), place='X').message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "X is odd"
