"""The background loops' last completed rounds, for ``/readyz``, ``/metrics`` and ``bureau status``.

The one place that asks the worker how its loops are doing: ``last_rounds()`` maps each loop's
name to the time its last round finished (or, before its first, the time it started), for every
process of this host that runs loops (``bureau.core.loops``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from bureau.core.loops import last_rounds_on_host


def last_rounds() -> dict[str, dt.datetime | None]:
    """Each background loop's last completed round; empty while no process of the host runs any."""
    return dict(last_rounds_on_host(settings.BUREAU_METRICS_DIR))
