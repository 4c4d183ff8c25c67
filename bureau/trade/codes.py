"""Country codes as trade statistics write them, resolved to ISO 3166 alpha-3.

Files name countries in several ways: ISO alpha-3 (WITS, Comtrade's ISO columns), numeric
M49 (Comtrade's reporter and partner codes) and CEPII BACI's codes, which are M49 except for
a few economies that Comtrade kept under older codes (France 251, India 699, ...). WITS also
keeps some withdrawn alpha-3 codes (ROM for Romania, ...). ``WLD`` stands for the world.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry
from django.utils.translation import gettext as _

from bureau.reference import countries

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
    "97": "EUN",  # the European Union, as a Comtrade reporter
}
# Comtrade's partners that are no economy: regions "not elsewhere specified", bunkers, free
# zones, special categories. Every full partner breakdown has some of them. 492 is "Europe EU,
# nes" there, although M49 gives it to Monaco (which Comtrade and BACI count with France).
_TRADE_UNSPECIFIED = (
    "129 221 290 471 472 473 492 527 536 568 577 636 637 697 837 838 839 849 879 899"
)

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
    "areas nes": UNSPECIFIED,
    "bunkers": UNSPECIFIED,
    "free zones": UNSPECIFIED,
    "other asia nes": "TWN",
    "taiwan china": "TWN",
    "hong kong china": "HKG",
    "hong kong sar china": "HKG",
    "macao china": "MAC",
    "macao sar china": "MAC",
    "iran islamic rep": "IRN",
    "korea rep": "KOR",
    "korea dem rep": "PRK",
    "congo rep": "COG",
    "congo dem rep": "COD",
    "yemen rep": "YEM",
    "venezuela rb": "VEN",
    "lao pdr": "LAO",
    "micronesia fed sts": "FSM",
    "gambia the": "GMB",
    "bahamas the": "BHS",
    "st kitts and nevis": "KNA",
    "st lucia": "LCA",
    "st vincent and the grenadines": "VCT",
    "macedonia fyr": "MKD",
    "west bank and gaza": "PSE",
    "turkey": "TUR",
    "egypt arab rep": "EGY",
    "kyrgyz republic": "KGZ",
    "slovak republic": "SVK",
    "russia": "RUS",
    "syria": "SYR",
    "brunei": "BRN",
    "swaziland": "SWZ",
    "cape verde": "CPV",
    "east timor": "TLS",
    "faeroe islands": "FRO",
    "occ pal terr": "PSE",
    "fr so ant tr": "ATF",
    "ethiopia excludes eritrea": "ETH",
    "serbia fr serbia montenegro": "SRB",
    "european union": "EUN",
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
    table.update(dict.fromkeys(_TRADE_UNSPECIFIED.split(), UNSPECIFIED))
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
    table: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                table[_name_key(name)] = country.alpha_3
    return {**_short_names(), **table, **_NAMES}


def _short_names() -> dict[str, str]:
    """Names cut before a comma or bracket ("Iran" of "Iran, Islamic Republic of").

    Only where a single country has the short form: "Korea" and "Virgin Islands" name two.
    """
    found: dict[str, set[str]] = {}
    for country in pycountry.countries:
        short = re.split(r"[,(]", country.name)[0]
        if short != country.name:
            found.setdefault(_name_key(short), set()).add(country.alpha_3)
    return {key: codes.pop() for key, codes in found.items() if len(codes) == 1}


def _name_key(name: str) -> str:
    # Accents folded ("Curaçao" and "Curacao" are one key), punctuation dropped.
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]+", " ", plain.lower()).strip()


def resolve_name(name: str) -> str | None:
    """The alpha-3 code for an English country name as WITS or a press report writes it.

    Only known names: a name that is not one is None rather than a guess, so an import
    reports it instead of filing the figure under the wrong country.
    """
    return _name_table().get(_name_key(name))


def display_name(alpha3: str) -> str:
    """The country's name in the reader's language (pycountry's ISO 3166 translations)."""
    if alpha3 == WORLD:
        return _("World")
    if alpha3 == UNSPECIFIED:
        return _("Unspecified")
    if alpha3 in _HISTORIC_NAMES:
        return _HISTORIC_NAMES[alpha3]
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        return alpha3
    return countries.country_name(country.alpha_2)


def alpha3_of(alpha2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha2.upper())
    if country is None:
        raise ValueError(f"unknown country code {alpha2!r}")
    return str(country.alpha_3)


def alpha2_of(alpha3: str) -> str:
    country = pycountry.countries.get(alpha_3=alpha3.upper())
    return str(country.alpha_2) if country else alpha3
