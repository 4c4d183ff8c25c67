"""Rate limits: guessing, flooding and hoarding connections are cut off with a clear 429.

The attack that was found: thirty wrong passwords to ``/admin/login/`` all got 200 and were
not counted, so staff and admin passwords could be guessed without limit. Every sign-in path
now counts attempts per client address and per account, together.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import PASSWORD

SIGN_IN_PATHS = ["/accounts/login/", "/admin/login/"]


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def test_every_sign_in_path_is_known_here():
    """A new sign-in path must be added to SIGN_IN_PATHS, and so to the tests below."""
    routes = {"/" + r for r in _routes(get_resolver().url_patterns) if "login" in r}
    assert routes <= set(SIGN_IN_PATHS), routes - set(SIGN_IN_PATHS)


def attempt(client: Any, path: str, email: str, password: str) -> Any:
    return client.post(path, {"username": email, "password": password, "next": "/"})


@pytest.mark.parametrize("path", SIGN_IN_PATHS)
def test_guessing_a_password_is_stopped(client, settings, staff_az, path):
    settings.LOGIN_RATE_LIMIT = "10/m"
    answers = [attempt(client, path, staff_az.email, f"guess-{n}").status_code for n in range(30)]
    assert answers[:10] == [200] * 10  # the form again, with its error
    assert set(answers[10:]) == {429}
    refused = attempt(client, path, staff_az.email, PASSWORD)
    assert refused.status_code == 429  # locked out: even the right password is not tried
    assert int(refused["Retry-After"]) > 0
    assert b"Too many sign-in attempts" in refused.content
    assert "_auth_user_id" not in client.session


def test_attempts_count_across_paths_for_one_account(client, settings, staff_az):
    settings.LOGIN_RATE_LIMIT = "10/m"
    for n in range(5):
        attempt(client, "/admin/login/", staff_az.email, f"guess-{n}")
    for n in range(5):
        attempt(client, "/accounts/login/", staff_az.email, f"guess-{n}")
    assert attempt(client, "/accounts/login/", staff_az.email, PASSWORD).status_code == 429


def test_many_accounts_from_one_address_are_stopped(client, settings, db):
    settings.LOGIN_RATE_LIMIT = "10/m"
    answers = [
        attempt(client, "/admin/login/", f"user{n}@x.example", "x").status_code for n in range(12)
    ]
    assert answers[-1] == 429


def test_the_right_password_still_works_below_the_limit(client, settings, admin_user):
    settings.LOGIN_RATE_LIMIT = "10/m"
    attempt(client, "/admin/login/", admin_user.email, "wrong")
    response = client.post(
        "/admin/login/", {"username": admin_user.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_api_requests_are_limited_per_token_and_bad_tokens_count(
    client, settings, member, token_for
):
    settings.API_RATE_LIMIT = "5/m"
    token = token_for(member)
    answers = [
        client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer {token}").status_code
        for _ in range(7)
    ]
    assert answers == [200] * 5 + [429] * 2
    bad = [
        client.get("/api/v1/items", HTTP_AUTHORIZATION="Bearer bur_guess").status_code
        for _ in range(7)
    ]
    assert bad[:5] == [401] * 5 and bad[5:] == [429, 429]
