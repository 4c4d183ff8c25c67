"""Template filters that turn stored codes (countries, HS codes, sectors, money) into words,
and stored addresses into links that can only be http(s)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bureau.catalog.models import Kind
from bureau.reference import countries, hs
from bureau.reference.models import ExchangeRate
from bureau.reference.money import RateLookup, convert, rate_on
from bureau.reference.vocab import Sector

register = template.Library()


def _locale() -> str:
    return (get_language() or "en").split("-")[0]


@register.filter
def http_url(value: Any) -> str:
    """``value`` if it is an http(s) URL, else "": a link made from stored data never runs
    script (``javascript:``) or carries a page (``data:``), whatever was stored before."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


@register.filter
def language_name(code: str) -> str:
    """An ISO 639-1 code as the language's name in the reader's language ('az' -> 'Azerbaijani')."""
    if not code:
        return ""
    try:
        name = Locale.parse(code).get_display_name(_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


@register.filter
def country_name(code: str) -> str:
    return countries.country_name(code) if code else ""


@register.filter
def hs_dotted(code: str) -> str:
    """'100630' -> '1006.30', the way HS codes are usually written."""
    code = str(code or "")
    return f"{code[:4]}.{code[4:]}" if len(code) == 6 else code


@register.filter
def hs_description(code: str) -> str:
    found = hs.lookup(code) if code else None
    return found.description if found else ""


@register.filter
def section_name(numeral: str) -> str:
    return hs.sections().get(numeral, "")


@register.filter
def sector_label(value: str) -> str:
    return str(Sector(value).label) if value in Sector.values else value


@register.filter
def kind_label(value: str) -> str:
    return str(Kind(value).label) if value in Kind.values else value


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """An amount with its currency, written the way the active language writes numbers, kept
    left to right inside right-to-left text."""
    if amount is None:
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', money_text(amount, currency))


def money_text(amount: Decimal, currency: str = "") -> str:
    whole = amount == amount.to_integral()
    text = format_decimal(amount, format="#,##0" if whole else "#,##0.00", locale=_locale())
    # The ISO code rather than a symbol: "$" is ambiguous and "Rs" varies by country.
    return f"{text}\u00a0{currency}" if currency else text


@register.filter
def number(amount: Any) -> str:
    """A quantity without trailing zeros ('500.000' -> '500')."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount))
    return format_decimal(
        value.normalize() if value == value.to_integral() else value, locale=_locale()
    )


@register.simple_tag(takes_context=True)
def amount(
    context: template.Context,
    value: Decimal | None,
    currency: str,
    on: dt.date | dt.datetime | None = None,
    note: bool = False,
) -> str:
    """An amount in its own currency and, for a reader who chose another currency, in that one
    too at the exchange rate of ``on`` (the amount's date), with the rate's date and source in
    the tooltip and for screen readers, or written out when ``note``."""
    if value is None:
        return ""
    day = on.date() if isinstance(on, dt.datetime) else (on or timezone.localdate())
    return beside(context, money(value, currency), value, currency, day, money, note=note)


def beside(
    context: template.Context,
    original: str,
    value: Decimal,
    currency: str,
    day: dt.date,
    written: Callable[[Decimal, str], str],
    *,
    note: bool = False,
) -> str:
    """``original`` (the amount as recorded) followed by the amount in the reader's preferred
    currency at the rate of ``day``, written by ``written``. The rate's date and source are in
    the hover title, in text for screen readers and, with ``note``, on the page; the rates used
    are also kept for ``{% rates_note %}``. No rate: the original alone, and a note saying so."""
    preferred = context.get("preferred_currency", "")
    if not preferred or not currency or preferred == currency.upper():
        return original
    converted = convert(value, currency, preferred, on=day, lookup=rate_lookup(context))
    if converted is None:
        missing = _("no %(currency)s rate recorded for this date") % {"currency": preferred}
        return format_html('{} <span class="rate-note muted">({})</span>', original, missing)
    used = _kept(context, RATES_USED)
    used.update({(rate.currency, rate.as_of): rate for rate in converted.rates})
    about = _("at the rate of %(date)s; source: %(source)s") % {
        "date": date_format(converted.as_of, "DATE_FORMAT") if converted.as_of else "—",
        "source": "; ".join(converted.sources),
    }
    # "(≈ …)" kept left to right as a whole: in Urdu it would read "(… ≈)".
    value_html = written(converted.amount, converted.currency)
    if note:  # the rate written out beside it, for everyone
        return format_html(
            '{} <span class="converted" title="{}"><bdi dir="ltr">(≈ {})</bdi></span> '
            '<span class="rate-note muted">{}</span>',
            original,
            about,
            value_html,
            about,
        )
    return format_html(
        '{} <span class="converted" title="{}"><bdi dir="ltr">(≈ {})</bdi>'
        '<span class="visually-hidden">, {}</span></span>',
        original,
        about,
        value_html,
        about,
    )


RATES_USED = "bureau_rates_used"
RATE_CACHE = "bureau_rate_cache"


def _kept(context: template.Context, key: str) -> dict[Any, Any]:
    """A dictionary kept for the rendering of one template (an include has its own)."""
    kept = context.render_context.get(key)
    if not isinstance(kept, dict):
        kept = {}
        context.render_context[key] = kept
    return kept


def rate_lookup(context: template.Context) -> RateLookup:
    """``rate_on`` that reads each currency's rate of a day once per rendered template."""
    cache = _kept(context, RATE_CACHE)

    def lookup(currency: str, day: dt.date) -> ExchangeRate | None:
        if (currency, day) not in cache:
            cache[currency, day] = rate_on(currency, day)
        return cache[currency, day]

    return lookup


@register.simple_tag(takes_context=True)
def rates_note(context: template.Context) -> str:
    """A visible note under a table: each exchange rate its converted amounts used, with its
    date and source, so the figures can be checked without hovering."""
    used = _kept(context, RATES_USED)
    if not used:
        return ""
    lines = [
        format_html(
            "<li>{}</li>",
            _("%(rate)s per US dollar on %(date)s (%(source)s)")
            % {
                "rate": money_text(rate.per_usd.normalize(), rate.currency),
                "date": date_format(rate.as_of, "DATE_FORMAT"),
                "source": rate.source,
            },
        )
        for rate in sorted(used.values(), key=lambda r: (r.currency, r.as_of))
    ]
    return format_html(
        '<div class="rate-note muted"><p>{}</p><ul>{}</ul></div>',
        _("Amounts after “≈” are converted at these exchange rates:"),
        format_html_join("", "{}", ((line,) for line in lines)),
    )
