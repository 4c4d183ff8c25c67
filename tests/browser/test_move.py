"""The route planner in a real browser, at desktop and phone width: the example opens from
the home page, a place is picked by name, routes show on the map with their legs, the PNG
download works, and nothing spills sideways on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def _fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


@pytest.mark.parametrize("width", [1280, 390])
def test_plan_karachi_to_baku_then_avoid_iran(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    page.get_by_role("link", name="Karachi to Baku").click()
    expect(page.get_by_test_id("route-count")).to_contain_text("routes")
    expect(page.get_by_role("img", name="Map: Routes from Karachi Port to Baku")).to_be_visible()
    first = page.locator("#route-1")
    expect(first.get_by_role("heading")).to_contain_text("Bandar Abbas")
    expect(first.get_by_role("table")).to_contain_text("Tehran")
    _fits(page)

    with page.expect_download() as png:
        page.get_by_role("button", name="PNG").first.click()
    assert png.value.suggested_filename == "bureau-route-map.png"

    page.get_by_label("From", exact=True).fill("Karachi Port (PKKHI)")
    page.get_by_label("To", exact=True).fill("Baku")
    page.get_by_text("Constraints and ranking").click()
    page.get_by_role("group", name="Avoid countries").get_by_label("Iran").check()
    page.get_by_role("button", name="Find routes").click()
    expect(page.get_by_test_id("route-count")).to_be_visible()
    expect(page.locator("#route-1 h3")).to_contain_text("Poti")
    expect(page.locator("#route-1 h3")).not_to_contain_text("Bandar Abbas")
    _fits(page)


def test_an_unknown_place_is_named_beside_its_field(page: Page) -> None:
    page.goto("/move/?from=Atlantis&to=AZBAK")
    expect(page.locator("#id_from-error")).to_contain_text(
        "'Atlantis' is not a place in the network"
    )
