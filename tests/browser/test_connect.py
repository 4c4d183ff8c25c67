"""In a real browser: a trader finds a lead, expresses interest, the owner accepts, and both see
each other's contact details (and neither sees them before)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bureau.accounts.models import User
from bureau.accounts.services import organisation_create, user_create
from conftest import PASSWORD
from tests.browser.support import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trader(chamber_pk: Any) -> User:
    """A trader of another company, who finds the lead."""
    buyer = organisation_create(
        actor=None,
        data={
            "name": "Caspian Foods",
            "kind": "company",
            "country": "AZ",
            "phone": "+994 12 555 0101",
        },
        chamber=chamber_pk,
    )
    return user_create(
        email="buyer@caspian.example", password=PASSWORD, organisation=buyer, role="member"
    )


@pytest.fixture
def second_page(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_trader_finds_a_lead_expresses_interest_and_both_see_contacts(
    page: Page, second_page: Page, make_item: Any, member: User, trader: User, tmp_path: Path
) -> None:
    lead = make_item(publish=True)
    sign_in(page, trader)
    page.get_by_role("link", name="Browse", exact=True).first.click()
    page.get_by_role("searchbox", name="Search").fill("basmati")
    page.get_by_role("searchbox", name="Search").press("Enter")
    # The results arrive by htmx, which then pushes the URL; a click before that push would
    # start a navigation the push cancels.
    expect(page).to_have_url(re.compile(r"[?&]q=basmati"))
    page.locator(".result__title").get_by_role("link", name=lead.title).click()
    page.get_by_role("link", name="Express interest").click()
    page.get_by_role("button", name="Send my interest").click()
    expect(page.locator("#id_message-error")).to_contain_text("is required")  # beside the field
    page.get_by_label("Your message").fill("We buy 200 t a quarter for Baku, CFR.")
    page.get_by_label("Quantity you propose").fill("200")
    page.get_by_label("Value you propose").fill("180000")
    page.get_by_label("Currency (ISO 4217, e.g. USD)").fill("USD")
    page.get_by_role("button", name="Send my interest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect")
    expect(page.locator("main")).to_contain_text("Waiting for the owner")

    owner = second_page
    sign_in(owner, member)
    owner.get_by_role("link", name="Connect", exact=True).first.click()
    interest = owner.locator(".inbox__message").first
    expect(interest).to_contain_text("We buy 200 t a quarter")
    expect(interest).to_contain_text("Caspian Foods")
    expect(owner.locator("main")).not_to_contain_text(trader.email)
    owner.get_by_role("button", name="Accept and exchange contacts").click()
    contacts = owner.get_by_label("Contact details")
    expect(contacts).to_contain_text(trader.email)
    expect(contacts).to_contain_text("+994 12 555 0101")
    shot = os.environ.get("BUREAU_CONNECT_SCREENSHOT") or str(tmp_path / "connect.png")
    owner.screenshot(path=shot, full_page=True)
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    page.reload()
    expect(page.get_by_label("Contact details")).to_contain_text(member.email)
    expect(page.locator("main")).to_contain_text("Accepted")
    owner.set_viewport_size({"width": 390, "height": 800})
    expect(owner.get_by_label("Contact details")).to_be_visible()
