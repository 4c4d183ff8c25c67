"""Country codes as trade statistics write them, resolved to ISO 3166 alpha-3.

Files name countries in several ways: ISO alpha-3 (WITS, Comtrade's ISO columns), numeric
M49 (Comtrade's reporter and partner codes) and CEPII BACI's codes, which are M49 except for
a few economies that Comtrade kept under older codes (France 251, India 699, ...). WITS also
keeps some withdrawn alpha-3 codes (ROM for Romania, ...). ``WLD`` stands for the world.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry

WORLD = "WLD"
UNSPECIFIED = "UNS"

# Codes of Comtrade and BACI that differ from M49 (the economy in the comment).
_TRADE_NUMERIC = {
    "0": WORLD,
    "58": "BEL",  # Belgium-Luxembourg, before 1999
    "251": "FRA",  # France and Monaco
    "381": "ITA",  # Italy and San Marino
    "490": "TWN",  # "Other Asia, not elsewhere specified": Taiwan in Comtrade's practice
    "579": "NOR",  # Norway with Svalbard and Jan Mayen
    "699": "IND",
    "711": "ZAF",  # Southern African Customs Union, before 2000
    "757": "CHE",  # Switzerland and Liechtenstein
    "842": "USA",  # USA with Puerto Rico and the US Virgin Islands
    "841": "USA",
    "899": UNSPECIFIED,  # areas not elsewhere specified
}

# Alpha-3 codes that WITS and Comtrade still write, and their aggregates.
_ALPHA3_ALIASES = {
    "ROM": "ROU",
    "MNT": "MNE",
    "OAS": "TWN",  # "Other Asia, nes"
    "EUN": "EUN",  # the European Union, reporting as one
    "SER": "SRB",
    "ZAR": "COD",
    "TMP": "TLS",
    "YUG": "SRB",
    "SUD": "SDN",
    "WLD": WORLD,
    "W00": WORLD,
    "UNS": UNSPECIFIED,
    "_X": UNSPECIFIED,
    "X1": UNSPECIFIED,
    "SUN": "SUN",  # Soviet Union (ISO 3166-3, withdrawn)
    "DDR": "DDR",  # German Democratic Republic (withdrawn)
}

_HISTORIC_NAMES = {
    "SUN": "Soviet Union",
    "DDR": "German Democratic Republic",
    "EUN": "European Union",
}

# Codes that stand for groups of economies: never added to their members' flows.
AGGREGATES = ("WLD", "EUN")

# Names as the World Bank's WITS writes them, where they are not ISO short names.
_NAMES = {
    "world": WORLD,
    "unspecified": UNSPECIFIED,
    "special categories": UNSPECIFIED,
    "other asia nes": "TWN",
    "hong kong china": "HKG",
    "iran islamic rep": "IRN",
    "korea rep": "KOR",
    "turkey": "TUR",
    "egypt arab rep": "EGY",
    "kyrgyz republic": "KGZ",
    "slovak republic": "SVK",
    "belgium luxembourg": "BEL",
    "soviet union": "SUN",
    "german democratic republic": "DDR",
}


@cache
def code_table() -> dict[str, str]:
    """Every accepted code (upper case, numeric codes without leading zeros) to its alpha-3."""
    table: dict[str, str] = {}
    for country in pycountry.countries:
        table[country.alpha_3] = country.alpha_3
        table[country.numeric.lstrip("0")] = country.alpha_3
    table.update(_ALPHA3_ALIASES)
    table.update(_TRADE_NUMERIC)
    return table


def resolve(code: str) -> str | None:
    """The alpha-3 code for ``code`` (alpha-3, M49 or BACI numeric), or None if unknown."""
    key = code.strip().upper()
    if key.isdigit():
        key = key.lstrip("0") or "0"
    return code_table().get(key)


@cache
def _name_table() -> dict[str, str]:
    table = dict(_NAMES)
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                table[_name_key(name)] = country.alpha_3
    return table


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z]+", " ", name.lower()).strip()


def resolve_name(name: str) -> str | None:
    """The alpha-3 code for an English country name as WITS or a press report writes it."""
    key = _name_key(name)
    found = _name_table().get(key)
    if found:
        return found
    try:
        return pycountry.countries.search_fuzzy(name)[0].alpha_3
    except LookupError:
        return None


def display_name(alpha3: str) -> str:
    if alpha3 == WORLD:
        return "World"
    if alpha3 == UNSPECIFIED:
        return "Unspecified"
    if alpha3 in _HISTORIC_NAMES:
        return _HISTORIC_NAMES[alpha3]
    country = pycountry.countries.get(alpha_3=alpha3)
    return getattr(country, "common_name", None) or (country.name if country else alpha3)


def alpha3_of(alpha2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha2.upper())
    if country is None:
        raise ValueError(f"unknown country code {alpha2!r}")
    return str(country.alpha_3)
