"""The item field set: parsing loose input and reporting every bad field."""

from decimal import Decimal

import pytest

from bureau.catalog import services
from bureau.catalog.models import Item
from bureau.catalog.validation import clean_item
from bureau.core.errors import ValidationFailed
from conftest import lead_data


def errors_of(data):
    with pytest.raises(ValidationFailed) as caught:
        clean_item(data)
    return {e.field: e.message for e in caught.value.errors}


def test_a_valid_lead_is_parsed_into_typed_values():
    clean = clean_item(
        lead_data(hs_code="1006.30", origin_country="pk", quantity="1,500.5", countries="AZ; PK")
    )
    assert clean.detail["hs_code"] == "100630"
    assert clean.detail["origin_country"] == "PK"
    assert clean.detail["quantity"] == Decimal("1500.5")
    assert clean.common["countries"] == ["AZ", "PK"]


def test_every_bad_field_is_reported_with_its_reason():
    found = errors_of(
        lead_data(
            title="",
            hs_code="271199",
            origin_country="XX",
            incoterm="FOBX",
            value_amount="ten",
            valid_from="2026-05-01",
            valid_until="2026-04-01",
            language="zz",
            stage="idea",
            mystery="1",
        )
    )
    assert found["title"] == "is required"
    assert "HS 2022" in found["hs_code"]
    assert "ISO 3166" in found["origin_country"]
    assert "FOBX" in found["incoterm"]
    assert "not a number" in found["value_amount"]
    assert "language" in found and "stage" in found and "mystery" in found


def test_cross_field_rules():
    found = errors_of(
        lead_data(
            valid_from="2026-05-01",
            valid_until="2026-04-01",
            value_currency="",
            quantity="3",
            unit="",
        )
    )
    assert found == {
        "valid_until": "is before valid_from",
        "value_currency": "is required when a value is given",
        "unit": "is required when a quantity is given",
    }


def test_each_kind_requires_its_own_fields():
    assert set(errors_of({"kind": "tender", "title": "Supply of pipes"})) == {"buyer"}
    assert set(errors_of({"kind": "agreement", "title": "LNG framework"})) == {"agreement_type"}
    assert set(errors_of({"kind": "nonsense", "title": "?"})) == {"kind"}


def test_agreement_with_extensions_and_milestones_round_trips(member):
    item = services.item_create(
        actor=member,
        data={
            "kind": "agreement",
            "title": "Framework agreement",
            "agreement_type": "framework",
            "parties": "Party A; Party B",
            "expires_on": "2027-01-01",
            "extensions": [
                {
                    "agreed_on": "2025-02-25",
                    "new_expires_on": "2029-01-01",
                    "note": "two more years",
                }
            ],
            "milestones": [{"title": "First cargo", "due_on": "2025-06-01"}],
        },
    )
    agreement = Item.objects.get(pk=item.pk).agreement
    assert agreement.parties == ["Party A", "Party B"]
    assert agreement.extensions.get().note == "two more years"
    assert agreement.milestones.get().title == "First cargo"


def test_bad_nested_records_name_the_entry(member):
    before = Item.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.item_create(
            actor=member,
            data={
                "kind": "agreement",
                "title": "X",
                "agreement_type": "mou",
                "milestones": [{"title": "a", "due_on": "soon"}],
            },
        )
    assert caught.value.errors[0].field == "milestones"
    assert "entry 1" in caught.value.errors[0].message
    assert Item.objects.count() == before
