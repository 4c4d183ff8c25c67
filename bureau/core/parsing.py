"""Parse loosely typed input (form fields, CSV cells, JSON) into typed values.

Each parser raises ``ValueError`` with a message fit to show beside the field. Every text that
comes in — through the API, a form, an import file or a peer — goes through ``text``, which
bounds its length and refuses control characters (PostgreSQL cannot store NUL; the others are
never meaningful in the bureau's texts and can hide content from a reader).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

TRUE_WORDS = {"1", "true", "yes", "y", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "off", ""}

# The longest text any field takes unless it says otherwise (a long description).
MAX_TEXT = 10_000
MAX_URL = 500
MAX_LIST_ITEMS = 200
# C0 controls but tab and line breaks, DEL, C1 controls, and lone surrogates (JSON can carry
# "\ud800", which no database can store as UTF-8).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, *, max_length: int = MAX_TEXT) -> str:
    """``value`` as stripped text of at most ``max_length`` characters, without control characters."""
    result = "" if value is None else str(value).strip()
    if found := CONTROL.search(result):
        raise ValueError(
            _("must not contain control characters (%(code)s at character %(position)d)")
            % {"code": f"U+{ord(found.group()):04X}", "position": found.start() + 1}
        )
    if len(result) > max_length:
        raise ValueError(
            _("is %(length)d characters long; at most %(limit)d are allowed")
            % {"length": len(result), "limit": max_length}
        )
    return result


_http_url = URLValidator(schemes=["http", "https"])


def http_url(value: Any, *, max_length: int = MAX_URL) -> str:
    """An http(s) URL, or "" for nothing: never ``javascript:``, ``data:`` or a bare path."""
    url = text(value, max_length=max_length)
    if url:
        try:
            _http_url(url)
        except ValidationError:
            raise ValueError(
                _("'%(value)s' is not an http(s) URL") % {"value": shown(url)}
            ) from None
    return url


def shown(value: Any, limit: int = 60) -> str:
    """``value`` as quoted in a message: cut short, so that a huge input is not echoed back."""
    raw = str(value)
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"


def decimal(value: Any) -> Decimal | None:
    if is_blank(value):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(_("'%(value)s' is not a number") % {"value": shown(value)}) from None
    if not result.is_finite():
        raise ValueError(_("'%(value)s' is not a finite number") % {"value": shown(value)})
    return result


# Amounts fit the database's columns (18 digits, 2-3 decimals) with room for USD conversion.
MAX_INTEGER_DIGITS = 15


def amount(value: Any) -> Decimal | None:
    """A number of at most MAX_INTEGER_DIGITS digits before the point (a value, a quantity)."""
    number = decimal(value)
    if number is not None and abs(number) >= 10**MAX_INTEGER_DIGITS:
        raise ValueError(
            _("is too large: at most %(digits)d digits before the point")
            % {"digits": MAX_INTEGER_DIGITS}
        )
    return number


def date(value: Any) -> dt.date | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(
            _("'%(value)s' is not a date in the form YYYY-MM-DD") % {"value": shown(value)}
        ) from None


def datetime(value: Any) -> dt.datetime | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(
                _("'%(value)s' is not a date-time in ISO 8601 form") % {"value": shown(value)}
            ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("'%(value)s' is not yes or no") % {"value": shown(value)})


def string_list(value: Any, *, max_length: int = MAX_TEXT) -> list[str]:
    """A list given as a JSON array or as text separated by ';', ',' or '|'; each part is
    ``text`` of at most ``max_length`` characters, and there are at most MAX_LIST_ITEMS."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        parts: list[Any] = [value]
        for separator in (";", "|", ","):
            if separator in value:
                parts = value.split(separator)
                break
    elif isinstance(value, Iterable) and not isinstance(value, bytes | dict):
        parts = [part for part in value if not is_blank(part)]
    else:
        raise ValueError(_("must be a list"))
    result = [part for part in (text(p, max_length=max_length) for p in parts) if part]
    if len(result) > MAX_LIST_ITEMS:
        raise ValueError(
            _("has %(count)d entries; at most %(limit)d are allowed")
            % {"count": len(result), "limit": MAX_LIST_ITEMS}
        )
    return result
