"""Deliveries of items that are no longer shown are cancelled, never sent.

An item can be withdrawn (here, or at the peer that owns it) after it was matched and before
its webhook, email or digest went out, or between two tries of a webhook. What a subscriber
receives must be what they may see now, so every sender claims only deliveries whose item is
still shown, and the deliveries left waiting for a withdrawn item are cancelled: at once when
the withdrawal happens here, and by a periodic sweep for items withdrawn by replication.
"""

from __future__ import annotations

from bureau.catalog.changes import ItemStatusChanged
from bureau.catalog.models import SHOWN_STATUSES
from bureau.delivery.models import Delivery
from bureau.delivery.worker import periodic

WAITING = (Delivery.Status.PENDING, Delivery.Status.RETRYING, Delivery.Status.DIGEST)
REASON = "not sent: the item is no longer published"


def deliveries_cancel_unshown(*, item_ids: list[int] | None = None) -> int:
    """Cancel the waiting deliveries whose item is no longer shown; returns how many."""
    # A date alert about no item is never cancelled this way: there is no item to withdraw.
    waiting = Delivery.objects.filter(status__in=WAITING, item__isnull=False).exclude(
        item__status__in=SHOWN_STATUSES
    )
    if item_ids is not None:
        waiting = waiting.filter(item_id__in=item_ids)
    return waiting.update(
        status=Delivery.Status.CANCELLED, next_attempt_at=None, lease_until=None, last_error=REASON
    )


def on_item_status_changed(change: ItemStatusChanged) -> None:
    """In the withdrawing transaction: nothing waiting for the item may go out after it."""
    if change.item.status not in SHOWN_STATUSES:
        deliveries_cancel_unshown(item_ids=[change.item.pk])


@periodic("delivery-cancel", every_seconds=30)
def cancel_job() -> None:
    deliveries_cancel_unshown()
