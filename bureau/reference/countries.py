"""ISO 3166 countries and ISO 4217 currencies from ``pycountry``, named in the reader's language
(pycountry's translations of ISO 3166, Babel's currency names)."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from babel.numbers import get_currency_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bureau.reference.places import fold


@cache
def countries() -> dict[str, str]:
    """Alpha-2 code to common name, sorted by name."""
    pairs = [(c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries]
    return dict(sorted(pairs, key=lambda pair: pair[1]))


@cache
def currencies() -> dict[str, str]:
    return {c.alpha_3: c.name for c in pycountry.currencies}


@cache
def _iso3166(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def country_name(code: str) -> str:
    """The country's name in the active language (English where no translation exists)."""
    name = countries().get(code.upper())
    if name is None:
        return code
    language = _language()
    if language == "en":
        return name
    translated = _iso3166(language).gettext(name)
    if translated == name and (country := pycountry.countries.get(alpha_2=code.upper())):
        translated = _iso3166(language).gettext(country.name)
    return translated


def currency_name(code: str) -> str:
    """The currency's name in the active language (Babel's CLDR data; ISO's English otherwise)."""
    code = code.upper()
    language = _language()
    try:
        name = get_currency_name(code, locale=language)
    except (ValueError, LookupError):
        name = code
    return name if name != code else currencies().get(code, code)


def country_error(code: str) -> str | None:
    if code.upper() in countries():
        return None
    return _("'%(code)s' is not an ISO 3166 alpha-2 country code") % {"code": code}


def currency_error(code: str) -> str | None:
    if code.upper() in currencies():
        return None
    return _("'%(code)s' is not an ISO 4217 currency code") % {"code": code}


def country_choices() -> list[tuple[str, str]]:
    """Every country as (code, name in the active language), sorted by that name."""
    pairs = [(code, country_name(code)) for code in countries()]
    return sorted(pairs, key=lambda pair: fold(pair[1]))


def currency_choices(codes: list[str] | None = None) -> list[tuple[str, str]]:
    """Currencies as (code, 'code — name in the active language')."""
    return [(code, f"{code} — {currency_name(code)}") for code in (codes or sorted(currencies()))]


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
