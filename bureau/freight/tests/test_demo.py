"""The freight part of the demo: a cited carrier on the TIR corridor, loaded once."""

from __future__ import annotations

import pytest

from bureau.accounts.models import Organisation
from bureau.demo import parts
from bureau.freight.demo import NLC_UID, load_demo
from bureau.freight.models import CarrierService
from bureau.freight.selectors import RouteRequest, routes_plan

pytestmark = pytest.mark.django_db


def test_the_demo_carrier_is_registered_loaded_once_and_shown_on_tir_legs() -> None:
    assert "freight" in dict(parts._parts)
    summary = load_demo("az-islamabad")
    assert "National Logistics Cell" in summary and "added" in summary
    assert "already there" in load_demo("az-islamabad")
    carrier = Organisation.objects.get(uid=NLC_UID)
    assert carrier.kind == "carrier" and carrier.source_url.startswith("https://")
    assert not carrier.is_verified
    assert CarrierService.objects.filter(organisation=carrier).count() == 1
    plan = routes_plan(RouteRequest(origin="PKKHI", destination="AZBAK", modes=["road"]))
    first_leg = plan.routes[0].steps[0].leg
    assert "TIR road" in first_leg.corridors and plan.carriers[first_leg.id] == [carrier]
