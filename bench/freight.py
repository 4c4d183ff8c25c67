"""Route planning on a synthetic network of 5,000 places and 20,000 legs, three criteria.

    .venv/bin/python bench/freight.py [--nodes 5000] [--legs 20000] [--queries 30] [--seed 7]
                                      [--python-queries 0]

The network is geographic, like the real one: places scattered over the corridors' box
(latitude 20 to 50, longitude 25 to 80) in 12 countries, each joined to its nearest neighbours by
road, rail, sea or ferry legs whose distance is the great-circle distance times a detour
factor, and whose hours, cost per TEU and CO2 follow from the mode (so the criteria pull
against each other between modes as they do on real corridors: within a mode all three grow
with the distance). Every figure is known.

Measured, for the same random pairs of places:

* the planner: every Pareto-optimal route by time, cost and CO2 (with the default penalties
  for transshipment, border crossings and gauge changes);
* the baseline: networkx's single-criterion Dijkstra (time only, no penalties) on the same
  graph, the cheapest question one can ask of it.

``--python-queries N`` also times the planner's Python search (the compiled one's twin, used
where the compiled one is not built) on the first N pairs.

Prints progress on stderr, then one JSON line: p50/p99 of both (wall time, and CPU time of the
process, which a shared machine disturbs less), their ratio, the mean size of the Pareto set,
whether the compiled search ran, and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx

from bench._common import emit, log, ms, percentile
from bureau.freight import network as net
from bureau.freight import planner, search
from bureau.freight.planner import Penalties, Query, plan

MODES = {  # km/h, USD per km per TEU
    "road": (45.0, 1.2),
    "rail": (30.0, 0.6),
    "sea": (26.0, 0.25),
    "ferry": (22.0, 0.8),
}
FACTORS = {"road": 84.73, "rail": 31.59, "sea": 29.70, "ferry": 106.4}
COUNTRIES = [f"X{chr(65 + i)}" for i in range(12)]  # 12 made-up alpha-2 codes


def _places(rng: random.Random, count: int) -> list[tuple[float, float]]:
    return [(rng.uniform(20, 50), rng.uniform(25, 80)) for _ in range(count)]


def _neighbour_pairs(points: list[tuple[float, float]], wanted: int) -> list[tuple[int, int]]:
    """Each place joined to its nearest places (found through a grid) until ``wanted`` legs."""
    cell = 1.0
    grid: dict[tuple[int, int], list[int]] = {}
    for i, (lat, lon) in enumerate(points):
        grid.setdefault((int(lat / cell), int(lon / cell)), []).append(i)
    pairs: set[tuple[int, int]] = set()
    k = 1
    while len(pairs) < wanted:
        for i, (lat, lon) in enumerate(points):
            gx, gy = int(lat / cell), int(lon / cell)
            near = [
                j
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                for j in grid.get((gx + dx, gy + dy), [])
                if j != i
            ]
            near.sort(key=lambda j: (points[j][0] - lat) ** 2 + (points[j][1] - lon) ** 2)
            for j in near[:k]:
                pairs.add((min(i, j), max(i, j)))
                if len(pairs) >= wanted:
                    return sorted(pairs)
        k += 1
    return sorted(pairs)


def synthetic_network(nodes: int, legs: int, seed: int) -> net.Network:
    rng = random.Random(seed)
    points = _places(rng, nodes)
    ids = [f"N{i:05d}" for i in range(nodes)]
    document: dict[str, Any] = {
        "format": net.FORMAT,
        "sources": {"SYN": {"title": "synthetic"}},
        "methods": {},
        "emission_factors": [
            {"mode": m, "grams_per_tonne_km": g, "sources": ["SYN"]} for m, g in FACTORS.items()
        ],
        "nodes": [
            {
                "id": ids[i],
                "name": ids[i],
                "kind": "city",
                "lat": lat,
                "lon": lon,
                "country": COUNTRIES[
                    min(int((lon - 25) / 55 * 4), 3) + 4 * min(int((lat - 20) / 30 * 3), 2)
                ],
            }
            for i, (lat, lon) in enumerate(points)
        ],
        "legs": [],
    }
    # Modes are coherent in space, as on real corridors: some places are on the railway, a few
    # are ports; a leg between two railway places is rail, between two ports sea, else road.
    kind = [rng.choices(["rail", "port", "road"], [0.5, 0.15, 0.35])[0] for _ in points]
    for n, (a, b) in enumerate(_neighbour_pairs(points, legs)):
        mode = {("rail", "rail"): "rail", ("port", "port"): "sea"}.get((kind[a], kind[b]), "road")
        if mode == "sea" and rng.random() < 0.3:
            mode = "ferry"
        speed, rate = MODES[mode]
        km = net.great_circle_km(*points[a], *points[b]) * rng.uniform(1.05, 1.4)

        def known(value: float) -> dict[str, Any]:
            return {"value": round(value, 2), "basis": "published", "sources": ["SYN"]}

        document["legs"].append({
            "id": f"L{n}", "from": ids[a], "to": ids[b], "mode": mode, "distance_km": known(km),
            "hours": known(km / speed),
            "usd_per_teu": known(km * rate),
            "gauge_from": 1435 if mode == "rail" else None, "gauge_to": 1435 if mode == "rail" else None,
        })  # fmt: skip
    return net.parse(document)


def baseline_graph(network: net.Network) -> nx.Graph:
    graph = nx.Graph()
    for leg in network.legs:
        hours = leg.figures["hours"].value
        if (
            not graph.has_edge(leg.origin, leg.destination)
            or graph[leg.origin][leg.destination]["time"] > hours
        ):
            graph.add_edge(leg.origin, leg.destination, time=hours)
    return graph


CPU: list[list[float]] = [[], []]  # CPU seconds of the planner's and the baseline's queries


def _timed(run: Any, cpu: list[float] | None = None) -> tuple[float, Any]:
    """Wall seconds of ``run()``; its CPU seconds appended to ``cpu`` (on a shared machine the
    wall time also counts the time spent waiting for a core)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = run()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start, result


def _over_walks(network: net.Network) -> bool:
    """Whether the default penalties let the search run over walks on this network."""
    graph = search.compile_graph(network, "container", planner.leg_values)
    p = Penalties()
    costs = search.Costs(
        (p.transshipment_hours, p.transshipment_usd), (p.border_hours, p.border_usd),
        (p.gauge_hours, p.gauge_usd),
    )  # fmt: skip
    return search.penalties_obey_triangle(costs, search.allowed_arcs(graph, net.MODES, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--legs", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--tolerance", type=float, default=0.0, help="0: the exact Pareto set.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--python-queries", type=int, default=0, help="Also time the Python search."
    )
    args = parser.parse_args()
    log(f"building a network of {args.nodes} places and {args.legs} legs")
    started = time.perf_counter()
    network = synthetic_network(args.nodes, args.legs, args.seed)
    built = time.perf_counter() - started
    graph = baseline_graph(network)
    rng = random.Random(args.seed + 1)
    ids = list(network.nodes)
    connected = max(nx.connected_components(graph), key=len)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < args.queries:
        a, b = rng.sample(ids, 2)
        if a in connected and b in connected:
            pairs.append((a, b))
    # The first query compiles the graph for its cargo type, once, as a server does.
    first, _ = _timed(lambda: plan(network, Query(*pairs[0], tolerance=args.tolerance)))
    pareto, dijkstra, sizes, labels, stopped = [], [], [], [], 0
    for i, (a, b) in enumerate(pairs, start=1):
        seconds, result = _timed(
            lambda a=a, b=b: plan(network, Query(a, b, tolerance=args.tolerance)), CPU[0]
        )
        pareto.append(seconds)
        sizes.append(len(result.routes))
        labels.append(result.labels)
        stopped += not result.complete
        seconds, _ = _timed(
            lambda a=a, b=b: nx.dijkstra_path_length(graph, a, b, weight="time"), CPU[1]
        )
        dijkstra.append(seconds)
        if i % 10 == 0:
            log(f"{i}/{len(pairs)} queries: pareto p50 {ms(percentile(pareto, 0.5))} ms")
    python = []
    for a, b in pairs[: args.python_queries]:
        query = Query(a, b, tolerance=args.tolerance)
        python.append(_timed(lambda q=query: plan(network, q, compiled=False))[0])
        log(f"python search {len(python)}/{args.python_queries}: {ms(python[-1])} ms")
    figures = {
        "bench": "freight",
        "nodes": len(network.nodes),
        "legs": len(network.legs),
        "queries": len(pairs),
        "network_build_s": round(built, 2),
        "pareto_p50_ms": ms(percentile(pareto, 0.5)),
        "pareto_p99_ms": ms(percentile(pareto, 0.99)),
        "pareto_routes_mean": round(sum(sizes) / len(sizes), 1),
        "pareto_routes_max": max(sizes),
        "labels_p50": percentile(labels, 0.5),
        "labels_max": max(labels),
        "stopped_at_label_limit": stopped,
        "dijkstra_p50_ms": ms(percentile(dijkstra, 0.5)),
        "dijkstra_p99_ms": ms(percentile(dijkstra, 0.99)),
        "ratio_p50": round(percentile(pareto, 0.5) / percentile(dijkstra, 0.5), 1),
        "tolerance": args.tolerance,
        "pareto_mean_ms": ms(sum(pareto) / len(pareto)),
        "pareto_cpu_p50_ms": ms(percentile(CPU[0], 0.5)),
        "pareto_cpu_p99_ms": ms(percentile(CPU[0], 0.99)),
        "dijkstra_cpu_p50_ms": ms(percentile(CPU[1], 0.5)),
        "ratio_cpu_p50": round(percentile(CPU[0], 0.5) / percentile(CPU[1], 0.5), 1),
        "labels_mean": round(sum(labels) / len(labels)),
        "first_query_ms": ms(first),
        "compiled": search.COMPILED,
        "over_walks": _over_walks(network),
        "python_queries": len(python),
        "python_p50_ms": ms(percentile(python, 0.5)) if python else None,
        "aim_p50_ms": 50,
        "networkx": nx.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    emit(figures)


if __name__ == "__main__":
    main()
