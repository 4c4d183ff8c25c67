import pytest

from bureau.core.ratelimit import Rate, hit


def test_rate_parses_count_and_period():
    assert Rate.parse("10/m") == Rate(10, 60)
    assert Rate.parse("100/5m") == Rate(100, 300)
    with pytest.raises(ValueError):
        Rate.parse("ten per minute")


def test_requests_beyond_the_rate_are_refused_per_key():
    verdicts = [hit("test", "client-a", "3/h").allowed for _ in range(5)]
    assert verdicts == [True, True, True, False, False]
    assert hit("test", "client-b", "3/h").allowed


def test_a_new_window_does_not_reset_a_full_one():
    # Ten per minute, spent in the last second of a minute: the next minute's first seconds
    # still carry almost all of them, so a lock-out does not end on the minute.
    start = 1_800_000_000 // 60 * 60 + 59.5
    assert all(hit("test", "edge", "10/m", now=start).allowed for _ in range(10))
    refused = hit("test", "edge", "10/m", now=start + 1)
    assert not refused.allowed
    # Ten in the old minute and the refused one in the new: one more passes once eight of the
    # ten still weigh, 12 seconds into the new minute (a fixed window let it in at once).
    assert refused.retry_after == 12
    assert hit("test", "edge", "10/m", now=start + 0.5 + refused.retry_after).allowed


def test_retry_after_says_when_one_more_passes():
    minute = 1_800_000_000 // 60 * 60
    refused = [hit("test", "wait", "3/m", now=minute + 30) for _ in range(5)][-1]
    # Five counted: one more passes once under two of them weigh, 60% into the next minute.
    assert refused.retry_after == 30 + 36
    assert hit("test", "wait", "3/m", now=minute + 30 + refused.retry_after).allowed


def test_asking_before_retry_after_is_refused():
    minute = 1_800_000_000 // 60 * 60
    refused = [hit("test", "eager", "3/m", now=minute + 30) for _ in range(5)][-1]
    assert not hit("test", "eager", "3/m", now=minute + 30 + refused.retry_after - 2).allowed


def test_the_previous_window_weighs_less_as_the_period_slides():
    minute = 1_800_000_000 // 60 * 60
    for _ in range(10):
        assert hit("test", "slide", "10/m", now=minute + 1).allowed
    # Half-way through the next minute half of them still count: five more pass, not ten.
    later = [hit("test", "slide", "10/m", now=minute + 90).allowed for _ in range(7)]
    assert later == [True] * 5 + [False] * 2


@pytest.fixture
def redis_cache(settings):
    """The shared cache on a real Redis (``REDIS_URL``, else the local server's database 6)."""
    import os

    from django.core.cache import cache

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    cache.clear()
    yield cache
    cache.clear()


def test_on_redis_the_count_is_shared_and_the_window_expires(redis_cache):
    import uuid

    key = f"client-{uuid.uuid4()}"
    verdicts = [hit("test", key, "3/h").allowed for _ in range(5)]
    assert verdicts == [True, True, True, False, False]
    assert hit("test", f"{key}-other", "3/h").allowed
    # Two counters, ordinary cache entries that expire the window after their own.
    client = redis_cache._cache.get_client()
    counters = client.keys("*rl:test:*")
    assert sorted(int(client.get(k)) for k in counters) == [1, 5]
    assert all(3600 < client.ttl(k) <= 7201 for k in counters)
