from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bureau.reference.money import convert
from bureau.trade import charts, codes
from bureau.trade.reports.base import Report
from bureau.web.templatetags.bureau_tags import beside, rate_lookup

register = template.Library()


@register.filter
def usd(value: float | None) -> str:
    """US$ with a scale word: 27000000 -> 'US$ 27.0 m'."""
    return "" if value is None else charts.money(float(value))


@register.simple_tag(takes_context=True)
def usd_in(context: template.Context, value: float | None, year: int | str | None = None) -> str:
    """A US$ figure of the monitor and, for a reader who chose AZN or PKR, the same figure in
    that currency at the rate of the figure's year (the last rate recorded by its end)."""
    if value is None:
        return ""
    return beside(context, charts.money(float(value)), *_dated(value, year), _scaled)


@register.simple_tag(takes_context=True)
def also_in(context: template.Context, value: float | None, year: int | str | None = None) -> str:
    """Only the converted part of ``usd_in``, for a figure already shown (a link to its source)."""
    if value is None:
        return ""
    return beside(context, "", *_dated(value, year), _scaled)


def _dated(value: float, year: int | str | None) -> tuple[Decimal, str, dt.date]:
    try:
        day = dt.date(int(year), 12, 31) if year else timezone.localdate()
    except (TypeError, ValueError):  # a period that is not a year: today's rate
        day = timezone.localdate()
    return Decimal(str(value)), "USD", day


def _scaled(value: Decimal, currency: str) -> str:
    return format_html('<bdi dir="ltr">{}</bdi>', charts.money(float(value), currency))


@register.simple_tag(takes_context=True)
def chart(context: template.Context, report: Report, size: str = "wide") -> str:
    """A report's chart, its marks' tooltips giving each US$ value in the reader's currency too
    at the rate of its year (the rates are named in the note under the report's table)."""
    preferred = context.get("preferred_currency", "")
    also = None
    if preferred and preferred != "USD":
        lookup = rate_lookup(context)

        def also(value: float, year: str) -> str:
            amount, currency, day = _dated(value, year)
            converted = convert(amount, currency, preferred, on=day, lookup=lookup)
            if converted is None:
                return ""
            return " (≈ " + charts.money(float(converted.amount), preferred) + ")"

    svg = report.narrow(also) if size == "narrow" else report.wide(also)
    return mark_safe(svg)  # noqa: S308 - drawn by charts.py, every text in it escaped


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """A fraction as a signed-free percentage: 0.8497 -> '85 %'."""
    if value is None:
        return ""
    # Kept left to right: in Urdu, "85 %" would otherwise read "% 85".
    return format_html('<bdi dir="ltr">{}</bdi>', f"{float(value) * 100:,.{digits}f} %")


@register.filter
def country(alpha3: str) -> str:
    return codes.display_name(alpha3) if alpha3 else ""


@register.filter
def get(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)
