"""Translate database records into the matcher's plain values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bureau.alerts.matcher import Criteria, ItemFacts, words
from bureau.alerts.models import Subscription
from bureau.catalog.models import Item, Kind


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
    """A lead has an origin and a destination; other kinds concern all their countries both ways."""
    countries = frozenset(item.countries)
    origin = destination = countries
    if item.kind == Kind.LEAD:
        lead: Any = getattr(item, "lead", None)
        if lead is not None:
            origin = frozenset([lead.origin_country]) if lead.origin_country else countries
            destination = (
                frozenset([lead.destination_country]) if lead.destination_country else countries
            )
    return ItemFacts(
        kind=item.kind,
        hs_codes=frozenset(item.hs_codes),
        sectors=frozenset(item.sectors),
        origin_countries=origin,
        destination_countries=destination,
        words=words(f"{item.title} {item.summary}"),
        value_usd=Decimal(item.value_usd) if item.value_usd is not None else None,
        language=item.language,
    )


def _words(phrases: list[str]) -> frozenset[str]:
    return frozenset(w for phrase in phrases for w in words(phrase))
