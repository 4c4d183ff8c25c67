"""Check a whole item record at once and report every bad field, not only the first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau.catalog.fields import BY_KIND, COMMON, FIELD_NAMES, FieldSpec
from bureau.catalog.models import Kind
from bureau.core.errors import FieldError, ValidationFailed


@dataclass
class CleanItem:
    kind: str
    common: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


# Chapter 99 holds "commodities not specified according to kind": a heading of statistics, never
# what an offer or a request is for.
STATISTICS_CHAPTER = "99"
NOT_A_PRODUCT = gettext_lazy(
    "'%(codes)s' is in HS chapter 99 (commodities not specified according to kind), which is "
    "for trade statistics only: use the product's own HS code"
)
PAST_VALID_UNTIL = gettext_lazy("must be today or later")
KINDS = frozenset(Kind.values)  # ``Kind.values`` builds a new list on every access
KNOWN = frozenset(FIELD_NAMES) | {"id", "uid"}  # a set: each key of each record is looked up


def clean_item(
    data: Mapping[str, Any], *, entered: bool = False, kept_valid_until: dt.date | None = None
) -> CleanItem:
    """Parse and cross-check a complete record; raise ``ValidationFailed`` listing every bad field.

    ``entered``: the record is being entered at this node (form, API, import), so the rules for
    new information apply too: valid until today or later (``kept_valid_until``, the value
    already stored, may stay as it is) and no HS chapter 99. Records received from a peer
    are checked without them: they describe the peer's items as they are.
    """
    errors: list[FieldError] = []
    if data.keys() - KNOWN:
        unknown = sorted(k for k in data if k not in KNOWN)
        errors += [FieldError(name, _("is not a field of an item")) for name in unknown]

    values = _parse(_COMMON, data, errors)
    kind = values.get("kind")
    specs = _BY_KIND[kind] if kind in KINDS else ()
    foreign = _FOREIGN[kind] if kind in KINDS else _ALL_OWNED
    if data.keys() & foreign:  # kept in the record's order: the errors are listed in it
        for name in data:
            if name in foreign and not _blank(data[name]):
                errors.append(
                    FieldError(name, _("does not apply to kind '%(kind)s'") % {"kind": kind})
                )
    detail = _parse(specs, data, errors)
    errors += _cross_checks(values, detail)
    if entered:
        errors += entry_checks(values, detail, kept_valid_until=kept_valid_until)
    if errors:
        raise ValidationFailed(errors)
    return CleanItem(kind=str(kind), common=values, detail=detail)


# Parsed values of text input, per field: a batch (a peer's page, an import file) repeats
# the same kinds, codes, dates and units in thousands of records, and a parser's answer
# depends on its input alone. Only answers are kept, never refusals (worded in the language
# of their request), and a list of texts is kept as a tuple and handed out as a new list, so
# that no record shares a mutable value with another.
_PARSED_SIZE = 4096  # per field; a field whose values never repeat (a title) starts over
_IMMUTABLE = (str, bool, int, Decimal, dt.date, type(None))
_MISSING = object()
# Each field: its name, parser, whether it is required, and its parsed values by input.
Prepared = tuple[tuple[str, Any, bool, dict[Any, Any]], ...]


def _prepared(specs: list[FieldSpec]) -> Prepared:
    return tuple((spec.name, spec.parse, spec.required, {}) for spec in specs)


_COMMON = _prepared(COMMON)
_BY_KIND = {str(kind): _prepared(specs) for kind, specs in BY_KIND.items()}


def _parse(prepared: Prepared, data: Mapping[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, parse, required, known in prepared:
        raw = data.get(name)
        # The key of a remembered answer: a text, nothing, or a list of texts (as a tuple).
        key: Any = _MISSING
        if raw is None or type(raw) is str:
            key = raw
        elif type(raw) is list and all(type(part) is str for part in raw):
            key = (list, *raw)
        found = _MISSING if key is _MISSING else known.get(key, _MISSING)
        if found is _MISSING:
            try:
                found = parse(raw)
            except ValueError as error:
                errors.append(FieldError(name, str(error)))
                continue
            if key is not _MISSING:
                _remember(known, key, found)
        elif type(found) is tuple:
            found = list(found)  # a record never shares a mutable value with another
        values[name] = found
        if required and _blank(found):
            errors.append(FieldError(name, _("is required")))
    return values


def _remember(known: dict[Any, Any], key: Any, value: Any) -> None:
    if len(known) >= _PARSED_SIZE:
        known.clear()
    if isinstance(value, _IMMUTABLE):
        known[key] = value
    elif type(value) is list and all(type(part) is str for part in value):
        known[key] = tuple(value)


def _cross_checks(common: dict[str, Any], detail: dict[str, Any]) -> list[FieldError]:
    errors = []
    if common.get("value_amount") is not None and not common.get("value_currency"):
        errors.append(FieldError("value_currency", _("is required when a value is given")))
    for first, last in (
        ("valid_from", "valid_until"),
        ("starts_on", "ends_on"),
        ("effective_on", "expires_on"),
    ):
        values = common if first == "valid_from" else detail
        if _inverted(values.get(first), values.get(last)):
            errors.append(FieldError(last, _("is before %(field)s") % {"field": first}))
    if detail.get("quantity") is not None and not detail.get("unit"):
        errors.append(FieldError("unit", _("is required when a quantity is given")))
    return errors


def entry_checks(
    common: dict[str, Any], detail: dict[str, Any], *, kept_valid_until: dt.date | None = None
) -> list[FieldError]:
    """The rules for information entered at this node, beyond the field parsers."""
    errors = []
    valid_until = common.get("valid_until")
    if (
        valid_until is not None
        and valid_until != kept_valid_until
        and valid_until < timezone.localdate()
    ):
        errors.append(FieldError("valid_until", str(PAST_VALID_UNTIL)))
    if str(detail.get("hs_code") or "").startswith(STATISTICS_CHAPTER):
        errors.append(FieldError("hs_code", NOT_A_PRODUCT % {"codes": detail["hs_code"]}))
    statistical = [c for c in common.get("hs_codes") or [] if c.startswith(STATISTICS_CHAPTER)]
    if statistical:
        errors.append(FieldError("hs_codes", NOT_A_PRODUCT % {"codes": ", ".join(statistical)}))
    return errors


def _inverted(first: Any, last: Any) -> bool:
    return first is not None and last is not None and last < first


_OWNER = {spec.name: str(kind) for kind, specs in BY_KIND.items() for spec in specs}
_ALL_OWNED = frozenset(_OWNER)
# The kind-specific fields that do not apply to each kind.
_FOREIGN = {
    str(kind): frozenset(name for name, owner in _OWNER.items() if owner != kind)
    for kind in BY_KIND
}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []
