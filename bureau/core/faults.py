"""Fail points: named places in background work where a fault-injection test crashes the process.

With ``BUREAU_FAILPOINT=dispatch.inserted`` a process kills itself with SIGKILL, as a crash or
the out-of-memory killer would, the first time it reaches ``failpoint("dispatch.inserted")``.
``tests/delivery/test_faults.py`` starts a worker with each point in turn and checks that the
next worker makes every delivery exactly once. Unset (always, outside those tests), a fail point
costs one comparison.
"""

from __future__ import annotations

import os
import signal

from django.conf import settings

POINTS = (
    "dispatch.claimed",  # events claimed, nothing written yet
    "dispatch.inserted",  # deliveries inserted, events not yet marked
    "dispatch.marked",  # events marked dispatched, not yet committed
    "dispatch.announcing",  # committed, the live deliveries not yet handed to the streams
    "dispatch.committed",  # committed and announced, the sender not yet woken
    "webhook.leased",  # deliveries leased, nothing sent
    "webhook.sent",  # the receiver answered, the outcome not recorded
    "email.leased",
    "email.sent",  # the SMTP server accepted the message, the outcome not recorded
)


def failpoint(name: str) -> None:
    """Crash here if this is the point the process was started to crash at."""
    if name == settings.BUREAU_FAILPOINT:
        os.kill(os.getpid(), signal.SIGKILL)
