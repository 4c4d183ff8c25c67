"""Translate database records into the matcher's plain values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bureau.alerts.matcher import Criteria, ItemFacts, words
from bureau.alerts.models import Subscription
from bureau.catalog.models import Item, Kind, Status


def criteria_of(subscription: Subscription) -> Criteria:
    s = subscription
    return Criteria(
        kinds=frozenset(s.kinds),
        hs_prefixes=frozenset(s.hs_prefixes),
        sectors=frozenset(s.sectors),
        origin_countries=frozenset(s.origin_countries),
        destination_countries=frozenset(s.destination_countries),
        keywords_all=_words(s.keywords_all),
        keywords_any=_words(s.keywords_any),
        keywords_none=_words(s.keywords_none),
        value_min=Decimal(s.value_min_usd) if s.value_min_usd is not None else None,
        value_max=Decimal(s.value_max_usd) if s.value_max_usd is not None else None,
        languages=frozenset(s.languages),
    )


def facts_of(item: Item) -> ItemFacts:
    lead: Any = getattr(item, "lead", None) if item.kind == Kind.LEAD else None
    return _facts(
        item.kind,
        item.countries,
        lead.origin_country if lead is not None else "",
        lead.destination_country if lead is not None else "",
        item.hs_codes,
        item.sectors,
        f"{item.title} {item.summary}",
        item.value_usd,
        item.language,
    )


# The columns ``published_facts`` reads: what ``_facts`` takes, in its order, after the id.
FACT_COLUMNS = (
    "id",
    "kind",
    "countries",
    "lead__origin_country",
    "lead__destination_country",
    "hs_codes",
    "sectors",
    "title",
    "summary",
    "value_usd",
    "language",
)


def published_facts(item_ids: list[int | None]) -> dict[int, ItemFacts]:
    """The facts of those items that are published, read as columns: building a model instance
    per item cost the dispatcher more than matching it."""
    rows = Item.objects.filter(pk__in=item_ids, status=Status.PUBLISHED).values_list(*FACT_COLUMNS)
    return {
        pk: _facts(kind, countries, origin, destination, hs, sectors, f"{title} {summary}", *rest)
        for pk, kind, countries, origin, destination, hs, sectors, title, summary, *rest in rows
    }


def _facts(
    kind: str,
    countries: list[str],
    origin: str | None,
    destination: str | None,
    hs_codes: list[str],
    sectors: list[str],
    text: str,
    value_usd: Any,
    language: str,
) -> ItemFacts:
    """A lead has an origin and a destination; other kinds concern all their countries both
    ways. A lead without one of them concerns all its countries on that side."""
    every = frozenset(countries)
    return ItemFacts(
        kind=kind,
        hs_codes=frozenset(hs_codes),
        sectors=frozenset(sectors),
        origin_countries=frozenset([origin]) if kind == Kind.LEAD and origin else every,
        destination_countries=frozenset([destination])
        if kind == Kind.LEAD and destination
        else every,
        words=words(text),
        value_usd=Decimal(value_usd) if value_usd is not None else None,
        language=language,
    )


def _words(phrases: list[str]) -> frozenset[str]:
    return frozenset(w for phrase in phrases for w in words(phrase))
