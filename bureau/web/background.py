"""Background work run inside ``bureau serve`` on the embedded default: the same worker as
``bureau worker``, in threads of the web process."""

from __future__ import annotations

import logging

import bureau.delivery.live  # noqa: F401 - passes new live deliveries on to the streams
import bureau.delivery.email  # noqa: F401 - registers the email and digest jobs
from bureau.catalog.services import items_expire_due
from bureau.delivery.worker import Worker, periodic

log = logging.getLogger(__name__)


@periodic("expire", every_seconds=60.0)
def expire_items() -> None:
    expired = items_expire_due()
    if expired:
        log.info("expired %d items past their valid-until date", expired)


def start() -> Worker:
    return Worker().start()
