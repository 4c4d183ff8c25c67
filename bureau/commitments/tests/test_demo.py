"""The commitments part of the demo: only the report's facts, unknowns left unknown, loaded once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bureau.commitments.demo import load_demo
from bureau.commitments.models import Cooperation, Pledge, SupplyContract
from bureau.demo import content, parts
from bureau.demo.loader import demo_load

pytestmark = pytest.mark.django_db


def test_each_node_loads_its_chambers_commitments_once_with_the_source(
    tmp_path: Any, client: Client
) -> None:
    assert "commitments" in dict(parts._parts)
    demo_load(node=content.ISLAMABAD, home=tmp_path)
    assert "added" in load_demo(content.ISLAMABAD)
    assert load_demo(content.ISLAMABAD).startswith("0 commitments added")
    pledge = Pledge.objects.get()
    assert (pledge.amount, pledge.currency, pledge.pledged_on) == (2_000_000_000, "USD", None)
    assert pledge.source_title == content.VISIT_REPORT and not pledge.projects.exists()
    assert all(
        c.yearly_quantity is None and c.starts_on is None for c in SupplyContract.objects.all()
    )
    assert (
        SupplyContract.objects.filter(agreement__isnull=False).count() == 2
    )  # linked to the agreement items
    # Records the Pakistan chamber holds are left to the other node.
    assert not Cooperation.objects.filter(area="defence").exists()
    html = client.get(f"/commitments/pledges/{pledge.uid}/").content.decode()
    assert "2,000,000,000.00 USD" in html
    assert html.count("unknown") >= 3  # the date, and the pledge in AZN and PKR without a date
