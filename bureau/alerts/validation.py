"""Check subscription criteria and webhook URLs, reporting every bad field."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from bureau.catalog.models import Kind
from bureau.core import parsing
from bureau.core.errors import FieldError, ValidationFailed
from bureau.delivery.egress import address_refusal
from bureau.reference import countries, hs
from bureau.reference.vocab import Sector

LIST_FIELDS = (
    "kinds",
    "hs_prefixes",
    "sectors",
    "origin_countries",
    "destination_countries",
    "keywords_all",
    "keywords_any",
    "keywords_none",
    "languages",
)
CRITERIA_FIELDS = (*LIST_FIELDS, "value_min_usd", "value_max_usd")


def clean_criteria(data: Mapping[str, Any]) -> dict[str, Any]:
    """Parse the criteria of a subscription; raise ``ValidationFailed`` naming each bad one."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for name in LIST_FIELDS:
        try:
            clean[name] = list(dict.fromkeys(parsing.string_list(data.get(name), max_length=200)))
        except ValueError as error:
            errors.append(FieldError(name, str(error)))
            clean[name] = []
    clean["hs_prefixes"] = [hs.normalise(code) for code in clean["hs_prefixes"]]
    clean["origin_countries"] = [c.upper() for c in clean["origin_countries"]]
    clean["destination_countries"] = [c.upper() for c in clean["destination_countries"]]
    errors += _each(
        clean["kinds"],
        "kinds",
        lambda k: None if k in Kind.values else _("'%(value)s' is not a kind") % {"value": k},
    )
    errors += _each(clean["hs_prefixes"], "hs_prefixes", hs.validation_error)
    errors += _each(
        clean["sectors"],
        "sectors",
        lambda s: None if s in Sector.values else _("'%(value)s' is not a sector") % {"value": s},
    )
    errors += _each(clean["origin_countries"], "origin_countries", countries.country_error)
    errors += _each(
        clean["destination_countries"], "destination_countries", countries.country_error
    )
    for name in ("value_min_usd", "value_max_usd"):
        try:
            clean[name] = parsing.amount(data.get(name))
        except ValueError as error:
            errors.append(FieldError(name, str(error)))
            clean[name] = None
    low, high = clean["value_min_usd"], clean["value_max_usd"]
    if low is not None and high is not None and high < low:
        errors.append(FieldError("value_max_usd", _("is below value_min_usd")))
    if errors:
        raise ValidationFailed(errors)
    return clean


def _each(values: list[str], field: str, check: Any) -> list[FieldError]:
    return [FieldError(field, reason) for value in values if (reason := check(value))]


def webhook_url_error(url: str) -> str | None:
    """Why ``url`` may not receive webhooks: not http(s), or an address inside this network.

    Checked again at every connection (``delivery.egress``): what a name resolves to changes.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("'%(value)s' is not an http(s) URL") % {"value": url}
    if settings.BUREAU_WEBHOOK_ALLOW_PRIVATE:
        return None
    try:
        port = parts.port
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port or 443)}
    except (socket.gaierror, UnicodeError, ValueError):
        return _("the host '%(host)s' cannot be resolved") % {"host": parts.hostname}
    for address in addresses:
        if reason := address_refusal(parts.hostname, str(address)):
            return reason
    return None
