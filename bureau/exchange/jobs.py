"""The exchange's background work: pull from peers, nudge peers. Each job runs in a thread of
its own in the worker (``bureau worker``, or inside ``bureau serve``), so a slow or silent
peer holds up neither web requests nor delivery.

Each round waits for a wake-up from this process (a nudge received, an event appended), then
looks at the database, which also covers what other processes did: a pull round a quarter of a
second at most, as the dispatcher's, so that a peer added or resumed by a command, or nudged
through a web process without the worker, is pulled from at once; a push round a second.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from bureau.delivery.worker import periodic
from bureau.exchange import client, log, wake
from bureau.exchange.models import Peer
from bureau.exchange.replication import pull_due

logger = logging.getLogger(__name__)

PULL_WAIT_SECONDS = 0.25
PUSH_WAIT_SECONDS = 1.0
# Peer name -> (monotonic time before which no nudge is tried, consecutive failures).
_push_backoff: dict[str, tuple[float, int]] = {}


@periodic("exchange-pull", every_seconds=0.01)
def pull_round() -> None:
    """Pull from every peer that nudged or is due for its poll."""
    wake.PULL.wait(PULL_WAIT_SECONDS)
    wake.PULL.clear()
    for result in pull_due():
        if result.applied or result.refused:
            logger.info(
                "exchange: %d events applied, %d refused from %s",
                result.applied,
                result.refused,
                result.peer,
            )


@periodic("exchange-push", every_seconds=0.01)
def push_round() -> None:
    """Nudge every active peer that has not been told of this node's newest event."""
    wake.PUSH.wait(PUSH_WAIT_SECONDS)
    wake.PUSH.clear()
    head_seq = log.head().last_seq
    for peer in Peer.objects.filter(state=Peer.State.ACTIVE, notified_seq__lt=head_seq):
        nudge(peer, head_seq)


def nudge(peer: Peer, head_seq: int) -> bool:
    """Send one nudge, unless the peer failed lately; a peer that misses nudges still polls."""
    not_before, failures = _push_backoff.get(peer.name, (0.0, 0))
    if time.monotonic() < not_before:
        return False
    try:
        client.notify(peer, head_seq=head_seq)
    except client.PeerUnavailable as error:
        delay = min(settings.BUREAU_EXCHANGE_POLL_SECONDS, 2.0 ** min(failures + 1, 10))
        _push_backoff[peer.name] = (time.monotonic() + delay, failures + 1)
        logger.info("exchange: nudging %s failed (next try in %g s): %s", peer.name, delay, error)
        return False
    _push_backoff.pop(peer.name, None)
    Peer.objects.filter(pk=peer.pk, notified_seq__lt=head_seq).update(notified_seq=head_seq)
    return True
