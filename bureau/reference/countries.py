"""ISO 3166 countries and ISO 4217 currencies from ``pycountry``."""

from __future__ import annotations

from functools import cache

import pycountry

from bureau.reference.places import fold


@cache
def countries() -> dict[str, str]:
    """Alpha-2 code to common name, sorted by name."""
    pairs = [(c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries]
    return dict(sorted(pairs, key=lambda pair: pair[1]))


@cache
def currencies() -> dict[str, str]:
    return {c.alpha_3: c.name for c in pycountry.currencies}


def country_name(code: str) -> str:
    return countries().get(code.upper(), code)


def country_error(code: str) -> str | None:
    if code.upper() in countries():
        return None
    return f"'{code}' is not an ISO 3166 alpha-2 country code"


def currency_error(code: str) -> str | None:
    if code.upper() in currencies():
        return None
    return f"'{code}' is not an ISO 4217 currency code"


def country_choices() -> list[tuple[str, str]]:
    return list(countries().items())


def currency_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} — {name}") for code, name in sorted(currencies().items())]


# Names in everyday English that the ISO list writes otherwise.
EVERYDAY_NAMES = {"Russia": "RU", "Turkey": "TR", "UAE": "AE", "USA": "US", "UK": "GB"}
LONGEST_NAME_WORDS = 8


@cache
def _by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            if name := getattr(country, attribute, None):
                names[fold(name)] = country.alpha_2
    names.update({fold(name): code for name, code in EVERYDAY_NAMES.items()})
    return names


def code_for_name(name: str) -> str | None:
    """The alpha-2 code of the country called ``name`` ('pakistan', 'Türkiye'), if one is."""
    return _by_name().get(fold(name))
