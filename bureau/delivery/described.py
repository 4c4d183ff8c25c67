"""Events that are not an item's publication say what they are, in every channel.

Most outbox events announce a published item, and a channel shows the item. Other apps deliver
events of their own through the same channels and the same guarantees: the commitments app
announces an agreement expiring, a milestone due, a pledge project changing stage. Such an event
may concern an item (the agreement) or none (a project of a pledge the catalog does not list),
and an item's title would not say what happened anyway. So the app registers a describer for
its actions: given events' ids it returns their facts (a JSON object it stored with the event),
and given facts, the text a person reads, in the active language. Email, Atom, live and webhook
deliveries of those actions show that text; the webhook and the live event carry the facts too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import translation

from bureau.catalog.models import SHOWN_STATUSES


@dataclass(frozen=True)
class Text:
    label: str  # what kind of event this is, e.g. "Agreement expiring"
    title: str
    summary: str
    path: str  # where on the bureau it is shown


@dataclass(frozen=True)
class Describer:
    facts: Callable[[list[int]], dict[int, dict[str, Any]]]
    text: Callable[[dict[str, Any]], Text]


_describers: dict[str, Describer] = {}

# What a sender may send and a feed may show: an item's delivery while the item is shown, and
# every described event without an item (an event with an item follows the item's status).
SHOWN = Q(item__isnull=True) | Q(item__status__in=SHOWN_STATUSES)


def register(actions: Iterable[str], describer: Describer) -> None:
    for action in actions:
        _describers[action] = describer


def is_described(action: str) -> bool:
    return action in _describers


def facts_of(events: Iterable[tuple[int, str]]) -> dict[int, dict[str, Any]]:
    """The facts of each described event among ``(event id, action)`` pairs, by event id."""
    wanted: dict[str, list[int]] = {}
    for pk, action in events:
        if action in _describers:
            wanted.setdefault(action, []).append(pk)
    found: dict[int, dict[str, Any]] = {}
    for action, ids in wanted.items():
        found.update(_describers[action].facts(ids))
    return found


def text_of(action: str, facts: dict[str, Any], language: str | None = None) -> Text:
    """The text of a described event, in ``language`` (else the active one)."""
    if language is None:
        return _describers[action].text(facts)
    with translation.override(language):
        return _describers[action].text(facts)


def about(delivery: Any, language: str | None = None) -> tuple[Text, dict[str, Any]] | None:
    """The text and facts of one delivery's event, or None when it announces an item."""
    event = delivery.event
    if event.action not in _describers:
        return None
    facts = facts_of([(event.pk, event.action)]).get(event.pk, {})
    return text_of(event.action, facts, language), facts
