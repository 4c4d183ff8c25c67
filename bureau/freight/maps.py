"""The route map, drawn on the server as SVG over Natural Earth country outlines. No Django.

The outlines come from the vendored ``world-atlas`` TopoJSON (``data/world-atlas``); they
are decoded once per process, projected (equirectangular, scaled for the latitude of the
corridors) and kept as one string. Legs and routes are drawn over them, each with a
``<title>``, so the map needs no script, no tiles and no network.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from bureau.freight.network import Leg, Network
from bureau.freight.planner import Route
from bureau.trade.charts import FONT, INK, MUTED

ATLAS = Path(__file__).resolve().parent / "data" / "world-atlas" / "countries-50m.json"
WEST, EAST, SOUTH, NORTH = 25.0, 77.0, 21.5, 46.5
WIDTH = 900
ROUTE_COLOURS = ("#0a5a61", "#a34a06", "#2f3a9e", "#6a2491", "#146c2e", "#93184d")
MODE_DASH = {"sea": "6 4", "ferry": "2 3", "rail": "", "road": ""}
LAND, SEA, BORDER, NETWORK = "#eef1f4", "#cfe3ef", "#9aa6b2", "#9aa6b2"


class Projection:
    def __init__(self) -> None:
        self.kx = WIDTH / ((EAST - WEST) * math.cos(math.radians((SOUTH + NORTH) / 2)))
        self.scale_x = self.kx * math.cos(math.radians((SOUTH + NORTH) / 2))
        self.height = round((NORTH - SOUTH) * self.kx)

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - WEST) * self.scale_x, (NORTH - lat) * self.kx


PROJECT = Projection()


def _rings(geometry: dict[str, Any]) -> list[list[int]]:
    if geometry["type"] == "Polygon":
        return list(geometry["arcs"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["arcs"] for ring in polygon]
    return []


def _decoded_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))  # (lon, lat)
        arcs.append(points)
    return arcs


def _ring_points(
    arcs: list[list[tuple[float, float]]], ring: list[int]
) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _near(points: list[tuple[float, float]]) -> bool:
    return any(WEST - 8 <= lon <= EAST + 8 and SOUTH - 8 <= lat <= NORTH + 8 for lon, lat in points)


def _path(points: list[tuple[float, float]]) -> str:
    out: list[str] = []
    last = (math.inf, math.inf)
    for lon, lat in points:
        x, y = PROJECT(lat, lon)
        if abs(x - last[0]) + abs(y - last[1]) < 0.8:  # under a pixel: not worth a point
            continue
        out.append(f"{x:.1f} {y:.1f}")
        last = (x, y)
    return "M" + "L".join(out) + "Z" if len(out) > 2 else ""


@functools.cache
def background() -> str:
    """The countries near the corridors as SVG paths, with their names as titles."""
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = _decoded_arcs(topology)
    parts = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        rings = [_ring_points(arcs, ring) for ring in _rings(geometry)]
        rings = [r for r in rings if _near(r)]
        if not rings:
            continue
        d = "".join(_path(r) for r in rings)
        name = escape(geometry.get("properties", {}).get("name", ""))
        parts.append(
            f'<path d="{d}" fill="{LAND}" stroke="{BORDER}" stroke-width="0.6"><title>{name}</title></path>'
        )
    return "\n".join(parts)


def _line(points: Sequence[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in (PROJECT(lat, lon) for lat, lon in points))


def _leg_points(network: Network, leg: Leg, origin: str) -> list[tuple[float, float]]:
    """The leg's drawing path if it has one (sea legs), else its places in order."""
    points = list(leg.path) or [
        (network.nodes[p].lat, network.nodes[p].lon)
        for p in (leg.origin, *leg.via, leg.destination)
    ]
    return points if origin == leg.origin else points[::-1]


def route_map(network: Network, routes: Sequence[Route], *, title: str) -> str:
    """The network in grey, each route in its colour (the first on top), places labelled."""
    height = PROJECT.height
    parts = [f'<rect width="{WIDTH}" height="{height}" fill="{SEA}"/>', background()]
    for leg in network.legs:
        parts.append(f'<path d="{_line(_leg_points(network, leg, leg.origin))}" fill="none" stroke="{NETWORK}" '
                     f'stroke-width="1" stroke-dasharray="{MODE_DASH[leg.mode]}" opacity="0.7"/>')  # fmt: skip
    shown: set[str] = set()
    for number, route in reversed(list(enumerate(routes[: len(ROUTE_COLOURS)], start=1))):
        colour = ROUTE_COLOURS[(number - 1) % len(ROUTE_COLOURS)]
        width = 4 if number == 1 else 2.5
        parts.append(f'<g class="map-route" data-route="{number}">')
        for step in route.steps:
            points = _leg_points(network, step.leg, step.origin)
            label = escape(f"Route {number}: {network.nodes[step.origin].name} → "
                           f"{network.nodes[step.destination].name} ({step.leg.mode})")  # fmt: skip
            parts.append(f'<path d="{_line(points)}" fill="none" stroke="{colour}" stroke-width="{width}" '
                         f'stroke-linecap="round" stroke-dasharray="{MODE_DASH[step.leg.mode]}"><title>{label}</title></path>')  # fmt: skip
        parts.append("</g>")
        shown.update(route.places)
    parts.extend(_places(network, shown, routes))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="route-map-t" font-family="{FONT}" class="route-map">'
        f'<title id="route-map-t">{escape(title)}</title>'
        + "\n".join(parts)
        + _legend(height)
        + "</svg>"
    )


def _places(network: Network, shown: set[str], routes: Sequence[Route]) -> list[str]:
    ends = {routes[0].places[0], routes[0].places[-1]} if routes else set()
    parts = []
    for node in network.nodes.values():
        x, y = PROJECT(node.lat, node.lon)
        on_route = node.id in shown
        radius = 5 if node.id in ends else 3.2 if on_route else 2.2
        fill = INK if on_route else "#ffffff"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{fill}" stroke="{INK}" stroke-width="1">'
                     f"<title>{escape(node.name)} ({escape(node.id)})</title></circle>")  # fmt: skip
        if on_route:
            weight = "bold" if node.id in ends else "normal"
            parts.append(f'<text x="{x + 6:.1f}" y="{y - 5:.1f}" font-size="{13 if node.id in ends else 11}" fill="{INK}" '
                         f'font-weight="{weight}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(node.name)}</text>')  # fmt: skip
    return parts


def _legend(height: int) -> str:
    y = height - 58
    rows = [("rail or road", ""), ("sea", MODE_DASH["sea"]), ("ferry", MODE_DASH["ferry"])]
    out = [
        f'<rect x="8" y="{y}" width="150" height="52" fill="#ffffff" opacity="0.9" stroke="{BORDER}"/>'
    ]
    for i, (label, dash) in enumerate(rows):
        yy = y + 12 + i * 15
        out.append(
            f'<path d="M16 {yy}L46 {yy}" stroke="{INK}" stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        out.append(f'<text x="54" y="{yy + 4}" font-size="11" fill="{MUTED}">{label}</text>')
    return "".join(out)
