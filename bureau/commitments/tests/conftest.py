from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bureau.catalog import services as catalog
from bureau.catalog.models import Item
from bureau.commitments import services

PLEDGE = {"title": "Investment in Pakistan's energy and infrastructure", "pledged_by": "Azerbaijan",
          "pledged_to": "Pakistan", "amount": "2000000000", "currency": "USD",
          "pledged_on": "2025-02-25", "source_title": "Azertac, 2025-02-25"}  # fmt: skip


@pytest.fixture
def pledge(staff_az: Any) -> Any:
    return services.pledge_create(actor=staff_az, data=PLEDGE)


@pytest.fixture
def project(pledge: Any, staff_az: Any) -> Any:
    return services.project_create(actor=staff_az, pledge=pledge,
                                   data={"title": "Power plant", "sector": "energy", "stage_on": "2025-02-25"})  # fmt: skip


def agreement_data(today: dt.date) -> dict[str, Any]:
    return {
        "kind": "agreement", "title": "LNG framework agreement", "agreement_type": "framework",
        "parties": "SOCAR; Pakistan LNG Limited", "organisation": "",
        "expires_on": (today + dt.timedelta(days=20)).isoformat(),
        "milestones": [{"title": "First cargo", "due_on": (today + dt.timedelta(days=60)).isoformat()},
                       {"title": "Trading company set up", "due_on": (today - dt.timedelta(days=3)).isoformat()}],
    }  # fmt: skip


@pytest.fixture
def agreement(staff_az: Any) -> Item:
    return catalog.item_create(actor=staff_az, data=agreement_data(dt.date.today()), publish=True)
