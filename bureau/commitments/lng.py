"""Conversions between m³ of LNG, tonnes of LNG and MMBtu. Pure: no Django.

The factors are those of the GIIGNL conversion table ("The LNG Industry", GIIGNL annual
report, table of conversion factors for an average LNG): 1 m³ of LNG weighs 0.45 tonne, and
1 tonne of LNG holds 51.02 MMBtu. The table's other figures are rounded independently (it
gives 23.12 MMBtu per m³, where 0.45 x 51.02 = 22.959), so only these two are used and every
other factor is derived from them: converting there and back returns the same quantity.
Real cargoes differ with their composition; a contract's own figures win where recorded.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SOURCE = "GIIGNL, The LNG Industry (annual report), conversion factors for an average LNG"
TONNES_PER_M3 = Decimal("0.45")
MMBTU_PER_TONNE = Decimal("51.02")
UNITS = ("m3_lng", "tonnes", "mmbtu")
LABELS = {"m3_lng": "m³ LNG", "tonnes": "tonnes", "mmbtu": "MMBtu"}
PLACES = Decimal("0.001")

# Each unit expressed in tonnes of LNG per one unit.
_TONNES_PER_UNIT = {
    "tonnes": Decimal(1),
    "m3_lng": TONNES_PER_M3,
    "mmbtu": 1 / MMBTU_PER_TONNE,
}


def to_tonnes(quantity: Decimal, unit: str) -> Decimal:
    """``quantity`` in tonnes of LNG, at full precision."""
    if unit == "mmbtu":
        return quantity / MMBTU_PER_TONNE
    return quantity * _TONNES_PER_UNIT[unit]


def convert(quantity: Decimal, unit: str, target: str) -> Decimal:
    """``quantity`` of ``unit`` in ``target``, rounded half up to three decimals."""
    if unit not in UNITS or target not in UNITS:
        raise ValueError(f"unknown LNG unit: {unit if unit not in UNITS else target}")
    tonnes = to_tonnes(quantity, unit)
    if target == "mmbtu":
        result = tonnes * MMBTU_PER_TONNE
    elif target == "m3_lng":
        result = tonnes / TONNES_PER_M3
    else:
        result = tonnes
    return result.quantize(PLACES, rounding=ROUND_HALF_UP)


def all_units(quantity: Decimal | None, unit: str) -> dict[str, Decimal | None]:
    """The quantity in every LNG unit (None everywhere when unknown or not an LNG unit)."""
    if quantity is None or unit not in UNITS:
        return dict.fromkeys(UNITS)
    return {target: convert(quantity, unit, target) for target in UNITS}
