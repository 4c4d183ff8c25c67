"""Everyone can use it, checked in a real browser: the language switch and right-to-left Urdu,
errors announced in the reader's language, axe-core itself, and a whole task by keyboard
alone (sign in, search, save the search, publish an item)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from bureau.accounts.models import User
from bureau.alerts.models import Subscription
from bureau.catalog.models import Item, Status
from conftest import PASSWORD
from tests.browser import accessibility

pytestmark = pytest.mark.django_db(transaction=True)


FOCUSED = "s => !!document.activeElement && document.activeElement.matches(s)"


def tab_to(page: Page, selector: str, most: int = 120) -> None:
    """Press Tab, as a keyboard user does, until the element ``selector`` has the focus."""
    for _ in range(most):
        try:
            if page.evaluate(FOCUSED, selector):
                return
        except PlaywrightError:  # the Enter before followed a link: wait for the new page
            page.wait_for_load_state()
            continue
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} was not reached by Tab")


def test_the_switch_turns_every_page_to_urdu_right_to_left(page: Page, make_item: Any) -> None:
    item = make_item(publish=True, title="Basmati rice, 500 t", hs_code="100630")
    page.goto(f"/items/{item.pk}/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    left_to_right = page.locator(".brand").bounding_box()
    page.get_by_label("Language").select_option("ur")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(f"{page.url.split('/items/')[0]}/items/{item.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("link", name="مرکزی مواد پر جائیں")).to_be_attached()
    # The layout mirrors: the brand sits at the right, and the HS code still reads 1006.30.
    brand = page.locator(".brand").bounding_box()
    assert brand is not None and left_to_right is not None
    assert brand["x"] > left_to_right["x"] + 200
    code = page.locator(".facts .code").first
    expect(code).to_have_text("1006.30")
    assert code.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # The choice stays for the next page.
    page.goto("/items/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label("زبان", exact=True).select_option("az")
    page.get_by_role("button", name="بدلیں").click()
    expect(page.locator("html")).to_have_attribute("lang", "az")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ticarət")


def test_form_errors_are_announced_in_the_readers_language(page: Page, staff_az: User) -> None:
    staff_az.language = "ur"
    staff_az.save(update_fields=["language"])
    sign_in_urdu(page, staff_az)
    page.goto("/items/new/?kind=lead")
    page.locator("#id_title").fill("ادھوری پیشکش")
    page.locator("#id_hs_code").fill("12")
    page.locator("form.item-form button[type=submit], form button[type=submit]").last.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("کچھ محفوظ نہیں ہوا")
    expect(page.locator("#id_product-error")).to_contain_text("لازمی ہے")
    expect(page.locator("#id_product")).to_have_attribute("aria-invalid", "true")
    described = page.locator("#id_product").get_attribute("aria-describedby") or ""
    assert "id_product-error" in described.split()


def sign_in_urdu(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_axe_core_finds_a_violation_and_checks_each_visited_page(
    browser: Any, live_server: Any
) -> None:
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')
    page.evaluate(accessibility.AXE + "\n;undefined")
    found = {v["id"]: v["impact"] for v in page.evaluate(accessibility.RUN)}
    assert found.get("image-alt") == "critical"  # the engine works and reports impact
    page.goto("/")
    page.goto("/items/")
    accessibility.AUDITED.clear()
    context.close()
    for language in ("en", "ur"):
        assert f"{language} {live_server.url}/" in accessibility.AUDITED
        assert f"{language} {live_server.url}/items/" in accessibility.AUDITED


def test_keyboard_only_sign_in_search_save_and_publish(
    page: Page, make_item: Any, member: User, staff_az: User
) -> None:
    from bureau.catalog import services

    make_item(publish=True, title="Basmati rice for Baku", product="Basmati rice")
    draft = make_item(title="Pink salt from Khewra")
    draft = services.item_submit(actor=member, item=draft)

    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(staff_az.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Search from the browse page.
    tab_to(page, "a[href='/items/']")
    page.keyboard.press("Enter")
    tab_to(page, "#id_q")
    page.keyboard.type("basmati")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=basmati"))  # the swap and its URL push are done
    expect(page.locator(".result__title")).to_have_text(["Basmati rice for Baku"])

    # Save it as a subscription.
    tab_to(page, "button[form='save-search']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subscriptions/**")
    tab_to(page, "main form.form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("saved")
    assert Subscription.objects.filter(owner=staff_az, keywords_all=["basmati"]).exists()

    # Publish the submitted item from the moderation queue.
    tab_to(page, "a[href='/moderation/']")
    page.keyboard.press("Enter")
    tab_to(page, f"a[href='/items/{draft.pk}/']")
    page.keyboard.press("Enter")
    tab_to(page, f"#item-panel form[action='/items/{draft.pk}/publish/'] button")
    page.keyboard.press("Enter")
    expect(page.locator("#item-panel .status")).to_have_text("Published")
    assert Item.objects.get(pk=draft.pk).status == Status.PUBLISHED
