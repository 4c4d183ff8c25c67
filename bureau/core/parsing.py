"""Parse loosely typed input (form fields, CSV cells, JSON) into typed values.

Each parser raises ``ValueError`` with a message fit to show beside the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "y", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "off", ""}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, *, max_length: int | None = None) -> str:
    result = "" if value is None else str(value).strip()
    if "\x00" in result:  # PostgreSQL cannot store it; never meaningful in text
        raise ValueError("must not contain NUL characters")
    if max_length is not None and len(result) > max_length:
        raise ValueError(f"is {len(result)} characters long; at most {max_length} are allowed")
    return result


def decimal(value: Any) -> Decimal | None:
    if is_blank(value):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not result.is_finite():
        raise ValueError(f"'{value}' is not a finite number")
    return result


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
        raise ValueError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


def datetime(value: Any) -> dt.datetime | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a date-time in ISO 8601 form") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"'{value}' is not yes or no")


def string_list(value: Any) -> list[str]:
    """A list given as a JSON array or as text separated by ';', ',' or '|'."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        for separator in (";", "|", ","):
            if separator in value:
                return [part.strip() for part in value.split(separator) if part.strip()]
        return [value.strip()]
    if isinstance(value, Iterable):
        return [str(part).strip() for part in value if not is_blank(part)]
    raise ValueError("must be a list")
