"""Recording the pledge, its projects and money; rates from the shared files; permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bureau.commitments import selectors, services
from bureau.commitments.models import ChangeEntry, Project
from bureau.commitments.tests.conftest import PLEDGE
from bureau.core.errors import PermissionDenied, ValidationFailed
from bureau.reference.rate_files import rates_import


def test_rates_from_the_world_bank_file_convert_at_each_events_year(
    shared_data: Path, pledge: Any, staff_az: Any
) -> None:
    stored = rates_import(shared_data / "worldbank-wdi" / "API_PA.NUS.FCRF_DS2_en_csv_v2_22859.csv")
    assert stored > 100
    rates = selectors.rates_table()
    assert rates[("PKR", 2019)].quantize(Decimal("0.01")) == Decimal("150.04")
    project = services.project_create(
        actor=staff_az, pledge=pledge, data={"title": "Power plant", "sector": "energy"}
    )
    services.money_event_add(actor=staff_az, project=project,
                             data={"kind": "disbursed", "amount": "1000", "currency": "USD", "on": "2019-03-04"})  # fmt: skip
    services.money_event_add(actor=staff_az, project=project,
                             data={"kind": "disbursed", "amount": "1000", "currency": "USD", "on": "2023-06-01"})  # fmt: skip
    progress = selectors.pledge_progress(pledge=pledge)
    pkr = progress.by_sector.get("disbursed", "PKR")
    expected = (1000 * rates[("PKR", 2019)]).quantize(Decimal("0.01")) + (
        1000 * rates[("PKR", 2023)]
    ).quantize(Decimal("0.01"))
    assert pkr.known == expected and not pkr.error


def test_fred_file_imports_units_per_dollar(shared_data: Path, db: Any) -> None:
    rates_import(shared_data / "exchange-rates-fred" / "annual.csv")
    rates = selectors.rates_table()
    assert rates[("EUR", 2024)] == Decimal("0.924200")
    assert rates[("INR", 2024)] > Decimal(50)


def test_missing_rate_is_reported_not_zero(pledge: Any, staff_az: Any) -> None:
    project = services.project_create(
        actor=staff_az, pledge=pledge, data={"title": "Port", "sector": "transport"}
    )
    services.money_event_add(actor=staff_az, project=project,
                             data={"kind": "committed", "amount": "10", "currency": "USD", "on": "2019-03-04"})  # fmt: skip
    progress = selectors.pledge_progress(pledge=pledge)
    assert progress.by_stage.get("committed", "AZN").error == "no AZN rate for 2019-03-04"
    assert progress.by_stage.get("committed", "USD").known == Decimal("10.00")


def test_stage_changes_are_dated_logged_and_kept(pledge: Any, staff_az: Any) -> None:
    project = services.project_create(actor=staff_az, pledge=pledge,
                                      data={"title": "Port", "sector": "transport", "stage_on": "2025-02-25"})  # fmt: skip
    services.project_stage_change(actor=staff_az, project=project,
                                  data={"stage": "agreed", "changed_on": "2025-06-01"})  # fmt: skip
    project.refresh_from_db()
    assert project.stage == "agreed" and project.stage_on == dt.date(2025, 6, 1)
    timeline = selectors.project_timeline(project=project)
    assert [row[2] for row in timeline] == ["Identified", "Agreed"]
    actions = list(
        ChangeEntry.objects.filter(object_key=str(project.uid)).values_list("action", flat=True)
    )
    assert actions == ["stage changed", "project recorded"]
    with pytest.raises(ValidationFailed, match="stage: the project is already at “Agreed”"):
        services.project_stage_change(actor=staff_az, project=project, data={"stage": "agreed"})


def test_bad_input_names_each_field_and_writes_nothing(pledge: Any, staff_az: Any) -> None:
    with pytest.raises(ValidationFailed) as failed:
        services.project_create(actor=staff_az, pledge=pledge,
                                data={"title": "", "sector": "space", "investor": "nobody"})  # fmt: skip
    fields = {e.field for e in failed.value.errors}
    assert fields == {"title", "sector"}
    with pytest.raises(ValidationFailed) as failed:
        services.money_event_add(actor=staff_az, project=services.project_create(
            actor=staff_az, pledge=pledge, data={"title": "A", "sector": "energy"}),
            data={"kind": "paid", "amount": "-1", "currency": "XXQ", "on": "2025-13-01"})  # fmt: skip
    assert {e.field for e in failed.value.errors} == {"kind", "amount", "currency", "on"}
    assert Project.objects.count() == 1


def test_only_chamber_staff_write(member: Any, pledge: Any, staff_pk: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.pledge_create(actor=member, data=PLEDGE)
    with pytest.raises(PermissionDenied):  # the other chamber's staff
        services.project_create(
            actor=staff_pk, pledge=pledge, data={"title": "X", "sector": "energy"}
        )
