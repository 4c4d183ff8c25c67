"""A subscription index kept in step with the database, one per worker process."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.utils import timezone

from bureau.alerts.facts import criteria_of
from bureau.alerts.matcher import SubscriptionIndex
from bureau.alerts.models import Channel, Subscription

# Rows are re-read from a little before the last change seen, so that a subscription whose
# transaction committed late (with an earlier updated_at) is not missed.
OVERLAP = dt.timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Target:
    channel_id: int
    kind: str
    email_mode: str
    subscription_id: int
    owner_id: int


class LiveIndex:
    """The matcher's index plus each subscription's active channels, refreshed incrementally."""

    def __init__(self) -> None:
        self.index = SubscriptionIndex()
        self.targets: dict[int, list[Target]] = {}
        self._seen_until: dt.datetime | None = None
        self._lock = threading.Lock()

    def refresh(self) -> int:
        """Apply the subscriptions changed since the last refresh; returns how many were read."""
        with self._lock:
            started = timezone.now()
            changed = Subscription.objects.all()
            if self._seen_until is not None:
                changed = changed.filter(updated_at__gte=self._seen_until - OVERLAP)
            count = 0
            for subscription in changed.prefetch_related("channels").iterator(chunk_size=2000):
                self._apply(subscription)
                count += 1
            self._seen_until = started
            return count

    def _apply(self, subscription: Subscription) -> None:
        channels = [c for c in subscription.channels.all() if c.active]
        if not subscription.active or not channels:
            self.index.remove(subscription.pk)
            self.targets.pop(subscription.pk, None)
            return
        self.index.add(subscription.pk, criteria_of(subscription))
        self.targets[subscription.pk] = [
            Target(c.pk, c.kind, c.email_mode, subscription.pk, subscription.owner_id)
            for c in channels
        ]


def channel_kinds() -> list[str]:
    return list(Channel.Kind.values)
