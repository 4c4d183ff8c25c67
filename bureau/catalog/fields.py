"""The one documented field set of an item, shared by the API, forms, import files and export.

Each field has a parser that turns loose input (a form value, a CSV cell, JSON) into a typed
value or raises ``ValueError`` with a reason fit to show beside the field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pycountry
from django.db import models
from django.utils.translation import gettext as _

from bureau.catalog.models import Agreement, InvestmentOpportunity, Kind, MarketNotice, TradeLead
from bureau.core import parsing
from bureau.reference import countries, hs
from bureau.reference.vocab import Incoterm, Sector, Unit

Parser = Callable[[Any], Any]

BODY_LENGTH = 50_000  # characters of an item's full text


@dataclass(frozen=True)
class FieldSpec:
    name: str
    parse: Parser
    help: str
    required: bool = False
    kind: str | None = None  # None: every kind has the field
    example: str = ""


def _text(max_length: int = parsing.MAX_TEXT) -> Parser:
    return lambda value: parsing.text(value, max_length=max_length)


def _choice(choices: type[models.TextChoices]) -> Parser:
    allowed = [str(v) for v in choices.values]
    by_lower = {candidate.lower(): candidate for candidate in reversed(allowed)}  # first wins

    def parse(value: Any) -> str:
        word = parsing.text(value)
        if not word:
            return ""
        if (found := by_lower.get(word.lower())) is not None:
            return found
        raise ValueError(
            _("'%(value)s' is not one of: %(allowed)s")
            % {"value": word, "allowed": ", ".join(allowed)}
        )

    return parse


def _checked(check: Callable[[str], str | None], transform: Callable[[str], str]) -> Parser:
    # The reference data does not change while a process runs, and a batch (an import, a
    # peer's page) repeats the same few codes: each good one is looked up once. Only good
    # codes are remembered; a refusal is worded again, in the language of its request.
    known: set[str] = set()

    def parse(value: Any) -> str:
        word = transform(parsing.text(value))
        if word and word not in known:
            if reason := check(word):
                raise ValueError(reason)
            if len(known) < 4096:
                known.add(word)
        return word

    return parse


def _checked_list(one: Parser) -> Parser:
    def parse(value: Any) -> list[str]:
        return list(dict.fromkeys(one(part) for part in parsing.string_list(value)))

    return parse


def parse_language(value: Any) -> str:
    code = parsing.text(value).lower() or "en"
    if not _is_language(code):
        raise ValueError(_("'%(code)s' is not an ISO 639-1 language code") % {"code": code})
    return code


@functools.lru_cache(maxsize=1024)
def _is_language(code: str) -> bool:
    return pycountry.languages.get(alpha_2=code) is not None


def _url(value: Any) -> str:
    return parsing.http_url(value)


_bounded = parsing.amount


def _non_negative(value: Any) -> Any:
    number = _bounded(value)
    if number is not None and number < 0:
        raise ValueError(_("must not be negative"))
    return number


def _positive(value: Any) -> Any:
    number = _bounded(value)
    if number is not None and number <= 0:
        raise ValueError(_("must be greater than zero"))
    return number


def _records(keys: dict[str, Parser]) -> Parser:
    """A list of small records (milestones, extensions), given as JSON objects."""

    def parse(value: Any) -> list[dict[str, Any]]:
        if parsing.is_blank(value):
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError(_("must be a list of objects"))
        records = []
        for position, record in enumerate(value, start=1):
            unknown = set(record) - set(keys)
            if unknown:
                raise ValueError(
                    _("entry %(position)d: unknown key(s) %(keys)s")
                    % {"position": position, "keys": ", ".join(sorted(unknown))}
                )
            try:
                records.append({key: parser(record.get(key)) for key, parser in keys.items()})
            except ValueError as error:
                raise ValueError(
                    _("entry %(position)d: %(error)s") % {"position": position, "error": error}
                ) from None
        return records

    return parse


country = _checked(countries.country_error, str.upper)
currency = _checked(countries.currency_error, str.upper)
hs_code = _checked(hs.validation_error, hs.normalise)
sector = _choice(Sector)

COMMON = [
    FieldSpec(
        "kind",
        _choice(Kind),
        "lead, opportunity, tender, agreement or notice",
        True,
        example="lead",
    ),
    FieldSpec(
        "title", _text(300), "Headline, at most 300 characters", True, example="Basmati rice, 500 t"
    ),
    FieldSpec(
        "summary", _text(2000), "One or two sentences", example="Long-grain rice from Punjab."
    ),
    FieldSpec("body", _text(BODY_LENGTH), f"Full text, at most {BODY_LENGTH:,} characters"),
    FieldSpec(
        "language", parse_language, "ISO 639-1 code of the text (en, az, ur, ...)", example="en"
    ),
    FieldSpec(
        "countries", _checked_list(country), "ISO alpha-2 codes separated by ';'", example="PK;AZ"
    ),
    FieldSpec(
        "hs_codes",
        _checked_list(hs_code),
        "HS 2022 codes (2, 4 or 6 digits) separated by ';'",
        example="100630",
    ),
    FieldSpec(
        "sectors",
        _checked_list(sector),
        f"Sectors separated by ';' ({', '.join(Sector.values)})",
        example="agriculture",
    ),
    FieldSpec("value_amount", _non_negative, "Value or amount, a number", example="400000"),
    FieldSpec(
        "value_currency", currency, "ISO 4217 code of the value (USD, AZN, PKR, ...)", example="USD"
    ),
    FieldSpec("valid_from", parsing.date, "First day the information is valid (YYYY-MM-DD)"),
    FieldSpec(
        "valid_until",
        parsing.date,
        "Last day; the item expires after it (YYYY-MM-DD)",
        example="2027-06-30",
    ),
    FieldSpec(
        "organisation", _text(220), "Slug of the organisation in the directory; default: your own"
    ),
    FieldSpec("source_title", _text(300), "Where the information comes from"),
    FieldSpec("source_url", _url, "Link to the source"),
    FieldSpec(
        "is_example",
        parsing.boolean,
        "yes for illustrative content that is not a real offer",
        example="no",
    ),
]

BY_KIND = {
    Kind.LEAD: [
        FieldSpec("side", _choice(TradeLead.Side), "sell or buy", True, Kind.LEAD, "sell"),
        FieldSpec("product", _text(200), "Product name", True, Kind.LEAD, "Basmati rice"),
        FieldSpec("hs_code", hs_code, "HS 2022 code of the product", True, Kind.LEAD, "100630"),
        FieldSpec("quantity", _positive, "Quantity, a number", False, Kind.LEAD, "500"),
        FieldSpec("unit", _choice(Unit), f"Unit ({', '.join(Unit.values)})", False, Kind.LEAD, "TNE"),
        FieldSpec("incoterm", _choice(Incoterm), "Incoterm 2020 rule (FOB, CIF, ...)", False, Kind.LEAD, "CFR"),
        FieldSpec("origin_country", country, "ISO alpha-2", False, Kind.LEAD, "PK"),
        FieldSpec("destination_country", country, "ISO alpha-2", False, Kind.LEAD, "AZ"),
        FieldSpec("origin_place", _text(120), "Port or city of origin", False, Kind.LEAD, "Karachi"),
        FieldSpec("destination_place", _text(120), "Port or city of destination", False, Kind.LEAD, "Baku"),
    ],
    Kind.OPPORTUNITY: [
        FieldSpec("sector", sector, "Main sector", True, Kind.OPPORTUNITY),
        FieldSpec("location", _text(200), "Where the project is", False, Kind.OPPORTUNITY),
        FieldSpec("stage", _choice(InvestmentOpportunity.Stage), "idea, feasibility, financing, construction, operating", False, Kind.OPPORTUNITY),
        FieldSpec("instrument", _choice(InvestmentOpportunity.Instrument), "equity, debt, joint_venture, ppp, grant, other", False, Kind.OPPORTUNITY),
    ],
    Kind.TENDER: [
        FieldSpec("reference", _text(100), "The buyer's reference", False, Kind.TENDER),
        FieldSpec("buyer", _text(200), "Who buys", True, Kind.TENDER),
        FieldSpec("deadline", parsing.datetime, "Submission deadline (ISO 8601)", False, Kind.TENDER),
        FieldSpec("documents_url", _url, "Link to the tender documents", False, Kind.TENDER),
    ],
    Kind.AGREEMENT: [
        FieldSpec("agreement_type", _choice(Agreement.Type), "framework, contract, mou, company, commitment, target", True, Kind.AGREEMENT),
        FieldSpec("parties", _checked_list(_text(200)), "Parties separated by ';'", False, Kind.AGREEMENT),
        FieldSpec("signed_on", parsing.date, "YYYY-MM-DD", False, Kind.AGREEMENT),
        FieldSpec("effective_on", parsing.date, "YYYY-MM-DD", False, Kind.AGREEMENT),
        FieldSpec("expires_on", parsing.date, "YYYY-MM-DD", False, Kind.AGREEMENT),
        FieldSpec("extensions", _records({"agreed_on": parsing.date, "new_expires_on": parsing.date, "note": _text(300)}), "JSON list of {agreed_on, new_expires_on, note}", False, Kind.AGREEMENT),
        FieldSpec("milestones", _records({"title": _text(300), "due_on": parsing.date, "done_on": parsing.date}), "JSON list of {title, due_on, done_on}", False, Kind.AGREEMENT),
    ],
    Kind.NOTICE: [
        FieldSpec("notice_type", _choice(MarketNotice.Type), "regulation, tariff, event, trade_mission, announcement, statistics", True, Kind.NOTICE),
        FieldSpec("starts_on", parsing.date, "YYYY-MM-DD", False, Kind.NOTICE),
        FieldSpec("ends_on", parsing.date, "YYYY-MM-DD", False, Kind.NOTICE),
        FieldSpec("place", _text(200), "Where", False, Kind.NOTICE),
        FieldSpec("authority", _text(200), "Who issued it", False, Kind.NOTICE),
    ],
}  # fmt: skip

ALL_FIELDS: list[FieldSpec] = COMMON + [spec for specs in BY_KIND.values() for spec in specs]
FIELD_NAMES = [spec.name for spec in ALL_FIELDS]
NESTED_FIELDS = {"extensions", "milestones"}  # JSON only, not in CSV/XLSX columns
