"""Background work run inside ``bureau serve`` on the embedded default: the same worker as
``bureau worker``, in threads of the web process."""

from __future__ import annotations

import logging

# Imported for their side effects: the email and exchange jobs register themselves, and the
# live hub listens for new live deliveries.
import bureau.connect.jobs
import bureau.delivery.email
import bureau.delivery.live
import bureau.exchange.jobs  # noqa: F401
from bureau.catalog import index
from bureau.catalog.services import items_expire_due
from bureau.delivery.dispatch import announce_overdue
from bureau.delivery.worker import Worker, periodic

log = logging.getLogger(__name__)


@periodic("expire", every_seconds=60.0)
def expire_items() -> None:
    expired = items_expire_due()
    if expired:
        log.info("expired %d items past their valid-until date", expired)


@periodic("live-announce", every_seconds=1.0)
def announce_late_live_deliveries() -> None:
    """Live deliveries whose worker died before handing them to the streams."""
    announce_overdue()


@periodic("search-index", every_seconds=0.01)
def sync_search_index() -> None:
    """A catch-up's sync of the search index, beside the pulls (``index.syncs_held``)."""
    index.background_round(wait_seconds=1.0)


def start() -> Worker:
    return Worker().start()
