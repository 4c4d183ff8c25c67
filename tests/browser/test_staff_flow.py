"""A member of chamber staff, in a real browser: sign in, enter an item, publish it, find it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bureau.accounts.models import User
from tests.browser.support import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCT = "Saffron threads"


def _create_lead(page: Page) -> None:
    page.get_by_role("link", name="New item").first.click()
    page.get_by_label("Trade lead").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Title").fill(f"{PRODUCT}, 20 kg, for Lahore")
    page.get_by_label("Side").select_option("sell")
    page.get_by_label("Product", exact=False).first.fill(PRODUCT)
    page.locator("#id_hs_code").fill("091020")
    page.get_by_label("Quantity").fill("20")
    page.get_by_label("Unit").select_option("KGM")
    page.get_by_role("button", name="Save as draft").click()


def test_staff_creates_publishes_and_finds_an_item(page: Page, staff_az: User) -> None:
    sign_in(page, staff_az)
    _create_lead(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PRODUCT}, 20 kg, for Lahore")
    panel = page.locator("#item-panel")
    expect(panel.locator(".status")).to_have_text("Draft")

    # Publishing swaps the status panel in place: the page itself is not reloaded.
    page.evaluate("window.stillHere = true")
    panel.get_by_role("button", name="Publish").click()
    expect(page.locator("#item-panel .status")).to_have_text("Published")
    expect(page.locator("#item-panel")).to_contain_text("staff@az.example")
    assert page.evaluate("window.stillHere") is True

    page.get_by_role("link", name="Browse", exact=True).first.click()
    page.get_by_role("searchbox", name="Search").fill("saffron")
    page.get_by_role("searchbox", name="Search").press("Enter")
    expect(page.locator(".result__title")).to_have_text([f"{PRODUCT}, 20 kg, for Lahore"])
    expect(page).to_have_url(f"{page.url.split('?')[0]}?q=saffron")
    expect(page.locator("#result-count")).to_contain_text("1 item found")


def test_form_errors_are_shown_beside_the_fields(page: Page, staff_az: User) -> None:
    sign_in(page, staff_az)
    page.goto("/items/new/?kind=lead")
    page.get_by_label("Title").fill("Incomplete lead")
    page.locator("#id_hs_code").fill("12")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator("#id_product-error")).to_contain_text("is required")
    expect(page.locator("#id_product")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_be_focused()


def test_keyboard_only_search(page: Page, make_item: Any) -> None:
    make_item(publish=True, title="Basmati rice for Baku")
    make_item(publish=True, title="Cotton yarn wanted", summary="Combed yarn.", product="Yarn")
    page.goto("/items/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    for _ in range(40):
        if page.evaluate("document.activeElement && document.activeElement.id") == "id_q":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("basmati")
    page.keyboard.press("Enter")
    expect(page.locator(".result__title")).to_have_text(["Basmati rice for Baku"])
    expect(page.locator("#id_q")).to_be_focused()  # htmx keeps the focus in the search box
