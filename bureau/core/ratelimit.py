"""Fixed-window rate limits kept in the Django cache (in-process, or Redis with REDIS_URL)."""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
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
    rate = _parsed(rate) if isinstance(rate, str) else rate
    now = int(time.time())
    window = now // rate.seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    count = _count(f"rl:{scope}:{digest}:{window}", rate.seconds + 1)
    retry_after = (window + 1) * rate.seconds - now
    return Verdict(count <= rate.count, retry_after)


_parsed = functools.lru_cache(maxsize=64)(Rate.parse)


def _count(cache_key: str, timeout: int) -> int:
    """Add one to the window's counter and return it. On Redis one round trip (create the
    counter if absent, then increment it), since every API request pays for it."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(cache_key)
        client = backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=timeout)
        return 1


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))
