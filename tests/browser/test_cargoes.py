"""The cargo schedule in a real browser: the calendar of delivery windows, moved by keyboard;
staff change a cargo's status and the calendar and the per-year figures follow; on a phone the
calendar is a list and nothing overflows. With BUREAU_SCREENSHOT_DIR set, the page is saved
there as cargoes.png and cargoes-phone.png."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bureau.accounts.models import User
from bureau.commitments import services
from tests.browser.support import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _schedule(staff: User) -> Any:
    contract = services.contract_create(actor=staff, data={
        "title": "Example LNG cargoes", "product": "lng", "seller": "Example seller",
        "buyer": "Example buyer", "starts_on": "2025-01-01", "ends_on": "2026-12-31",
        "yearly_quantity": "1000000", "unit": "m3_lng"})  # fmt: skip
    first = services.cargo_create(actor=staff, contract=contract, data={
        "reference": "EX-01", "window_start": "2025-03-03", "window_end": "2025-03-05",
        "load_port": "AEJEA", "discharge_port": "PKQCT", "volume": "140000", "unit": "m3_lng",
        "status": "loaded"})  # fmt: skip
    services.cargo_create(actor=staff, contract=contract, data={
        "reference": "EX-02", "window_start": "2025-04-14", "window_end": "2025-04-16",
        "volume": "135000", "unit": "m3_lng", "status": "nominated"})  # fmt: skip
    return first


def test_staff_change_a_status_and_the_calendar_follows(page: Page, staff_az: User) -> None:
    cargo = _schedule(staff_az)
    sign_in(page, staff_az)
    page.goto("/commitments/cargoes/?month=2025-03")
    calendar = page.locator(".calendar-grid").first
    expect(calendar.get_by_role("table")).to_contain_text("March 2025")
    expect(calendar.get_by_role("columnheader").first).to_have_text("Mon")
    expect(calendar.get_by_role("link", name="EX-01: Loaded")).to_have_count(3)

    later = page.get_by_role("link", name="Later months")
    later.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/commitments/cargoes/\?month=2025-05#calendar-title$"))
    page.get_by_role("link", name="Earlier months").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".calendar-grid caption").first).to_have_text("March 2025")

    row = page.locator(f"#cargo-{cargo.pk}")
    row.get_by_label("New status").select_option("delivered")
    row.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("Cargo status changed.")).to_be_visible()
    page.goto("/commitments/cargoes/?month=2025-03")
    expect(page.locator(".calendar-grid").first.get_by_role("link", name="EX-01: Delivered")).to_have_count(3)  # fmt: skip
    year = page.locator("tr").filter(has_text="1 (2025-01-01 – 2025-12-31)").locator("td")
    expect(year.nth(0)).to_have_text("140000.000")  # delivered
    expect(year.nth(1)).to_have_text("135000.000")  # still scheduled
    if folder := os.environ.get("BUREAU_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / "cargoes.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the busy days as a list
    expect(page.locator(".calendar-grid").first).to_be_hidden()
    expect(page.locator(".calendar-list").first).to_contain_text("EX-01: Delivered")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if folder := os.environ.get("BUREAU_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / "cargoes-phone.png"), full_page=True)
