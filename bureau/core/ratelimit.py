"""Sliding-window rate limits kept in the Django cache (in-process, or Redis with REDIS_URL).

Each key has a counter per fixed window; a request is judged by the current window's count plus
the previous window's, weighted by how much of the previous window still lies inside the last
full period. A fixed window alone lets a client spend its rate twice around a boundary (and
resets a lock-out the moment a new minute starts); the weighted sum does not, and costs one more
read in the same round trip.
"""

from __future__ import annotations

import functools
import hashlib
import math
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


def hit(scope: str, key: str, rate: str | Rate, now: float | None = None) -> Verdict:
    """Count one request of ``key`` in ``scope``; refuse it when the last period is full.

    ``now`` (seconds since the epoch) is the clock; callers leave it to the real one.
    """
    rate = _parsed(rate) if isinstance(rate, str) else rate
    now = time.time() if now is None else now
    window, into = divmod(now, rate.seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    prefix = f"rl:{scope}:{digest}:"
    # A counter is read during the window after its own, so it lives two windows.
    current, previous = _count(
        prefix + str(int(window)), prefix + str(int(window) - 1), 2 * rate.seconds + 1
    )
    remaining_share = 1 - into / rate.seconds
    allowed = previous * remaining_share + current <= rate.count
    retry_after = 0 if allowed else _wait(rate, into, current, previous)
    return Verdict(allowed, retry_after)


def _wait(rate: Rate, into: float, current: int, previous: int) -> int:
    """Whole seconds until one more request would be allowed, if nobody asks in between."""
    period = rate.seconds
    room = rate.count - 1  # what the others may weigh for one more request to pass
    if current <= room and previous:
        # Still in this window: the previous one's weight has to fall far enough.
        needed_share = (room - current) / previous
        seconds = (1 - needed_share) * period - into
    else:
        # Next window: this one's count, now the previous, has to fall far enough.
        needed_share = room / current if current else 1.0
        seconds = (period - into) + (1 - needed_share) * period
    return max(1, math.ceil(seconds))


_parsed = functools.lru_cache(maxsize=64)(Rate.parse)


def _count(current_key: str, previous_key: str, timeout: int) -> tuple[int, int]:
    """Add one to the current window's counter; return it and the previous window's. On Redis
    one round trip (create the counter if absent, increment it, read the other), since every
    API request pays for it."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(current_key)
        other = backend.make_and_validate_key(previous_key)
        client = backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        pipe.get(other)
        _, current, previous = pipe.execute()
        return int(current), int(previous or 0)
    return _count_in_cache(current_key, timeout), int(cache.get(previous_key) or 0)


def _count_in_cache(cache_key: str, timeout: int) -> int:
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=timeout)
        return 1


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))
