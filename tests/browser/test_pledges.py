"""Chamber staff, in a real browser, record a disbursement: the pledge's totals and its progress
chart change. With BUREAU_SCREENSHOT_DIR set, the pledge page is saved there as pledges.png
(the picture in the README)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bureau.accounts.models import User
from bureau.commitments import services
from tests.browser.support import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _pledge(staff: User) -> tuple[Any, Any]:
    pledge = services.pledge_create(actor=staff, data={
        "title": "Example pledge: investment in energy and infrastructure", "pledged_by": "Azerbaijan",
        "pledged_to": "Pakistan", "amount": "2000000000", "currency": "USD", "pledged_on": "2024-02-25",
        "source_title": "Example figures for this test"})  # fmt: skip
    terminal = services.project_create(actor=staff, pledge=pledge, data={
        "title": "Example LNG terminal", "sector": "energy", "stage": "financing", "stage_on": "2024-03-01"})  # fmt: skip
    road = services.project_create(actor=staff, pledge=pledge, data={
        "title": "Example road link", "sector": "transport", "stage": "agreed"})  # fmt: skip
    for project, kind, amount in ((terminal, "committed", "300000000"), (road, "committed", "80000000"),
                                  (road, "disbursed", "10000000")):  # fmt: skip
        services.money_event_add(actor=staff, project=project, data={
            "kind": kind, "amount": amount, "currency": "USD", "on": "2024-04-01"})  # fmt: skip
    services.money_event_add(actor=staff, project=road, data={"kind": "pledged", "currency": "USD"})
    return pledge, terminal


def test_staff_record_a_disbursement_and_the_chart_and_totals_change(
    page: Page, staff_az: User
) -> None:
    pledge, _terminal = _pledge(staff_az)
    sign_in(page, staff_az)
    page.goto(f"/commitments/pledges/{pledge.uid}/")
    disbursed = page.locator('#pledge-totals tr[data-kind="disbursed"] td').first
    expect(disbursed).to_have_text("10,000,000.00 USD")
    bars = page.locator("#figure-sector .chart-figure__svg--wide rect title")
    expect(bars.filter(has_text="Disbursed (US$), Energy")).to_have_count(0)

    page.get_by_role("link", name="Example LNG terminal").click()
    page.get_by_label("Kind").select_option("disbursed")
    page.get_by_label("Amount", exact=False).fill("-5")
    page.get_by_role("button", name="Record the money").click()
    expect(page.locator("#id_amount-error")).to_contain_text("must not be negative")
    page.get_by_label("Amount", exact=False).fill("125000000")
    page.get_by_label("Currency", exact=False).fill("USD")
    page.get_by_label("Date").fill("2024-09-30")
    page.get_by_label("Source", exact=True).fill("Example disbursement notice")
    page.get_by_role("button", name="Record the money").click()
    expect(page.locator("#timeline")).to_contain_text("disbursed: 125,000,000.00 USD")

    page.goto(f"/commitments/pledges/{pledge.uid}/")
    expect(disbursed).to_have_text("135,000,000.00 USD")
    expect(bars.filter(has_text="Disbursed (US$), Energy: US$ 125.0 m")).to_have_count(1)
    expect(page.locator('#pledge-totals tr[data-kind="pledged"] td').first).to_have_text("unknown")
    if folder := os.environ.get("BUREAU_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / "pledges.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the narrow chart, no overflow
    expect(page.locator("#figure-sector .chart-figure__svg--narrow svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
