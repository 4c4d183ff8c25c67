"""The background loops' last completed rounds, for ``/readyz``, ``/metrics`` and ``bureau status``.

The one place that asks the worker how its loops are doing: ``last_rounds()`` maps each loop's
name to the time its last round finished (None: none yet).
"""

from __future__ import annotations

import datetime as dt


def last_rounds() -> dict[str, dt.datetime | None]:
    """Each background loop's last completed round; empty while the worker reports none."""
    return {}
