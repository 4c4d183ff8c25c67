"""The corridor network: places, legs and the provenance of every figure. Pure Python, no Django.

A network is read from a JSON document (the shape of ``data/network.json``, described in
``docs/freight.md``). ``parse`` checks every row and raises ``NetworkInvalid`` listing each bad
row by its number, so an import is all or nothing.

Every figure of a leg carries its basis: *published* (with the ids of its sources),
*computed* (with the method) or *estimated* (with the assumption). A figure that is absent is
missing: the planner reports the criterion it feeds as unknown, never as zero.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT = "bureau-freight-network/1"
MODES = ("sea", "rail", "road", "ferry")
CARGO_TYPES = ("container", "bulk", "break-bulk")
NODE_KINDS = ("seaport", "ferry-port", "rail", "border", "city", "inland-terminal")
BASES = ("published", "computed", "estimated")
LEG_FIGURES = ("distance_km", "hours", "dwell_hours", "usd_per_teu", "usd_per_tonne")
EARTH_RADIUS_KM = 6371.0088
_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str = ""


@dataclass(frozen=True)
class Figure:
    """One number with where it comes from; ``low``/``high`` keep a published range."""

    value: float
    basis: str
    sources: tuple[str, ...] = ()
    method: str = ""
    assumption: str = ""
    low: float | None = None
    high: float | None = None
    year: int | None = None
    note: str = ""

    @property
    def provenance(self) -> str:
        """A short line saying where the figure comes from, for tables and tooltips."""
        if self.basis == "published":
            text = "published (" + ", ".join(self.sources) + ")"
        elif self.basis == "computed":
            text = f"computed ({self.method})"
        else:
            text = f"estimated ({self.assumption})"
        if self.low is not None and self.high is not None and self.low != self.high:
            text += f"; range {self.low:g}–{self.high:g}, midpoint used"
        return text


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    country: str
    lat: float
    lon: float
    kind: str
    locode: str = ""
    sources: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Leg:
    id: str
    origin: str
    destination: str
    mode: str
    figures: Mapping[str, Figure]
    bidirectional: bool = True
    via: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # every country the leg runs through, in order
    gauge_from: int | None = None  # rail gauge in mm at each end
    gauge_to: int | None = None
    cargo: tuple[str, ...] = CARGO_TYPES
    corridors: tuple[str, ...] = ()
    service: str = ""
    note: str = ""
    path: tuple[tuple[float, float], ...] = ()  # (lat, lon) points to draw the leg along

    def figure(self, name: str) -> Figure | None:
        return self.figures.get(name)

    @functools.cached_property  # read for every step of every route the planner returns
    def border_crossings(self) -> int:
        return sum(1 for a, b in itertools.pairwise(self.countries) if a != b)

    @property
    def gauge_changes(self) -> int:
        """A break of gauge inside the leg (e.g. Taftan–Zahedan–onwards in one service)."""
        same = self.gauge_from is None or self.gauge_to is None
        return 0 if same or self.gauge_from == self.gauge_to else 1


@dataclass(frozen=True)
class EmissionFactor:
    mode: str
    grams_per_tonne_km: float
    scope: str
    description: str
    sources: tuple[str, ...]
    note: str = ""


@dataclass
class Network:
    nodes: dict[str, Node]
    legs: list[Leg]
    sources: dict[str, Source]
    emission_factors: dict[str, EmissionFactor]
    methods: dict[str, str] = field(default_factory=dict)
    title: str = ""
    description: str = ""

    def leg(self, leg_id: str) -> Leg | None:
        return next((leg for leg in self.legs if leg.id == leg_id), None)

    @property
    def corridors(self) -> list[str]:
        return sorted({name for leg in self.legs for name in leg.corridors})


class NetworkInvalid(ValueError):
    """A network document with bad rows; ``errors`` are (section, row number, field, message)."""

    def __init__(self, errors: list[tuple[str, int, str, str]]) -> None:
        self.errors = errors
        lines = [
            f"{section} row {row}: {name}: {message}" for section, row, name, message in errors
        ]
        super().__init__(
            "; ".join(lines[:5]) + (f" (and {len(lines) - 5} more)" if len(lines) > 5 else "")
        )


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of the mean Earth radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class _Rows:
    """Collects row errors while a section is read."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, int, str, str]] = []
        self.section = ""
        self.row = 0

    def error(self, name: str, message: str) -> None:
        self.errors.append((self.section, self.row, name, message))


def _text(rows: _Rows, record: Mapping[str, Any], name: str, *, required: bool = False,
          max_length: int = 500) -> str:  # fmt: skip
    value = record.get(name)
    if value is None or value == "":
        if required:
            rows.error(name, "is required")
        return ""
    if not isinstance(value, str):
        rows.error(name, "must be text")
        return ""
    value = value.strip()
    if len(value) > max_length or any(ord(c) < 32 for c in value):
        rows.error(name, f"must be at most {max_length} characters without control characters")
        return ""
    return value


def _number(rows: _Rows, value: Any, name: str, *, low: float | None = 0.0,
            high: float | None = None) -> float | None:  # fmt: skip
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        rows.error(name, "must be a number")
        return None
    if low is not None and value < low:
        rows.error(name, "must not be negative" if low == 0 else f"must be at least {low:g}")
        return None
    if high is not None and value > high:
        rows.error(name, f"must be at most {high:g}")
        return None
    return float(value)


def _strings(rows: _Rows, record: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = record.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        rows.error(name, "must be a list of texts")
        return ()
    return tuple(v.strip() for v in value)


def _figure(rows: _Rows, raw: Any, name: str, sources: Mapping[str, Source],
            methods: Mapping[str, str]) -> Figure | None:  # fmt: skip
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        rows.error(name, "must be an object with value and basis, or null when missing")
        return None
    value = _number(rows, raw.get("value"), name)
    basis = raw.get("basis")
    if basis not in BASES:
        rows.error(name, f"basis must be one of {', '.join(BASES)}")
        return None
    refs = _strings(rows, raw, "sources")
    method, assumption = str(raw.get("method") or ""), str(raw.get("assumption") or "")
    if basis == "published" and not refs:
        rows.error(name, "a published figure needs its sources")
    unknown = [ref for ref in refs if ref not in sources]
    if unknown:
        rows.error(name, f"unknown source {', '.join(unknown)}")
    if basis == "computed" and method not in methods:
        rows.error(name, "a computed figure needs a method listed under 'methods'")
    if basis == "estimated" and not assumption:
        rows.error(name, "an estimated figure needs its assumption")
    low, high = raw.get("low"), raw.get("high")
    low_value = None if low is None else _number(rows, low, name + ".low")
    high_value = None if high is None else _number(rows, high, name + ".high")
    year = raw.get("year")
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
        rows.error(name, "year must be a year such as 2021")
        year = None
    if value is None:
        return None
    return Figure(value, basis, refs, method, assumption, low_value, high_value, year,
                  str(raw.get("note") or ""))  # fmt: skip


def _node(rows: _Rows, raw: Mapping[str, Any], sources: Mapping[str, Source]) -> Node | None:
    node_id = _text(rows, raw, "id", required=True, max_length=40)
    if node_id and not _ID.match(node_id):
        rows.error(
            "id", "must be upper-case letters, digits and hyphens (a UN/LOCODE if one exists)"
        )
    country = _text(rows, raw, "country", required=True)
    if country and not _COUNTRY.match(country):
        rows.error("country", "must be an ISO 3166 alpha-2 code such as PK")
    kind = _text(rows, raw, "kind", required=True)
    if kind and kind not in NODE_KINDS:
        rows.error("kind", f"must be one of {', '.join(NODE_KINDS)}")
    lat = _number(rows, raw.get("lat"), "lat", low=-90, high=90)
    lon = _number(rows, raw.get("lon"), "lon", low=-180, high=180)
    refs = _strings(rows, raw, "sources")
    for ref in refs:
        if ref not in sources:
            rows.error("sources", f"unknown source {ref}")
    name = _text(rows, raw, "name", required=True, max_length=120)
    if lat is None or lon is None or not (node_id and country and kind and name):
        return None
    return Node(node_id, name, country, lat, lon, kind, _text(rows, raw, "locode", max_length=5),
                refs, _strings(rows, raw, "aliases"), _text(rows, raw, "note"))  # fmt: skip


def _gauge(rows: _Rows, raw: Mapping[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 500 <= value <= 2000:
        rows.error(name, "must be a rail gauge in millimetres, such as 1435")
        return None
    return value


def _leg_places(rows: _Rows, raw: Mapping[str, Any], nodes: Mapping[str, Node]) -> list[str]:
    origin = _text(rows, raw, "from", required=True, max_length=40)
    destination = _text(rows, raw, "to", required=True, max_length=40)
    via = list(_strings(rows, raw, "via"))
    for name, place in [("from", origin), ("to", destination)] + [("via", v) for v in via]:
        if place and place not in nodes:
            rows.error(name, f"unknown node {place}")
    places = [origin, *via, destination]
    if origin and origin == destination:
        rows.error("to", "a leg must not end where it starts (a loop)")
    elif len(set(places)) != len(places):
        rows.error("via", "a leg must not pass through the same node twice (a loop)")
    return places


def _leg(rows: _Rows, raw: Mapping[str, Any], nodes: Mapping[str, Node],
         sources: Mapping[str, Source], methods: Mapping[str, str]) -> Leg | None:  # fmt: skip
    leg_id = _text(rows, raw, "id", required=True, max_length=60)
    places = _leg_places(rows, raw, nodes)
    mode = _text(rows, raw, "mode", required=True)
    if mode and mode not in MODES:
        rows.error("mode", f"must be one of {', '.join(MODES)}")
    cargo = _strings(rows, raw, "cargo") or CARGO_TYPES
    for kind in cargo:
        if kind not in CARGO_TYPES:
            rows.error("cargo", f"'{kind}' is not one of {', '.join(CARGO_TYPES)}")
    figures = {}
    for name in LEG_FIGURES:
        figure = _figure(rows, raw.get(name), name, sources, methods)
        if figure is not None:
            figures[name] = figure
    bidirectional = raw.get("bidirectional", True)
    if not isinstance(bidirectional, bool):
        rows.error("bidirectional", "must be true or false")
    gauges = _gauge(rows, raw, "gauge_from"), _gauge(rows, raw, "gauge_to")
    if not leg_id or mode not in MODES or not all(p in nodes for p in places):
        return None
    countries = tuple(nodes[p].country for p in places)
    return Leg(leg_id, places[0], places[-1], mode, figures, bool(bidirectional),
               tuple(places[1:-1]), countries, gauges[0], gauges[1], cargo,
               _strings(rows, raw, "corridors"), _text(rows, raw, "service"),
               _text(rows, raw, "note", max_length=1000), _path(rows, raw))  # fmt: skip


def _path(rows: _Rows, raw: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    value = raw.get("path") or []
    ok = isinstance(value, list) and all(
        isinstance(p, list)
        and len(p) == 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p)
        and -90 <= p[0] <= 90
        and -180 <= p[1] <= 180
        for p in value
    )
    if not ok:
        rows.error("path", "must be a list of [latitude, longitude] points")
        return ()
    return tuple((float(p[0]), float(p[1])) for p in value)


def _section(document: Mapping[str, Any], name: str, rows: _Rows) -> list[Any]:
    value = document.get(name)
    if not isinstance(value, list):
        rows.section, rows.row = name, 0
        rows.error(name, "must be a list")
        return []
    return value


def _sources(document: Mapping[str, Any], rows: _Rows) -> dict[str, Source]:
    raw = document.get("sources") or {}
    found: dict[str, Source] = {}
    rows.section = "sources"
    if not isinstance(raw, Mapping):
        rows.error("sources", "must be an object of id: {title, url}")
        return found
    for rows.row, (source_id, entry) in enumerate(raw.items(), start=1):
        if not isinstance(entry, Mapping) or not _text(rows, entry, "title", required=True):
            continue
        url = _text(rows, entry, "url")
        if url and not url.startswith(("http://", "https://")):
            rows.error("url", "must be an http(s) address")
            url = ""
        found[str(source_id)] = Source(str(source_id), str(entry["title"]).strip(), url)
    return found


def _factors(document: Mapping[str, Any], rows: _Rows,
             sources: Mapping[str, Source]) -> dict[str, EmissionFactor]:  # fmt: skip
    found: dict[str, EmissionFactor] = {}
    rows.section = "emission_factors"
    section = _section(document, "emission_factors", rows)
    for rows.row, raw in enumerate(section, start=1):
        if not isinstance(raw, Mapping):
            rows.error("row", "must be an object")
            continue
        mode = _text(rows, raw, "mode", required=True)
        if mode and mode not in MODES:
            rows.error("mode", f"must be one of {', '.join(MODES)}")
        grams = _number(rows, raw.get("grams_per_tonne_km"), "grams_per_tonne_km")
        refs = _strings(rows, raw, "sources")
        if not refs or any(ref not in sources for ref in refs):
            rows.error("sources", "must name the factor's sources")
        if mode in MODES and grams is not None:
            found[mode] = EmissionFactor(mode, grams, _text(rows, raw, "scope"),
                                         _text(rows, raw, "description"), refs,
                                         _text(rows, raw, "note", max_length=1000))  # fmt: skip
    return found


def parse(document: Any) -> Network:
    """Read and check a network document; raise ``NetworkInvalid`` naming every bad row."""
    rows = _Rows()
    if not isinstance(document, Mapping):
        raise NetworkInvalid([("document", 0, "document", "must be a JSON object")])
    if document.get("format") != FORMAT:
        rows.section = "document"
        rows.error("format", f"must be '{FORMAT}'")
    sources = _sources(document, rows)
    methods = {str(k): str(v) for k, v in (document.get("methods") or {}).items()}
    factors = _factors(document, rows, sources)
    nodes: dict[str, Node] = {}
    rows.section = "nodes"
    section = _section(document, "nodes", rows)
    for rows.row, raw in enumerate(section, start=1):
        node = _node(rows, raw, sources) if isinstance(raw, Mapping) else None
        if node and node.id in nodes:
            rows.error("id", f"{node.id} is listed twice")
        elif node:
            nodes[node.id] = node
    legs = _legs(document, rows, nodes, sources, methods)
    if rows.errors:
        raise NetworkInvalid(rows.errors)
    return Network(nodes, legs, sources, factors, methods,
                   str(document.get("title") or ""), str(document.get("description") or ""))  # fmt: skip


def _legs(document: Mapping[str, Any], rows: _Rows, nodes: Mapping[str, Node],
          sources: Mapping[str, Source], methods: Mapping[str, str]) -> list[Leg]:  # fmt: skip
    legs: list[Leg] = []
    seen: set[str] = set()
    rows.section = "legs"
    section = _section(document, "legs", rows)
    for rows.row, raw in enumerate(section, start=1):
        if not isinstance(raw, Mapping):
            rows.error("row", "must be an object")
            continue
        leg = _leg(rows, raw, nodes, sources, methods)
        if leg and leg.id in seen:
            rows.error("id", f"{leg.id} is listed twice")
        elif leg:
            seen.add(leg.id)
            legs.append(leg)
    return legs


def figure_dict(figure: Figure) -> dict[str, Any]:
    """A figure as the document writes it (the inverse of reading it)."""
    out: dict[str, Any] = {"value": figure.value, "basis": figure.basis}
    for name in ("sources", "method", "assumption", "low", "high", "year", "note"):
        value = getattr(figure, name)
        if value not in (None, "", ()):
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def search_names(node: Node) -> Iterable[str]:
    """Every name a person might type for a node, lower-cased."""
    yield node.id.lower()
    if node.locode:
        yield node.locode.lower()
    yield node.name.lower()
    yield from (alias.lower() for alias in node.aliases)
