"""Authorisation on the directory: what the verified mark vouches for cannot be changed under it.

The attack that was found: a member PATCHed ``{"name": "SOCAR (State Oil Company of
Azerbaijan Republic)", "country": "AZ"}`` and kept ``verified: true``; ``{"kind": "chamber"}``
was accepted too. The kind is for chamber staff only, and a change of name, kind or country
by anyone who may not verify the organisation clears the mark until staff confirm it again.
"""

from __future__ import annotations

import pytest

from bureau.accounts.models import Organisation
from bureau.accounts.services import organisation_verify
from bureau.exchange.models import LogEvent
from tests.security.support import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified(company, staff_az) -> Organisation:
    return organisation_verify(actor=staff_az, organisation=company)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "SOCAR (State Oil Company of Azerbaijan Republic)", "country": "AZ"},
        {"name": "SOCAR"},
        {"country": "AZ"},
    ],
)
def test_a_member_who_renames_the_organisation_loses_the_mark(
    client, member, token_for, verified, change
):
    response = send(client, "patch", f"/organisations/{verified.slug}", change, token_for(member))
    assert response.status_code == 200, response.content
    assert response.json()["verified"] is False
    verified.refresh_from_db()
    assert verified.verified_at is None and verified.verified_by is None
    # Peers are told, as of any change of the mark.
    assert LogEvent.objects.filter(type="organisation.verified").count() == 2


def test_other_changes_keep_the_mark(client, member, token_for, verified):
    response = send(
        client, "patch", f"/organisations/{verified.slug}",
        {"city": "Lahore", "phone": "+92 42 000 0000"}, token_for(member),
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["verified"] is True


def test_a_member_cannot_change_the_kind(client, member, token_for, verified):
    response = send(
        client, "patch", f"/organisations/{verified.slug}", {"kind": "chamber"}, token_for(member)
    )
    assert response.status_code == 403
    verified.refresh_from_db()
    assert verified.kind == "company" and verified.is_verified


def test_staff_may_change_the_kind_and_the_name_and_vouch_for_it(
    client, staff_az, token_for, verified
):
    response = send(
        client, "patch", f"/organisations/{verified.slug}",
        {"kind": "investor", "name": "Punjab Rice Investors"}, token_for(staff_az),
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["kind"] == "investor" and response.json()["verified"] is True


def test_staff_of_another_chamber_cannot(client, staff_pk, token_for, verified):
    response = send(
        client, "patch", f"/organisations/{verified.slug}", {"name": "Taken"}, token_for(staff_pk)
    )
    assert response.status_code == 403
    verified.refresh_from_db()
    assert verified.name == "Punjab Rice Exporters"
