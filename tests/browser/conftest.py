"""A real Chromium against pytest-django's live server.

Playwright's synchronous API keeps an event loop running in the test's thread while the
browser is open, which Django's async-safety check would take for async code calling the
database. The check is switched off only while the browser of a test module is open, and
the loop is gone again before the next module's tests run.

Every context the browser opens listens for Content-Security-Policy violations, and a test
fails when a page it visited raised one: the pages must work with scripts and styles from the
node's own files only (see bureau.web.security).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import accessibility

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

# Reported by the page itself, beside what Chromium writes to the console on a violation.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI +
                " in " + event.sourceFile + ":" + event.lineNumber);
});
"""
CSP_MARKERS = ("CSP violation:", "Content Security Policy")
CSP_VIOLATIONS: list[str] = []


def watch_csp(context: Any) -> Any:
    """Record every CSP violation of the pages of ``context`` in CSP_VIOLATIONS."""
    context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message: Any) -> None:
        if message.page is not None and id(message.page) in accessibility.AUDIT_PAGES:
            return
        if any(marker in message.text for marker in CSP_MARKERS):
            CSP_VIOLATIONS.append(
                f"{message.text} (on {message.page.url if message.page else '?'})"
            )

    context.on("console", on_console)
    return context


class AuditedContext:
    """A browser context whose pages axe-core checks when it closes (accessibility.py)."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._visits = accessibility.record_visits(context)

    def close(self) -> None:
        try:
            accessibility.audit(self._context, self._visits)
        finally:
            self._context.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class WatchedBrowser:
    """The browser, with every context it opens watched for CSP violations and checked for
    accessibility."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        return AuditedContext(watch_csp(self._browser.new_context(**options)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def _no_csp_violation() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    accessibility.AXE_VIOLATIONS.clear()
    yield
    found, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    assert found == [], "the pages raised Content-Security-Policy violations"
    violations, accessibility.AXE_VIOLATIONS[:] = list(accessibility.AXE_VIOLATIONS), []
    assert violations == [], "axe-core found serious or critical violations:\n" + "\n".join(
        violations
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed (`make browser` installs it)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield WatchedBrowser(chromium)
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page on pytest-django's live server (modules that serve otherwise override it)."""
    from django.core.cache import cache

    cache.clear()  # sign-in rate limits and cached facet counts of earlier tests
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
