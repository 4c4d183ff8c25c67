from __future__ import annotations

from django import template

from bureau.trade import charts, codes

register = template.Library()


@register.filter
def usd(value: float | None) -> str:
    """US$ with a scale word: 27000000 -> 'US$ 27.0 m'."""
    return "" if value is None else charts.money(float(value))


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """A fraction as a signed-free percentage: 0.8497 -> '85 %'."""
    return "" if value is None else f"{float(value) * 100:,.{digits}f} %"


@register.filter
def country(alpha3: str) -> str:
    return codes.display_name(alpha3) if alpha3 else ""


@register.filter
def get(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)
