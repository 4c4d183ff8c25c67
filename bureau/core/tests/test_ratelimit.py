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
    # Two counters, ordinary cache entries that expire with their window.
    client = redis_cache._cache.get_client()
    counters = client.keys("*rl:test:*")
    assert sorted(int(client.get(k)) for k in counters) == [1, 5]
    assert all(0 < client.ttl(k) <= 3601 for k in counters)
