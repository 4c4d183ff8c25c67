"""Clean the input of every commitments record: one schema per entity, field-level errors.

Web forms, the API, the CLI, bulk imports and replicated records all go through ``clean``,
so a bad value gets the same message wherever it comes from, naming its field.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from bureau.core import parsing
from bureau.core.errors import FieldError, ValidationFailed
from bureau.reference.countries import currency_error
from bureau.reference.vocab import Sector

Parser = Callable[[Any], Any]


def _text(limit: int, required: bool = False) -> Parser:
    def parse(value: Any) -> str:
        result = parsing.text(value, max_length=limit)
        if required and not result:
            raise ValueError(_("is required"))
        return result

    return parse


def _choice(options: list[str], required: bool = True, default: str = "") -> Parser:
    def parse(value: Any) -> str:
        word = parsing.text(value, max_length=40).lower() or default
        if not word and not required:
            return ""
        if word not in options:
            raise ValueError(
                _("'%(word)s' is not one of: %(options)s")
                % {"word": parsing.shown(word), "options": ", ".join(options)}
            )
        return word

    return parse


def _currency(value: Any) -> str:
    code = parsing.text(value, max_length=3).upper()
    if code and (reason := currency_error(code)):
        raise ValueError(reason)
    return code


def _hs(value: Any) -> str:
    code = parsing.text(value, max_length=6)
    if code and (not code.isdigit() or len(code) not in (2, 4, 6)):
        raise ValueError(
            _("'%(code)s' is not an HS code of 2, 4 or 6 digits") % {"code": parsing.shown(code)}
        )
    return code


def _amount(value: Any) -> Any:
    number = parsing.amount(value)
    if number is not None and number < 0:
        raise ValueError(_("must not be negative"))
    return number


def _uid(value: Any) -> str:
    text = parsing.text(value, max_length=40)
    if text:
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise ValueError(
                _("'%(text)s' is not an item uid") % {"text": parsing.shown(text)}
            ) from None
    return text


def _milestones(value: Any) -> list[dict[str, Any]]:
    """A list of {title, due_on, done_on}: dates as YYYY-MM-DD text, each may be unknown."""
    if parsing.is_blank(value):
        return []
    if not isinstance(value, list) or len(value) > parsing.MAX_LIST_ITEMS:
        raise ValueError(_("must be a list of milestones, each with a title"))
    result = []
    for n, row in enumerate(value, start=1):
        if not isinstance(row, dict) or not parsing.text(row.get("title"), max_length=300):
            raise ValueError(_("milestone %(n)s needs a title") % {"n": n})
        try:
            due, done = parsing.date(row.get("due_on")), parsing.date(row.get("done_on"))
        except ValueError as bad:
            raise ValueError(_("milestone %(n)s: %(error)s") % {"n": n, "error": bad}) from None
        result.append({"title": parsing.text(row["title"], max_length=300),
                       "due_on": due.isoformat() if due else None,
                       "done_on": done.isoformat() if done else None})  # fmt: skip
    return result


def _year(value: Any) -> int | None:
    if parsing.is_blank(value):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(_("'%(value)s' is not a year") % {"value": parsing.shown(value)}) from None


SECTORS = [s.value for s in Sector]
STAGES = [
    "identified",
    "negotiation",
    "agreed",
    "financing",
    "construction",
    "operating",
    "cancelled",
]
MONEY_KINDS = ["pledged", "committed", "disbursed"]
UNITS = ["m3_lng", "tonnes", "mmbtu", "barrels"]
CARGO_STATUSES = ["planned", "nominated", "confirmed", "loaded", "delivered", "cancelled"]
AREAS = ["energy", "defence", "transport", "trading", "chambers", "bureau", "investment"]
COOP_STATUSES = ["proposed", "agreed", "under_way", "established", "stopped"]

SOURCE: dict[str, Parser] = {"source_title": _text(300), "source_url": parsing.http_url}

SCHEMAS: dict[str, dict[str, Parser]] = {
    "pledge": {
        "title": _text(300, required=True),
        "pledged_by": _text(200, required=True),
        "pledged_to": _text(200, required=True),
        "amount": _amount,
        "currency": _currency,
        "pledged_on": parsing.date,
        "sectors": lambda v: [_choice(SECTORS)(s) for s in parsing.string_list(v, max_length=20)],
        "item": _uid,
        **SOURCE,
    },
    "project": {
        "title": _text(300, required=True),
        "sector": _choice(SECTORS),
        "location": _text(200),
        "investor": _text(100),
        "host": _text(100),
        "stage": _choice(STAGES, default="identified"),
        "stage_on": parsing.date,
        "description": _text(2000),
        **SOURCE,
    },
    "stage": {"stage": _choice(STAGES), "changed_on": parsing.date, "note": _text(300)},
    "money": {
        "kind": _choice(MONEY_KINDS),
        "on": parsing.date,
        "amount": _amount,
        "currency": _currency,
        **SOURCE,
    },
    "contract": {
        "title": _text(300, required=True),
        "product": _choice(["lng", "petroleum"]),
        "product_name": _text(200),
        "hs_code": _hs,
        "seller": _text(200, required=True),
        "buyer": _text(200, required=True),
        "starts_on": parsing.date,
        "ends_on": parsing.date,
        "yearly_quantity": _amount,
        "unit": _choice(UNITS, required=False),
        "price_basis": _text(300),
        **SOURCE,
    },
    "cargo": {
        "reference": _text(100),
        "window_start": parsing.date,
        "window_end": parsing.date,
        "load_port": _text(120),
        "discharge_port": _text(120),
        "volume": _amount,
        "unit": _choice(UNITS, required=False),
        "price_basis": _text(300),
        "status": _choice(CARGO_STATUSES, default="planned"),
        **SOURCE,
    },
    "cooperation": {
        "title": _text(300, required=True),
        "area": _choice(AREAS),
        "status": _choice(COOP_STATUSES, default="proposed"),
        "description": _text(2000),
        "parties": lambda v: parsing.string_list(v, max_length=200),
        "milestones": _milestones,
        "stated_on": parsing.date,
        **SOURCE,
    },
}


def clean(entity: str, data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The typed values of ``data`` for ``entity``; ``ValidationFailed`` names every bad field.

    With ``partial``, only the fields given are cleaned (an update keeps the others).
    """
    schema = SCHEMAS[entity]
    unknown = [name for name in data if name not in schema]
    errors = [FieldError(name, _("is not a field of this record")) for name in unknown]
    values: dict[str, Any] = {}
    for name, parse in schema.items():
        if partial and name not in data:
            continue
        try:
            values[name] = parse(data.get(name))
        except ValueError as bad:
            errors.append(FieldError(name, str(bad)))
    errors += _cross_checks(entity, values)
    if errors:
        raise ValidationFailed(errors)
    return values


def _cross_checks(entity: str, values: dict[str, Any]) -> list[FieldError]:
    errors = []
    if values.get("amount") is not None and not values.get("currency"):
        errors.append(FieldError("currency", _("is required with an amount (ISO 4217, e.g. USD)")))
    pairs = {"contract": ("starts_on", "ends_on"), "cargo": ("window_start", "window_end")}
    if entity in pairs:
        first, last = (values.get(name) for name in pairs[entity])
        if first and last and last < first:
            errors.append(FieldError(pairs[entity][1], _("is before the start")))
    quantity = "yearly_quantity" if entity == "contract" else "volume"
    if values.get(quantity) is not None and not values.get("unit"):
        errors.append(FieldError("unit", _("is required with a quantity")))
    return errors
