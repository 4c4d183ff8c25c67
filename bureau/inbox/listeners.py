"""What the inbox does when other apps announce changes at the seam (``bureau.core.changes``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from bureau.accounts.models import User
from bureau.catalog.changes import ItemStatusChanged
from bureau.catalog.models import Item, Status
from bureau.inbox.services import messages_send


def on_item_status_changed(change: ItemStatusChanged) -> None:
    """A submitted item returned to draft: tell the people who entered it why."""
    item = change.item
    if change.from_status != Status.SUBMITTED or item.status != Status.DRAFT:
        return
    last = item.transitions.select_related("actor").order_by("-at", "-id").first()
    reason = last.note if last is not None else ""
    title = item.title
    messages_send(
        recipients=_people_of(item, exclude=last.actor if last else None),
        subject=lambda: _("Returned to draft: %(title)s") % {"title": title[:150]},
        text=lambda: (
            _(
                "Chamber staff returned “%(title)s” to draft, with this reason:\n\n%(reason)s\n\n"
                "Change the item, then submit it again."
            )
            % {"title": title, "reason": reason}
        ),
        url=reverse("catalog:item", args=[item.pk]),
    )


def _people_of(item: Item, *, exclude: User | None) -> list[User]:
    """Who entered the item, or else the members of its organisation."""
    people: list[User] = []
    if item.created_by is not None and item.created_by.is_active:
        people = [item.created_by]
    else:
        people = list(User.objects.filter(organisation=item.organisation, is_active=True))
    return [p for p in people if exclude is None or p.pk != exclude.pk]
