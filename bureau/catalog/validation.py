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
    unknown = sorted(k for k in data if k not in KNOWN)
    errors += [FieldError(name, _("is not a field of an item")) for name in unknown]

    values = _parse(COMMON, data, errors)
    kind = values.get("kind")
    specs = BY_KIND.get(Kind(kind), []) if kind in KINDS else []
    for name in data:
        if _owner(name) not in (None, kind) and not _blank(data[name]):
            errors.append(FieldError(name, _("does not apply to kind '%(kind)s'") % {"kind": kind}))
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
_PARSED: dict[str, dict[Any, Any]] = {}
_PARSED_SIZE = 4096  # per field; a field whose values never repeat (a title) starts over
_IMMUTABLE = (str, bool, int, Decimal, dt.date, type(None))


def _parse_one(spec: FieldSpec, raw: Any) -> Any:
    key: Any
    if type(raw) is str:
        key = raw
    elif type(raw) is list and all(type(part) is str for part in raw):
        key = (list, *raw)
    else:
        return spec.parse(raw)
    known = _PARSED.setdefault(spec.name, {})
    try:
        found = known[key]
    except KeyError:
        value = spec.parse(raw)
        if len(known) >= _PARSED_SIZE:
            known.clear()
        if isinstance(value, _IMMUTABLE):
            known[key] = value
        elif type(value) is list and all(type(part) is str for part in value):
            known[key] = tuple(value)
        return value
    return list(found) if type(found) is tuple else found


def _parse(
    specs: list[FieldSpec], data: Mapping[str, Any], errors: list[FieldError]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in specs:
        raw = data.get(spec.name)
        try:
            values[spec.name] = _parse_one(spec, raw)
        except ValueError as error:
            errors.append(FieldError(spec.name, str(error)))
            continue
        if spec.required and _blank(values[spec.name]):
            errors.append(FieldError(spec.name, _("is required")))
    return values


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


def _owner(name: str) -> str | None:
    """The kind a kind-specific field belongs to; None for the common fields."""
    return _OWNER.get(name)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []
