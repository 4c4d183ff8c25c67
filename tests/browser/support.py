"""Steps the browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from bureau.accounts.models import User
from conftest import PASSWORD


def sign_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
