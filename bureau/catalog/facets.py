"""Facet keys of an item: what the browse filters and the facet counts are made of."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from bureau.reference import hs, places

COUNTRY = "country"
HS = "hs"
PLACE = "place"
SECTION = "section"
SECTOR = "sector"
# Where a kind names a place, and the country field that tells places of the same name apart.
PLACE_FIELDS = (
    ("origin_place", "origin_country"),
    ("destination_place", "destination_country"),
    ("place", ""),
    ("location", ""),
)


def key(facet: str, value: str) -> str:
    return f"{facet}:{value}"


# The kind-specific fields facet keys are made of.
DETAIL_FIELDS = (
    "origin_country", "destination_country", "hs_code", "sector",
    "origin_place", "destination_place", "place", "location",
)  # fmt: skip


def keys_for(common: dict[str, Any], detail: dict[str, Any]) -> list[str]:
    """Every facet key of an item, from its common and kind-specific values."""
    inputs = (
        tuple(common.get("countries", ())),
        tuple(common.get("hs_codes", ())),
        tuple(common.get("sectors", ())),
        tuple(detail.get(name) for name in DETAIL_FIELDS),
    )
    try:
        return list(_keys(*inputs))
    except TypeError:  # a value that cannot be a dictionary key: worked out each time
        return list(_keys.__wrapped__(*inputs))


# The keys depend on these values and the fixed reference data alone, and a batch (a peer's
# page, an import) repeats the same few countries, codes, sectors and places.
@lru_cache(maxsize=4096)
def _keys(
    countries: Iterable[str], hs_codes: Iterable[str], sectors: Iterable[str], own: tuple[Any, ...]
) -> tuple[str, ...]:
    detail = dict(zip(DETAIL_FIELDS, own, strict=True))
    found_countries = set(countries)
    found_countries.update(
        c for c in (detail.get("origin_country"), detail.get("destination_country")) if c
    )
    codes = set(hs_codes)
    if detail.get("hs_code"):
        codes.add(detail["hs_code"])
    found_sectors = set(sectors)
    if detail.get("sector"):
        found_sectors.add(detail["sector"])
    found = {key(COUNTRY, c) for c in found_countries} | {key(SECTOR, s) for s in found_sectors}
    for code in codes:
        found.update(key(HS, part) for part in hs.ancestors(code))
        if section := hs.section_of(code):
            found.add(key(SECTION, section))
    for place_field, country_field in PLACE_FIELDS:
        country = (detail.get(country_field) or "") if country_field else ""
        if place := places.place_code(detail.get(place_field) or "", country=country):
            found.add(key(PLACE, place))
    return tuple(sorted(found))


def all_countries(common: dict[str, Any], detail: dict[str, Any]) -> list[str]:
    return _merged(
        common.get("countries", []),
        [detail.get("origin_country"), detail.get("destination_country")],
    )


def all_hs_codes(common: dict[str, Any], detail: dict[str, Any]) -> list[str]:
    return _merged(common.get("hs_codes", []), [detail.get("hs_code")])


def all_sectors(common: dict[str, Any], detail: dict[str, Any]) -> list[str]:
    return _merged(common.get("sectors", []), [detail.get("sector")])


def _merged(first: Iterable[str], extra: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys([*first, *(e for e in extra if e)]))
