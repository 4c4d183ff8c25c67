"""UN/LOCODE places the bureau's trade moves through: find a place by its code or its name.

The table holds the ports, inland terminals, border crossings and trading cities of the two
countries and of the corridors between them (codes and names as in the UNECE UN/LOCODE list,
2024 edition), with the other names traders write them under. Items keep places as text; a
place written as a code or a known name is also filed under its code, so that a search for
``PKKHI`` finds a lead from Karachi.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache


@dataclass(frozen=True)
class Place:
    code: str  # five characters: ISO 3166 country + three for the place
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def country(self) -> str:
        return self.code[:2]


PLACES: tuple[Place, ...] = (
    # Azerbaijan
    Place("AZBAK", "Baku", ("Baki", "Bakı", "Port of Baku")),  # noqa: RUF001 - the Azerbaijani dotless i
    Place("AZALA", "Alat", ("Port of Baku at Alat",)),
    Place("AZGYD", "Heydar Aliyev International Airport", ("Baku airport",)),
    Place("AZKVD", "Ganja", ("Gyandzha", "Gəncə")),
    Place("AZSUQ", "Sumqayit", ("Sumgait",)),
    Place("AZAST", "Astara"),
    Place("AZDJU", "Julfa", ("Djulfa", "Culfa")),
    # Pakistan
    Place("PKKHI", "Karachi", ("Port of Karachi",)),
    Place("PKBQM", "Port Qasim", ("Muhammad Bin Qasim", "Bin Qasim")),
    Place("PKGWD", "Gwadar", ("Port of Gwadar",)),
    Place("PKLHE", "Lahore"),
    Place("PKISB", "Islamabad"),
    Place("PKRWP", "Rawalpindi"),
    Place("PKLYP", "Faisalabad"),
    Place("PKSKT", "Sialkot"),
    Place("PKMUX", "Multan"),
    Place("PKPEW", "Peshawar"),
    Place("PKUET", "Quetta"),
    Place("PKTFT", "Taftan"),
    Place("PKTOR", "Torkham"),
    Place("PKCMN", "Chaman"),
    Place("PKWGH", "Wagah"),
    # The corridors between them
    Place("IRBND", "Bandar Abbas"),
    Place("IRZBR", "Chabahar", ("Chah Bahar",)),
    Place("KZAAU", "Aktau", ("Aqtau",)),
    Place("TMKRW", "Turkmenbashi", ("Türkmenbaşy",)),
    Place("GEPTI", "Poti"),
    Place("GEBUS", "Batumi"),
)

CODE_PATTERN = re.compile(r"^([A-Za-z]{2})\s?([A-Za-z2-9]{3})$")


def fold(text: str) -> str:
    """Lower case without accents or punctuation, for comparing names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", plain))


@cache
def by_code() -> dict[str, Place]:
    return {place.code: place for place in PLACES}


@cache
def _by_name() -> dict[str, list[Place]]:
    names: dict[str, list[Place]] = {}
    for place in PLACES:
        for name in (place.name, *place.aliases):
            names.setdefault(fold(name), []).append(place)
    return names


def code_of(text: str) -> str | None:
    """The UN/LOCODE ``text`` is written as ('PKKHI', 'PK KHI'), if it is a known one."""
    found = CODE_PATTERN.match(text.strip())
    if found is None:
        return None
    code = (found.group(1) + found.group(2)).upper()
    return code if code in by_code() else None


@lru_cache(maxsize=4096)  # the place list is fixed; a batch of items names the same few
def place_code(text: str, *, country: str = "") -> str | None:
    """The code of the place ``text`` names (a code or a known name), preferring ``country``."""
    if not text:
        return None
    if code := code_of(text):
        return code
    candidates = _by_name().get(fold(text), [])
    for place in candidates:
        if not country or place.country == country.upper():
            return place.code
    return None
