"""What the catalog announces at the seam (``bureau.core.changes``) when items change.

Each is announced inside the transaction that made the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bureau.catalog.models import Item


@dataclass(frozen=True)
class ItemsPublished:
    """Items became published here: entered at this node, or received from a peer.

    Announced for every way an item becomes published, so it is not also announced as an
    ``ItemStatusChanged``."""

    items: Sequence[Item]
    # The items were created by this change (an import, a peer's new items): no answer about
    # them can have been cached under their new ids, so there is nothing to forget.
    created: bool = False


@dataclass(frozen=True)
class ItemUpdated:
    """A published item's content changed."""

    item: Item


@dataclass(frozen=True)
class ItemStatusChanged:
    """An item moved through moderation to any status but published (submitted, returned to
    draft, withdrawn, expired)."""

    item: Item
    from_status: str
