"""A subscription index kept in step with the database, one per worker process."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from bureau.alerts.facts import criteria_of
from bureau.alerts.matcher import SubscriptionIndex
from bureau.alerts.models import Channel, Subscription
from bureau.alerts.selectors import subscription_clock, subscriptions_changed_since


@dataclass(frozen=True, slots=True)
class Target:
    channel_id: int
    kind: str
    email_mode: str
    subscription_id: int
    owner_id: int
    name: str = ""  # the subscription's, for the live channel's events


class LiveIndex:
    """The matcher's index plus each subscription's active channels, refreshed incrementally.

    It follows the subscriptions' change numbers (``SubscriptionClock``), which are handed out
    in commit order: after ``refresh()`` the index holds every change committed before the
    refresh began, and later ones are read again next time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.index = SubscriptionIndex()
        self.targets: dict[int, list[Target]] = {}
        self.seen_version = -1  # nothing read yet: the first refresh reads every subscription

    def refresh(self) -> int:
        """Apply the subscriptions changed since the last refresh; returns how many were read."""
        with self._lock:
            # Read first: whatever committed after it is read now or, at the latest, next time.
            clock = subscription_clock()
            if clock < self.seen_version:  # the database was restored or emptied: start again
                self._reset()
            if clock == self.seen_version:
                return 0  # no change committed since: a change takes its number as it commits
            count = 0
            changed = subscriptions_changed_since(self.seen_version)
            for subscription in changed.iterator(chunk_size=2000):
                self._apply(subscription)
                count += 1
            self.seen_version = clock
            return count

    def _apply(self, subscription: Subscription) -> None:
        channels = [c for c in subscription.channels.all() if c.active]
        if not subscription.active or not channels:
            self.index.remove(subscription.pk)
            self.targets.pop(subscription.pk, None)
            return
        self.index.add(subscription.pk, criteria_of(subscription))
        self.targets[subscription.pk] = [
            Target(
                c.pk,
                c.kind,
                c.email_mode,
                subscription.pk,
                subscription.owner_id,
                subscription.name,
            )
            for c in channels
        ]


def channel_kinds() -> list[str]:
    return list(Channel.Kind.values)
