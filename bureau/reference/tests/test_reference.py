from bureau.reference import hs
from bureau.reference.loaders import load_all
from bureau.reference.models import HsCode, HsSection
from bureau.reference.money import to_usd


def test_loading_reference_data_is_complete_and_idempotent(db):
    first = load_all()
    second = load_all()
    assert first == second
    assert HsCode.objects.count() == len(hs.all_codes()) == 6939
    assert HsSection.objects.count() == 21
    assert HsCode.objects.filter(level=6).count() == 5613
    assert HsCode.objects.get(code="271111").section_id == "V"


def test_hs_codes_are_validated_against_the_2022_nomenclature():
    assert hs.validation_error("2711.11") is None
    assert "not in the HS 2022" in (hs.validation_error("271199") or "")
    assert "2, 4 or 6 digits" in (hs.validation_error("27111") or "")
    assert hs.exists("8524")  # a heading new in HS 2022
    assert hs.ancestors("271111") == ["27", "2711", "271111"]


def test_hs_search_by_prefix_and_by_words():
    assert [c.code for c in hs.search("2711")][:2] == ["2711", "271111"]
    words = hs.search("rice husk")
    assert words and all("rice" in c.description.lower() for c in words)


def test_amounts_convert_to_usd_with_the_recorded_rate(db):
    from decimal import Decimal

    load_all()
    assert to_usd(Decimal("1700"), "AZN") == Decimal("1000.00")
    assert to_usd(Decimal("5"), "XXX") is None
