"""Fixed-window rate limits kept in the Django cache (in-process, or Redis with REDIS_URL)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/m' -> 10 per 60 seconds; '100/5m' -> 100 per 300 seconds."""
        count, _, period = text.partition("/")
        unit = period[-1:]
        multiple = int(period[:-1] or 1)
        if unit not in PERIODS or not count.isdigit():
            raise ValueError(f"'{text}' is not a rate like 10/m")
        return cls(int(count), multiple * PERIODS[unit])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


def hit(scope: str, key: str, rate: str | Rate) -> Verdict:
    """Count one request of ``key`` in ``scope``; refuse it when the window is full."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    now = int(time.time())
    window = now // rate.seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}:{window}"
    if cache.add(cache_key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
    retry_after = (window + 1) * rate.seconds - now
    return Verdict(count <= rate.count, retry_after)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))
