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
