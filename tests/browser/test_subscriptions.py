"""A member, in a real browser against a real `bureau serve`: save a search, open the live page,
and watch a matching item arrive the moment chamber staff publish it.

The live page streams Server-Sent Events, which need the ASGI server (pytest-django's live
server speaks WSGI and cannot stream), so these tests run `bureau serve` on a store of their own,
as tests/live does. Staff publish through the API of that server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.live.support import (
    PASSWORD,
    Process,
    Store,
    lead,
    publish,
    seed,
    serving,
    store_for_this_run,
)

# The seeded member's own subscription asks for a word no item has, so only the one the test
# creates in the browser can match.
MEMBERS = {"watcher": {"keywords_any": ["zzyzx"]}}
PISTACHIO = {
    "title": "Pistachios in shell, 20 tonnes, for Baku",
    "summary": "New crop from Kerman, vacuum packed.",
    "product": "Pistachios",
    "hs_code": "080251",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    made = store_for_this_run(Path(tmp_path_factory.mktemp("subscriptions")) / "home")
    yield made
    made.drop()


@pytest.fixture(scope="module")
def seeded(store: Store) -> dict[str, Any]:
    return seed(store, MEMBERS)


@pytest.fixture(scope="module")
def server(store: Store, seeded: dict[str, Any]) -> Iterator[Process]:
    with serving(store) as process:
        yield process


@pytest.fixture
def page(browser: Any, server: Process) -> Iterator[Page]:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_saved_search_delivers_to_the_live_page(
    page: Page, server: Process, seeded: dict[str, Any]
) -> None:
    _sign_in(page, seeded["members"]["watcher"]["email"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Subscriptions").click()
    page.get_by_role("link", name="New subscription").first.click()

    page.get_by_label("Name").fill("Pistachio offers")
    page.get_by_label("Trade lead").check()
    page.get_by_label("Any of these words").fill("pistachio pistachios")
    expect(page.get_by_label("Live feed in the browser")).to_be_checked()  # the default channel
    page.get_by_role("button", name="Save subscription").click()

    expect(page.locator(".messages")).to_contain_text("Subscription “Pistachio offers” saved.")
    saved = page.locator(".subscriptions .result").filter(has_text="Pistachio offers")
    expect(saved).to_contain_text("pistachio pistachios")
    expect(saved).to_contain_text("live feed")

    page.get_by_role("link", name="Live feed").first.click()
    expect(page.locator("#live-status")).to_have_text("Connected: new matches appear at once.")
    page.evaluate("window.stillHere = true")

    publish(server.base_url, seeded["staff_token"], lead(**PISTACHIO))
    publish(server.base_url, seeded["staff_token"], lead(title="Basmati rice, 500 tonnes"))

    arrived = page.locator("#live-items > li")
    expect(arrived).to_have_count(1)
    expect(arrived.locator(".result__title")).to_have_text(PISTACHIO["title"])
    expect(arrived).to_contain_text("Matched “Pistachio offers”")
    expect(arrived.locator(".badge")).to_have_text("Trade lead")
    expect(page.locator("#live-empty")).to_be_hidden()
    assert page.evaluate("window.stillHere") is True  # it arrived without a reload

    arrived.get_by_role("link", name=PISTACHIO["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PISTACHIO["title"])


def test_form_errors_are_shown_beside_the_fields(page: Page, seeded: dict[str, Any]) -> None:
    _sign_in(page, seeded["members"]["watcher"]["email"])
    page.goto("/subscriptions/new/")
    page.get_by_label("Name").fill("Bad codes")
    page.get_by_label("HS code prefixes").fill("1099")
    page.get_by_role("button", name="Save subscription").click()
    expect(page.locator("#id_hs_prefixes-error")).to_contain_text("not in the HS 2022 nomenclature")
    expect(page.locator("#id_hs_prefixes")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_be_focused()

    # The HS finder adds a code to the list (a suggestion picked, or typed and Enter).
    page.get_by_label("Find an HS code").fill("2711")
    page.get_by_label("Find an HS code").press("Enter")
    expect(page.locator("#id_hs_prefixes")).to_have_value("1099; 2711")
    expect(page.get_by_label("Find an HS code")).to_have_value("")
