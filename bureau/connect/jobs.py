"""The connect loop's background work, in the worker's supervised loops (``bureau.core.loops``)."""

from __future__ import annotations

import logging

from bureau.connect import outcomes, peers, services
from bureau.delivery.worker import periodic

log = logging.getLogger(__name__)


@periodic("connect-expire", every_seconds=60.0)
def expire_and_ask() -> None:
    """Expire introductions past their deadline; ask for outcomes that are due."""
    expired = services.introductions_expire_due()
    asked = outcomes.outcomes_ask_due()
    if expired or asked:
        log.info("connect: %d introductions expired, %d asked for outcomes", expired, asked)


@periodic("connect-messages", every_seconds=1.0)
def send_messages() -> None:
    """Send the addressed messages waiting for peers."""
    peers.send_due()
