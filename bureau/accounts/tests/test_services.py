import pytest

from bureau.accounts.models import Organisation
from bureau.accounts.services import (
    organisation_create,
    organisation_verify,
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
)
from bureau.core.errors import PermissionDenied, ValidationFailed


def test_staff_verify_members_of_their_chamber_and_record_who_and_when(company, staff_az):
    organisation_verify(actor=staff_az, organisation=company)
    company.refresh_from_db()
    assert company.verified_by == staff_az and company.verified_at is not None


def test_members_and_other_chambers_cannot_verify(company, member, staff_pk):
    for actor in (member, staff_pk):
        with pytest.raises(PermissionDenied):
            organisation_verify(actor=actor, organisation=company)
    company.refresh_from_db()
    assert company.verified_at is None


def test_bad_organisation_input_names_each_field(db):
    with pytest.raises(ValidationFailed) as caught:
        organisation_create(
            actor=None, data={"name": "X", "kind": "club", "country": "ZZ", "hs_codes": ["123"]}
        )
    assert {e.field for e in caught.value.errors} == {"kind", "country", "hs_codes"}
    assert Organisation.objects.count() == 0


def test_staff_role_requires_a_chamber(company):
    with pytest.raises(ValidationFailed) as caught:
        user_create(
            email="x@example.org", password="a-long-password", organisation=company, role="staff"
        )
    assert caught.value.errors[0].field == "role"


def test_tokens_authenticate_until_revoked_and_are_stored_hashed(member):
    raw = token_create(user=member)
    assert token_authenticate(raw) == member
    assert not member.api_tokens.filter(digest=raw).exists()
    assert token_authenticate(raw + "x") is None
    token_revoke(user=member, prefix=raw[:12])
    assert token_authenticate(raw) is None
