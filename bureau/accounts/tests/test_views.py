"""Sign-in with its rate limit, the directory and organisation pages, verification."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from bureau.accounts.models import Contact, Organisation
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()


def test_sign_in_page_has_labelled_fields(client: Client):
    html = client.get(reverse("web:login")).content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'autocomplete="current-password"' in html


def test_staff_signs_in_with_email_and_out_with_a_post(client: Client, staff_az):
    response = client.post(
        reverse("web:login"), {"username": "staff@az.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(staff_az.pk)
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.post(reverse("web:logout")).status_code == 302
    assert SESSION_KEY not in client.session


def test_a_wrong_password_is_refused_with_a_message(client: Client, staff_az):
    response = client.post(
        reverse("web:login"), {"username": "staff@az.example", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "is not right" in response.content.decode()
    assert SESSION_KEY not in client.session


@override_settings(LOGIN_RATE_LIMIT="3/m")
def test_sign_in_attempts_per_email_are_limited(staff_az):
    for n in range(3):
        # A new client address each time: the limit per email must still hold.
        client = Client(REMOTE_ADDR=f"10.0.0.{n}")
        client.post(reverse("web:login"), {"username": "staff@az.example", "password": "nope"})
    client = Client(REMOTE_ADDR="10.0.0.99")
    response = client.post(
        reverse("web:login"), {"username": "staff@az.example", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many sign-in attempts" in response.content.decode()
    assert SESSION_KEY not in client.session  # even the right password is not tried


@override_settings(LOGIN_RATE_LIMIT="3/m")
def test_sign_in_attempts_per_client_address_are_limited(client: Client, staff_az):
    for n in range(3):
        client.post(reverse("web:login"), {"username": f"guess{n}@x.example", "password": "x"})
    response = client.post(reverse("web:login"), {"username": "other@x.example", "password": "x"})
    assert response.status_code == 429


def test_directory_lists_organisations_and_filters_them(
    client: Client, chamber_az, chamber_pk, company
):
    url = reverse("accounts:directory")
    html = client.get(url).content.decode()
    assert all(o.name in html for o in (chamber_az, chamber_pk, company))
    by_country = client.get(url, {"country": "PK"}).content.decode()
    assert chamber_pk.name in by_country and chamber_az.name not in by_country
    by_kind = client.get(url, {"kind": "company"}).content.decode()
    assert company.name in by_kind and chamber_pk.name not in by_kind


def test_directory_verified_filter_and_a_bad_value_beside_its_field(
    client: Client, chamber_az, company, staff_az
):
    from bureau.accounts.services import organisation_verify

    organisation_verify(actor=staff_az, organisation=company)
    url = reverse("accounts:directory")
    verified = client.get(url, {"verified": "on"}).content.decode()
    assert company.name in verified and chamber_az.name not in verified
    response = client.get(url, {"kind": "spaceship"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_kind-error"' in html and "spaceship" in html
    assert chamber_az.name in html  # the bad filter is ignored


def test_organisation_page_shows_contacts_items_and_verification(
    client: Client, company, make_item, staff_az
):
    from bureau.accounts.services import organisation_verify

    Contact.objects.create(organisation=company, name="Ayesha Khan", email="ayesha@rice.example")
    organisation_verify(actor=staff_az, organisation=company)
    make_item(publish=True, title="Basmati rice for Baku")
    make_item(title="Unpublished draft")
    html = client.get(reverse("accounts:organisation", args=[company.slug])).content.decode()
    assert "Ayesha Khan" in html and "ayesha@rice.example" in html
    assert "Basmati rice for Baku" in html and "Unpublished draft" not in html
    assert "Verified by Azerbaijan Chamber of Commerce in Islamabad" in html
    assert "staff@az.example" not in html  # a visitor is told the chamber, not the person
    assert "Remove verified mark" not in html  # anonymous visitors get no button


def test_staff_verifies_through_htmx_and_the_block_is_swapped(client: Client, company, staff_az):
    client.force_login(staff_az)
    page = client.get(reverse("accounts:organisation", args=[company.slug])).content.decode()
    assert ">Verify</button>" in page
    response = client.post(
        reverse("accounts:organisation_verify", args=[company.slug]),
        {"verified": "1"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="verification"')
    assert "Verified by Azerbaijan Chamber of Commerce in Islamabad" in html
    company.refresh_from_db()
    assert company.verified_by == staff_az and company.verified_at is not None


def test_staff_of_another_chamber_cannot_verify_its_members(client: Client, company, staff_pk):
    client.force_login(staff_pk)
    page = client.get(reverse("accounts:organisation", args=[company.slug])).content.decode()
    assert ">Verify</button>" not in page
    response = client.post(
        reverse("accounts:organisation_verify", args=[company.slug]), {"verified": "1"}
    )
    assert response.status_code == 403
    assert not Organisation.objects.get(pk=company.pk).is_verified


def test_unknown_organisation_is_404(client: Client, db):
    assert client.get(reverse("accounts:organisation", args=["nobody"])).status_code == 404
